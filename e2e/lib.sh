# e2e/lib.sh: the stages `make e2e` (e2e/run.sh) and `make playground` (tests/playground.sh)
# share: a cluster, images, loop-device disks, the two charts, a CurveCluster, StorageClasses,
# and diagnostics on failure. Sourced, not run. Every wait is bounded and prints progress.
#
# Settings (environment): KUBECONFIG (use that cluster; nothing is started or stopped),
# CURVE_BIN_DIR (binaries for the images, default build/bin), CURVE_E2E_DISKS (disk files,
# /var/lib/curve-e2e-disks), CURVE_E2E_DISK_SIZE (6G), CURVE_E2E_NO_IMAGES=1 (images already
# built and imported).

E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$E2E_DIR/.." && pwd)
CLUSTER_SH=$E2E_DIR/cluster/cluster.sh
SYSTEM_NS=curve-system   # the operator and the CSI driver
CLUSTER_NS=curve         # the CurveCluster and its daemons
CLUSTER_NAME=demo
POOLSET=ssd
STORAGE_CLASS=curve-ssd
# The same poolset with xfs: growing ext4 online needs CAP_SYS_RESOURCE, which root lacks on
# these VMs (curve-csi then grows it offline at the next stage); xfs grows online without it.
STORAGE_CLASS_XFS=curve-ssd-xfs
DISKS=3
DISK_DIR=${CURVE_E2E_DISKS:-/var/lib/curve-e2e-disks}
DISK_SIZE=${CURVE_E2E_DISK_SIZE:-6G}
# One node stands in for three zones: each disk's chunkserver gets a failure domain and a
# loopback address of its own through node labels (operator/placement/placement.h).
DISK_ADDRESS_PREFIX=127.0.10.
MDS_PORT=6700
ETCD_CLIENT_PORT=23790
ETCD_PEER_PORT=23800
HOST_DATA_DIR=/var/lib/curve-e2e-data
BIN_DIR=${CURVE_BIN_DIR:-$ROOT/build/bin}
T0=${T0:-$SECONDS}
STARTED_CLUSTER=0
EXISTING_CLUSTER=0 # KUBECONFIG was given: nothing is started, stopped or imported
K8S_BIN=
HELM=
NODE=
NODE_IP=

log() { printf '[%4ds] %s\n' "$((SECONDS - T0))" "$*"; }
fail() {
  log "FAILED: $*" >&2
  return 1
}
k() { "$K8S_BIN/kubectl" "$@"; }

# wait_until <what> <seconds> <command>...: polls <command> every 2 s, printing what it waits
# for every 20 s; returns 1 after <seconds>.
wait_until() {
  local what=$1 limit=$2 start=$SECONDS next=$((SECONDS + 20))
  shift 2
  until "$@" >/dev/null 2>&1; do
    if ((SECONDS - start >= limit)); then
      log "timed out after ${limit}s waiting for: $what" >&2
      return 1
    fi
    if ((SECONDS >= next)); then
      log "  ... still waiting for $what ($((SECONDS - start))s of ${limit}s)"
      next=$((SECONDS + 20))
    fi
    sleep 2
  done
  log "$what ($((SECONDS - start))s)"
}

# ---- diagnostics ----

# dump_diagnostics: pods, events, the CurveCluster and the logs of every pod not Ready and of
# the operator and CSI pods, so a failing run says which component failed and why.
dump_diagnostics() {
  [[ -n $K8S_BIN ]] || return 0
  k get --raw=/readyz >/dev/null 2>&1 || { log "the API server does not answer"; return 0; }
  echo "======== pods ========"
  k get pods -A -o wide 2>&1 || true
  echo "======== events (last 60) ========"
  k get events -A --sort-by=.lastTimestamp 2>&1 | tail -n 60 || true
  echo "======== CurveCluster ========"
  k -n "$CLUSTER_NS" get curveclusters -o yaml 2>&1 | sed -n '/^  status:/,$p' | head -n 80 || true
  local ns pod ready
  while read -r ns pod ready; do
    [[ -n $pod ]] || continue
    if [[ $ready == true && $ns != "$SYSTEM_NS" ]]; then continue; fi
    echo "======== logs $ns/$pod (ready=$ready, last 40 lines per container) ========"
    k -n "$ns" logs "$pod" --all-containers --prefix --tail=40 2>&1 || true
    if [[ $ready != true ]]; then
      k -n "$ns" logs "$pod" --all-containers --prefix --tail=20 --previous 2>/dev/null || true
      k -n "$ns" describe pod "$pod" 2>&1 | sed -n '/^Events:/,$p' || true
    fi
  done < <(k get pods -A -o jsonpath='{range .items[*]}{.metadata.namespace} {.metadata.name} {.status.containerStatuses[0].ready}{"\n"}{end}' 2>/dev/null)
}

# ---- stages ----

setup_tools() {
  "$ROOT/scripts/go-tools.sh" k8s helm >/dev/null
  K8S_BIN=$("$ROOT/scripts/go-tools.sh" path k8s)
  HELM=$("$ROOT/scripts/go-tools.sh" path helm)/helm
}

stage_cluster() {
  if [[ -n ${KUBECONFIG:-} ]]; then
    EXISTING_CLUSTER=1
    log "using the cluster of KUBECONFIG=$KUBECONFIG"
  else
    [[ -e /var/lib/curve-e2e/.curve-e2e ]] || STARTED_CLUSTER=1
    log "starting the single-node Kubernetes (e2e/cluster/cluster.sh up)"
    if ! "$CLUSTER_SH" up | sed -u 's/^/    /'; then fail "e2e/cluster/cluster.sh up"; return 1; fi
    export KUBECONFIG
    KUBECONFIG=$("$CLUSTER_SH" kubeconfig)
  fi
  NODE=$(k get nodes -o jsonpath='{.items[0].metadata.name}')
  NODE_IP=$(k get node "$NODE" -o jsonpath='{.status.addresses[?(@.type=="InternalIP")].address}')
  [[ -n $NODE && -n $NODE_IP ]] || fail "no node with an InternalIP" || return 1
  log "node $NODE ($NODE_IP)"
}

stage_images() {
  if [[ ${CURVE_E2E_NO_IMAGES:-0} == 1 ]]; then
    log "images: CURVE_E2E_NO_IMAGES=1, using what the cluster has"
    return 0
  fi
  log "building images from $BIN_DIR (images/build.sh; the first build takes minutes)"
  if ! "$ROOT/images/build.sh" --bin-dir "$BIN_DIR" sidecars operator csi services | sed -u 's/^/    /'; then
    fail "images/build.sh"
    return 1
  fi
  if ((EXISTING_CLUSTER)); then
    log "KUBECONFIG given: the cluster must pull the images itself (CURVE_IMAGE_REGISTRY)"
  elif ! env -u KUBECONFIG "$CLUSTER_SH" import | sed -u 's/^/    /'; then
    fail "importing the images into the cluster's containerd"
    return 1
  fi
}

# stage_disks: DISKS sparse files attached as loop devices, and the node labels that give each
# disk its own failure domain and address. Records the devices in $DISK_DIR/devices.
stage_disks() {
  mkdir -p "$DISK_DIR"
  local i file dev labels=()
  : >"$DISK_DIR/devices.new"
  for ((i = 0; i < DISKS; i++)); do
    file=$DISK_DIR/disk$i.img
    dev=$(losetup -j "$file" -O NAME -n 2>/dev/null | head -n 1)
    if [[ -z $dev ]]; then
      [[ -e $file ]] || truncate -s "$DISK_SIZE" "$file"
      dev=$(losetup -f --show "$file") || fail "losetup $file" || return 1
    fi
    echo "$dev" >>"$DISK_DIR/devices.new"
    labels+=("failure-domain.curve.io/${dev#/dev/}=zone-$((i + 1))"
      "address.curve.io/${dev#/dev/}=$DISK_ADDRESS_PREFIX$((i + 1))")
  done
  mv "$DISK_DIR/devices.new" "$DISK_DIR/devices"
  k label node "$NODE" --overwrite "${labels[@]}" >/dev/null || fail "labelling node $NODE" || return 1
  log "disks: $(tr '\n' ' ' <"$DISK_DIR/devices")(${DISK_SIZE} sparse files in $DISK_DIR), one zone and address each"
}

DISCOVERED_ANNOTATION=curve.io/discovered-devices
discovered_devices() {
  k get node "$NODE" -o jsonpath="{.metadata.annotations.${DISCOVERED_ANNOTATION//./\\.}}"
}
node_discovered() { [[ -n $(discovered_devices 2>/dev/null) ]]; }

# stage_operator: the chart, the operator available, and its discover DaemonSet reporting the
# node's disks: the annotation (removed first, so a stale one from an earlier run cannot pass)
# must appear within 120 s.
stage_operator() {
  log "helm install curve-operator into $SYSTEM_NS"
  k annotate node "$NODE" "$DISCOVERED_ANNOTATION-" >/dev/null 2>&1 || true
  "$HELM" upgrade --install curve-operator "$ROOT/charts/curve-operator" -n "$SYSTEM_NS" \
    --create-namespace >/dev/null || fail "helm install curve-operator" || return 1
  wait_until "curve-operator available" 180 \
    k -n "$SYSTEM_NS" rollout status deployment/curve-operator --timeout=1s || return 1
  wait_until "node $NODE annotated $DISCOVERED_ANNOTATION by curve-operator discover" 120 \
    node_discovered || fail "no disk discovery report on node $NODE" || return 1
  log "  $DISCOVERED_ANNOTATION on $NODE: $(discovered_devices)"
}

curvecluster_yaml() {
  local dev devices=
  while read -r dev; do
    devices+="      - {name: $dev, poolset: $POOLSET, percentage: 80}"$'\n'
  done <"$DISK_DIR/devices"
  cat <<EOF
apiVersion: v1
kind: Namespace
metadata:
  name: $CLUSTER_NS
---
apiVersion: operator.curve.io/v1
kind: CurveCluster
metadata:
  name: $CLUSTER_NAME
  namespace: $CLUSTER_NS
spec:
  curveVersion:
    image: $(CURVE_IMAGE_TAG= "$ROOT/images/build.sh" list | grep '/curve:')
    imagePullPolicy: IfNotPresent
  nodes: [$NODE]
  hostDataDir: $HOST_DATA_DIR
  etcd: {clientPort: $ETCD_CLIENT_PORT, peerPort: $ETCD_PEER_PORT}
  mds: {port: $MDS_PORT}
  storage:
    nodes: [$NODE]
    copySets: 20
    poolsets:
    - {name: $POOLSET, type: ssd}
    devices:
$devices  cleanupPolicy:
    confirmation: yes-really-destroy-data
    wipeDevices: true
EOF
}

cluster_phase() { k -n "$CLUSTER_NS" get curvecluster "$CLUSTER_NAME" -o jsonpath='{.status.phase}'; }
cluster_ready() { [[ $(cluster_phase 2>/dev/null) == Ready ]]; }

stage_curvecluster_apply() {
  log "kubectl apply CurveCluster $CLUSTER_NS/$CLUSTER_NAME ($DISKS chunkservers in 3 zones)"
  curvecluster_yaml | k apply -f - >/dev/null || fail "applying the CurveCluster" || return 1
}

stage_curvecluster_ready() {
  local start=$SECONDS limit=600 phase last=
  until cluster_ready; do
    phase=$(cluster_phase 2>/dev/null || true)
    if [[ $phase != "$last" ]] || ((SECONDS % 30 < 2)); then
      log "  CurveCluster phase=${phase:-none}: $(k -n "$CLUSTER_NS" get curvecluster "$CLUSTER_NAME" -o jsonpath='{.status.message}' 2>/dev/null)"
      last=$phase
    fi
    ((SECONDS - start < limit)) || fail "CurveCluster not Ready after ${limit}s" || return 1
    sleep 2
  done
  log "CurveCluster Ready ($((SECONDS - start))s)"
}

stage_csi() {
  log "helm install curve-csi into $SYSTEM_NS (mds $NODE_IP:$MDS_PORT, StorageClasses $STORAGE_CLASS, $STORAGE_CLASS_XFS)"
  "$HELM" upgrade --install curve-csi "$ROOT/charts/curve-csi" -n "$SYSTEM_NS" --create-namespace \
    --set "mds=$NODE_IP:$MDS_PORT" \
    --set "storageClasses[0].name=$STORAGE_CLASS" --set "storageClasses[0].poolset=$POOLSET" \
    --set "storageClasses[0].fsType=ext4" \
    --set "storageClasses[1].name=$STORAGE_CLASS_XFS" --set "storageClasses[1].poolset=$POOLSET" \
    --set "storageClasses[1].fsType=xfs" >/dev/null || fail "helm install curve-csi" || return 1
  wait_until "curve-csi controller available" 180 \
    k -n "$SYSTEM_NS" rollout status deployment/curve-csi-controller --timeout=1s &&
    wait_until "curve-csi node plugin ready" 180 \
      k -n "$SYSTEM_NS" rollout status daemonset/curve-csi-node --timeout=1s &&
    wait_until "driver registered with the kubelet" 120 \
      bash -c "'$K8S_BIN/kubectl' get csinode '$NODE' -o jsonpath='{.spec.drivers[*].name}' | grep -q ."
}

# ---- teardown ----

# teardown_cluster_objects [NAMESPACE...]: the workload namespaces first (their volumes are
# unstaged while the CSI driver still runs), then the CurveCluster (cleanup confirmed), the
# charts, their namespaces and the node labels; bounded.
teardown_cluster_objects() {
  [[ -n $K8S_BIN ]] && k get --raw=/readyz >/dev/null 2>&1 || return 0
  if (($#)); then
    k delete namespace "$@" --ignore-not-found --wait=false >/dev/null 2>&1 || true
    wait_until "namespaces $* deleted (volumes unstaged)" 180 \
      bash -c "! '$K8S_BIN/kubectl' get namespace $* -o name 2>/dev/null | grep -q ." || true
  fi
  if k -n "$CLUSTER_NS" get curvecluster "$CLUSTER_NAME" >/dev/null 2>&1; then
    k -n "$CLUSTER_NS" delete curvecluster "$CLUSTER_NAME" --wait=false >/dev/null 2>&1 || true
    wait_until "CurveCluster deleted" 180 \
      bash -c "! '$K8S_BIN/kubectl' -n '$CLUSTER_NS' get curvecluster '$CLUSTER_NAME'" || true
  fi
  "$HELM" uninstall curve-csi -n "$SYSTEM_NS" >/dev/null 2>&1 || true
  "$HELM" uninstall curve-operator -n "$SYSTEM_NS" >/dev/null 2>&1 || true
  k delete namespace "$CLUSTER_NS" "$SYSTEM_NS" --wait=false >/dev/null 2>&1 || true
  wait_until "namespaces deleted" 120 \
    bash -c "! '$K8S_BIN/kubectl' get namespace '$CLUSTER_NS' '$SYSTEM_NS' -o name 2>/dev/null | grep -q ." || true
  local labels=() dev
  if [[ -s $DISK_DIR/devices && -n $NODE ]]; then
    while read -r dev; do
      labels+=("failure-domain.curve.io/${dev#/dev/}-" "address.curve.io/${dev#/dev/}-")
    done <"$DISK_DIR/devices"
    k label node "$NODE" "${labels[@]}" >/dev/null 2>&1 || true
  fi
  [[ -z $NODE ]] || k annotate node "$NODE" "$DISCOVERED_ANNOTATION-" >/dev/null 2>&1 || true
}

# teardown_disks: detach our loop devices (found by their backing files) and remove the files.
teardown_disks() {
  [[ -d $DISK_DIR ]] || return 0
  local file dev
  for file in "$DISK_DIR"/disk*.img; do
    [[ -e $file ]] || continue
    for dev in $(losetup -j "$file" -O NAME -n 2>/dev/null); do
      while findmnt -S "$dev" >/dev/null 2>&1 && umount "$dev" 2>/dev/null; do :; done
      losetup -d "$dev" 2>/dev/null || log "could not detach $dev ($file)"
    done
  done
  rm -rf "$DISK_DIR"
}

# The CSI chart's attachDir: every curve-attachd the node plugin starts runs with
# --runtime-dir=$ATTACH_DIR and serves its volume from a FUSE file under it.
ATTACH_DIR=/run/curve/attach

# attach_loops: "DEVICE BACKING-FILE" of each loop device backed by a file under $ATTACH_DIR.
attach_loops() {
  losetup -l -n -O NAME,BACK-FILE 2>/dev/null |
    awk -v d="$ATTACH_DIR/" 'index($2, d) == 1 { print $1, $2 }'
}

# attach_daemons: "PID VOLUME" of each curve-attachd running with --runtime-dir=$ATTACH_DIR.
attach_daemons() {
  local cmdline pid arg volume ours
  local -a args
  for cmdline in /proc/[0-9]*/cmdline; do
    mapfile -d '' -t args <"$cmdline" 2>/dev/null || continue
    [[ ${args[0]:-} == curve-attachd || ${args[0]:-} == */curve-attachd ]] || continue
    pid=${cmdline#/proc/}
    pid=${pid%/cmdline}
    volume=unknown ours=0
    for arg in "${args[@]}"; do
      [[ $arg == "--runtime-dir=$ATTACH_DIR" ]] && ours=1
      [[ $arg == --volume=* ]] && volume=${arg#--volume=}
    done
    ((ours)) && echo "$pid $volume"
  done
  return 0
}

# teardown_attach_daemons: the attach daemons outlive the node plugin by design, so once the
# cluster is gone this stops the ones serving from $ATTACH_DIR (and no other): what is still
# mounted from their loop devices is unmounted, each daemon gets SIGTERM by its pid (SIGKILL
# after 30 s), and a loop device still backed by a file under $ATTACH_DIR is detached. One log
# line per mount, daemon and device.
teardown_attach_daemons() {
  local dev file target pid volume
  while read -r dev file; do
    while target=$(findmnt -n -o TARGET -S "$dev" 2>/dev/null | head -n 1) && [[ -n $target ]]; do
      if umount "$target" 2>/dev/null || umount -l "$target" 2>/dev/null; then
        log "unmounted $target (from $dev, attach file $file)"
      else
        log "could not unmount $target (from $dev)"
        break
      fi
    done
  done < <(attach_loops)
  local -a daemons=()
  mapfile -t daemons < <(attach_daemons)
  for pid in "${daemons[@]%% *}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for dev in "${daemons[@]}"; do
    pid=${dev%% *} volume=${dev#* }
    if wait_until "curve-attachd pid $pid (volume $volume) stopped on SIGTERM" 30 \
      bash -c "! kill -0 $pid"; then
      continue
    fi
    log "curve-attachd pid $pid (volume $volume) ignored SIGTERM for 30s; sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
  done
  while read -r dev file; do
    if losetup -d "$dev" 2>/dev/null; then
      log "detached $dev (attach file $file)"
    else
      log "could not detach $dev (attach file $file)"
    fi
  done < <(attach_loops)
}

# teardown_host_dirs: what the CSI node plugin and the CurveCluster left on the host (the
# charts' stateDir and attachDir, the cluster's hostDataDir), once both are gone.
teardown_host_dirs() {
  local dir target
  for dir in /var/lib/curve-csi /run/curve/attach "$HOST_DATA_DIR"; do
    findmnt -rn -o TARGET | awk -v d="$dir" 'index($0, d "/") == 1' | sort -r |
      while read -r target; do umount -l "$target" 2>/dev/null || true; done
    rm -rf "$dir" 2>/dev/null || log "could not remove $dir: $(rm -rf "$dir" 2>&1)"
  done
}
