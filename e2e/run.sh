#!/usr/bin/env bash
# e2e/run.sh: the end-to-end test on a real single-node Kubernetes (`make e2e`).
#
#   e2e/run.sh [--keep]
#
# Cluster up (or the cluster of KUBECONFIG), images built and imported, both charts installed,
# a CurveCluster on three loop-device disks in three failure domains, then: a PVC and a pod
# writing a file with a checksum, the pod deleted and recreated and the file verified; a raw
# block PVC written and read back; a PVC expanded online and the file system seen growing in
# the pod; a PVC deleted and its volume seen gone from the MDS (`curve volume list` in the MDS
# pod); PVC-create-to-pod-running p50 over 10 PVCs beside emptyDir pods of the same run; the
# CurveCluster deleted with cleanup confirmed and the disks seen wiped. On failure: pods,
# events and the failing components' logs. Everything it made is removed at the end (also on
# failure) unless --keep; a cluster it started is stopped.
set -euo pipefail

# shellcheck source=e2e/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

KEEP=0
APP_NS=curve-e2e
PVC_SIZE=10Gi # the MDS's and curve-csi's minimum volume size
GROWN_SIZE=12Gi
BENCH_ROUNDS=10
WORK_IMAGE=

usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; }

# ---- workloads ----

pvc_yaml() { # <name> <size> [Block|Filesystem [storage class]]
  cat <<EOF
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: $1, namespace: $APP_NS}
spec:
  accessModes: [ReadWriteOnce]
  storageClassName: ${4:-$STORAGE_CLASS}
  volumeMode: ${3:-Filesystem}
  resources: {requests: {storage: $2}}
EOF
}

# pod_yaml <name> <claim|""> [block]: a pod that sleeps with the claim at /data (or as the
# block device /dev/xvda); no claim: an emptyDir at /data (the reference).
pod_yaml() {
  local volume="emptyDir: {}" mount="volumeMounts: [{name: data, mountPath: /data}]"
  [[ -z $2 ]] || volume="persistentVolumeClaim: {claimName: $2}"
  [[ ${3:-} != block ]] || mount="volumeDevices: [{name: data, devicePath: /dev/xvda}]"
  cat <<EOF
apiVersion: v1
kind: Pod
metadata: {name: $1, namespace: $APP_NS}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: app
    image: $WORK_IMAGE
    imagePullPolicy: IfNotPresent
    command: [sleep, infinity]
    $mount
  volumes:
  - name: data
    $volume
EOF
}

running() { # <pod> [seconds]
  wait_until "pod $1 running" "${2:-180}" \
    k -n "$APP_NS" wait "pod/$1" --for=jsonpath='{.status.phase}'=Running --timeout=1s
}
ex() { k -n "$APP_NS" exec "$1" -- sh -c "$2"; }

test_file_survives_pod() {
  log "-- a PVC and a pod writing a file with a checksum"
  { pvc_yaml data "$PVC_SIZE"; echo ---; pod_yaml writer data; } | k apply -f - >/dev/null
  running writer
  local sum again
  sum=$(ex writer 'head -c 32M /dev/urandom >/data/file && sync && sha256sum /data/file' | cut -d' ' -f1)
  [[ ${#sum} == 64 ]] || fail "no checksum from the writer pod" || return 1
  log "wrote 32 MiB, sha256 ${sum:0:16}...; deleting and recreating the pod"
  k -n "$APP_NS" delete pod writer --wait=true --timeout=120s >/dev/null
  pod_yaml writer data | k apply -f - >/dev/null
  running writer
  again=$(ex writer 'sha256sum /data/file' | cut -d' ' -f1)
  [[ $again == "$sum" ]] || fail "checksum after recreating the pod: $again, wrote $sum" || return 1
  log "file verified in the recreated pod"
}

test_block_pvc() {
  log "-- a raw block PVC"
  { pvc_yaml raw "$PVC_SIZE" Block; echo ---; pod_yaml blockpod raw block; } | k apply -f - >/dev/null
  running blockpod
  local out
  out=$(ex blockpod 'head -c 8M /dev/urandom >/tmp/w && dd if=/tmp/w of=/dev/xvda bs=1M seek=100 oflag=direct status=none &&
    dd if=/dev/xvda of=/tmp/r bs=1M skip=100 count=8 iflag=direct status=none &&
    sha256sum /tmp/w /tmp/r | cut -d" " -f1 | uniq | wc -l; blockdev --getsize64 /dev/xvda')
  [[ $(sed -n 1p <<<"$out") == 1 ]] || fail "block device read back differs from what was written" || return 1
  log "8 MiB written at 100 MiB and read back on a $(sed -n 2p <<<"$out")-byte block device"
  k -n "$APP_NS" delete pod blockpod --wait=false >/dev/null
}

fs_size() { ex grower 'df -B1 --output=size /data | tail -n 1' | tr -d ' '; }

test_expand_online() {
  log "-- online expansion: an xfs PVC ($STORAGE_CLASS_XFS) grown to $GROWN_SIZE under a running pod"
  { pvc_yaml grow "$PVC_SIZE" Filesystem "$STORAGE_CLASS_XFS"; echo ---; pod_yaml grower grow; } |
    k apply -f - >/dev/null
  running grower
  local before
  before=$(fs_size)
  k -n "$APP_NS" patch pvc grow --type=merge -p "{\"spec\":{\"resources\":{\"requests\":{\"storage\":\"$GROWN_SIZE\"}}}}" >/dev/null
  wait_until "file system in the pod grew past $before bytes" 240 \
    bash -c "(( \$('$K8S_BIN/kubectl' -n '$APP_NS' exec grower -- df -B1 --output=size /data | tail -n 1) > $before ))"
  log "file system: $before -> $(fs_size) bytes, with the pod running"
  k -n "$APP_NS" delete pod grower --wait=false >/dev/null
}

mds_pod() { k -n "$CLUSTER_NS" get pods -l app.kubernetes.io/component=mds -o jsonpath='{.items[0].metadata.name}'; }
mds_volumes() { k -n "$CLUSTER_NS" exec "$(mds_pod)" -- curve --mds="$NODE_IP:$MDS_PORT" volume list /k8s; }

test_delete_pvc() {
  log "-- deleting PVC data: its volume leaves the MDS"
  local pv
  pv=$(k -n "$APP_NS" get pvc data -o jsonpath='{.spec.volumeName}')
  mds_volumes | grep -q "$pv" || fail "volume $pv not in 'curve volume list /k8s': $(mds_volumes)" || return 1
  k -n "$APP_NS" delete pod writer --wait=true --timeout=120s >/dev/null
  k -n "$APP_NS" delete pvc data --wait=false >/dev/null
  wait_until "PV $pv deleted" 120 \
    bash -c "out=\$('$K8S_BIN/kubectl' get pv '$pv' --ignore-not-found -o name) && [[ -z \$out ]]"
  # The listing must succeed and lack the volume (a failing `curve` is not a pass).
  wait_until "volume $pv gone from 'curve volume list /k8s'" 60 \
    bash -c "out=\$('$K8S_BIN/kubectl' -n '$CLUSTER_NS' exec '$(mds_pod)' -- curve --mds='$NODE_IP:$MDS_PORT' volume list /k8s) && ! grep -q '$pv' <<<\"\$out\""
}

# time_to_running <pod> <claim|"">: seconds from creating (the PVC and) the pod to Running.
time_to_running() {
  local t0 t1
  t0=$(date +%s.%N)
  { [[ -z $2 ]] || { pvc_yaml "$2" "$PVC_SIZE"; echo ---; }; pod_yaml "$1" "$2"; } | k apply -f - >/dev/null
  k -n "$APP_NS" wait "pod/$1" --for=jsonpath='{.status.phase}'=Running --timeout=180s >/dev/null ||
    fail "pod $1 not running after 180 s" || return 1
  t1=$(date +%s.%N)
  echo "$t0 $t1" | awk '{ printf "%.2f\n", $2 - $1 }'
}

p50() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

bench_pvc_to_running() {
  log "-- PVC-create-to-pod-running over $BENCH_ROUNDS PVCs (reference: emptyDir pods, same run)"
  local i pvc=() ref=()
  for ((i = 0; i < BENCH_ROUNDS; i++)); do
    ref+=("$(time_to_running "ref$i" "")") || return 1
    pvc+=("$(time_to_running "pvc$i" "bench$i")") || return 1
  done
  log "PVC -> pod Running: p50 $(printf '%s\n' "${pvc[@]}" | p50) s (${pvc[*]})"
  log "reference, emptyDir pod -> Running: p50 $(printf '%s\n' "${ref[@]}" | p50) s (${ref[*]})"
  k -n "$APP_NS" delete pods --all --wait=true --timeout=180s >/dev/null
  k -n "$APP_NS" delete pvc --all --wait=false >/dev/null
  wait_until "benchmark PVs deleted" 180 \
    bash -c "! '$K8S_BIN/kubectl' get pv -o jsonpath='{.items[*].spec.claimRef.namespace}' | grep -q '$APP_NS'"
}

test_delete_cluster_wipes_disks() {
  log "-- deleting the CurveCluster with cleanup confirmed"
  local dev
  while read -r dev; do
    [[ -n $(blkid -p -o value -s TYPE "$dev" 2>/dev/null) ]] ||
      fail "$dev has no file system before the cleanup (the check below could not fail)" || return 1
  done <"$DISK_DIR/devices"
  k -n "$CLUSTER_NS" delete curvecluster "$CLUSTER_NAME" --wait=false >/dev/null
  wait_until "CurveCluster gone (cleanup Jobs done, finalizer removed)" 300 \
    bash -c "! '$K8S_BIN/kubectl' -n '$CLUSTER_NS' get curvecluster '$CLUSTER_NAME'"
  while read -r dev; do
    [[ -z $(blkid -p -o value -s TYPE "$dev" 2>/dev/null) ]] ||
      fail "$dev still has a $(blkid -p -o value -s TYPE "$dev") signature after the cleanup" || return 1
  done <"$DISK_DIR/devices"
  log "disks wiped: $(tr '\n' ' ' <"$DISK_DIR/devices")have no file system signature"
}

# ---- main ----

FAILED=0
on_exit() {
  local rc=$?
  ((rc == 0)) || FAILED=1
  if ((FAILED)); then
    log "e2e FAILED; diagnostics follow"
    dump_diagnostics || true
  fi
  if ((KEEP)); then
    log "--keep: leaving everything up (KUBECONFIG=${KUBECONFIG:-})"
  else
    log "cleaning up"
    teardown_cluster_objects "$APP_NS" || true
    teardown_attach_daemons || true
    teardown_disks || true
    teardown_host_dirs
    if ((STARTED_CLUSTER)); then env -u KUBECONFIG "$CLUSTER_SH" down | sed -u 's/^/    /' || true; fi
  fi
  if ((FAILED)); then log "e2e FAILED after $((SECONDS - T0))s"; else log "e2e PASSED in $((SECONDS - T0))s"; fi
  exit $((FAILED ? 1 : 0))
}

main() {
  while (($#)); do
    case $1 in
    --keep) KEEP=1 ;;
    -h | --help) usage; return 0 ;;
    *) echo "e2e/run.sh: unknown argument $1 (--keep)" >&2; return 2 ;;
    esac
    shift
  done
  (($(id -u) == 0)) || { echo "e2e/run.sh: must run as root (loop devices, the cluster)" >&2; return 2; }
  setup_tools
  WORK_IMAGE=$(CURVE_IMAGE_TAG= "$ROOT/images/build.sh" list | grep '/curve:')
  trap on_exit EXIT
  stage_cluster
  stage_images
  stage_disks
  stage_operator
  stage_curvecluster_apply
  stage_csi
  stage_curvecluster_ready
  k create namespace "$APP_NS" --dry-run=client -o yaml | k apply -f - >/dev/null
  test_file_survives_pod
  test_block_pvc
  test_expand_online
  test_delete_pvc
  bench_pvc_to_running
  test_delete_cluster_wipes_disks
}

main "$@"
