#!/usr/bin/env bash
# `make playground` / `make playground-down`: the demo on Kubernetes.
#
#   tests/playground.sh up [BIN_DIR]   a single-node Kubernetes on this machine (or the cluster of
#                                      KUBECONFIG), the images, the curve-operator and curve-csi
#                                      charts, a CurveCluster on three loop-device disks, a
#                                      StorageClass, and a bound PVC in a running pod; then what
#                                      to try next. Everything stays up. Idempotent.
#   tests/playground.sh down           removes everything `up` made (the cluster too, unless
#                                      KUBECONFIG names one)
#
# Needs root (loop devices, the cluster). Stages and settings: e2e/lib.sh.
set -euo pipefail

# shellcheck source=e2e/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../e2e/lib.sh"

DEMO_NS=playground
PLAYGROUND_UP=0

demo_yaml() {
  cat <<EOF
apiVersion: v1
kind: Namespace
metadata: {name: $DEMO_NS}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: demo, namespace: $DEMO_NS}
spec:
  accessModes: [ReadWriteOnce]
  storageClassName: $STORAGE_CLASS_XFS
  resources: {requests: {storage: 10Gi}}
---
apiVersion: v1
kind: Pod
metadata: {name: demo, namespace: $DEMO_NS}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: app
    image: $(CURVE_IMAGE_TAG= "$ROOT/images/build.sh" list | grep '/curve:')
    imagePullPolicy: IfNotPresent
    command: [sh, -c, 'echo "hello from CurveBS, written at \$(date -u)" >>/data/hello.txt; sleep infinity']
    volumeMounts: [{name: data, mountPath: /data}]
  volumes:
  - name: data
    persistentVolumeClaim: {claimName: demo}
EOF
}

cmd_up() {
  trap '((PLAYGROUND_UP)) || { log "playground FAILED; diagnostics follow"; dump_diagnostics; }' EXIT
  log "make playground: Kubernetes, images, charts, a CurveCluster and a PVC (cold: many minutes)"
  setup_tools
  stage_cluster
  stage_images
  stage_disks
  stage_operator
  stage_curvecluster_apply
  stage_csi
  stage_curvecluster_ready
  log "a 10Gi PVC of StorageClass $STORAGE_CLASS_XFS and a pod writing /data/hello.txt on it"
  demo_yaml | k apply -f - >/dev/null
  wait_until "PVC demo bound" 180 \
    k -n "$DEMO_NS" wait pvc/demo --for=jsonpath='{.status.phase}'=Bound --timeout=1s
  wait_until "pod demo running" 180 \
    k -n "$DEMO_NS" wait pod/demo --for=jsonpath='{.status.phase}'=Running --timeout=1s
  k -n "$DEMO_NS" exec demo -- cat /data/hello.txt
  PLAYGROUND_UP=1
  local mds kc=${KUBECONFIG}
  mds=$(k -n "$CLUSTER_NS" get pods -l app.kubernetes.io/component=mds -o jsonpath='{.items[0].metadata.name}')
  log "playground up in $((SECONDS - T0))s"
  cat <<TRY

Try next:
  export KUBECONFIG=$kc PATH=$K8S_BIN:\$PATH
  # the CurveCluster (phase, chunkservers) and every pod (etcd, MDS, chunkservers, operator, CSI)
  kubectl get curvecluster -n $CLUSTER_NS
  kubectl get pods -A -o wide
  # the PVC: xfs on a CurveBS volume; grow it online and watch df again
  kubectl -n $DEMO_NS exec demo -- df -h /data
  kubectl -n $DEMO_NS patch pvc demo --type=merge -p '{"spec":{"resources":{"requests":{"storage":"12Gi"}}}}'
  # the curve CLI in the MDS pod: health, volumes, servers and zones
  kubectl -n $CLUSTER_NS exec $mds -- curve --mds=$NODE_IP:$MDS_PORT status
  kubectl -n $CLUSTER_NS exec $mds -- curve --mds=$NODE_IP:$MDS_PORT volume list /k8s
  kubectl -n $CLUSTER_NS exec $mds -- curve --mds=$NODE_IP:$MDS_PORT topology show
  # remove everything this made
  make playground-down
TRY
}

cmd_down() {
  setup_tools
  if [[ -z ${KUBECONFIG:-} && -e /var/lib/curve-e2e/.curve-e2e ]]; then
    export KUBECONFIG
    KUBECONFIG=$("$CLUSTER_SH" kubeconfig)
  fi
  if [[ -n ${KUBECONFIG:-} ]] && k get --raw=/readyz >/dev/null 2>&1; then
    NODE=$(k get nodes -o jsonpath='{.items[0].metadata.name}')
    teardown_cluster_objects "$DEMO_NS"
  fi
  teardown_attach_daemons
  teardown_disks
  teardown_host_dirs
  if [[ -z ${PLAYGROUND_KUBECONFIG_GIVEN:-} ]]; then env -u KUBECONFIG "$CLUSTER_SH" down; fi
  log "playground removed"
}

main() {
  (($(id -u) == 0)) || { echo "tests/playground.sh: must run as root" >&2; return 2; }
  [[ -z ${KUBECONFIG:-} ]] || PLAYGROUND_KUBECONFIG_GIVEN=1
  case ${1:-} in
  up)
    [[ -z ${2:-} ]] || BIN_DIR=$(realpath "$2/bin")
    cmd_up
    ;;
  down) cmd_down ;;
  *)
    sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'
    return 2
    ;;
  esac
}

main "$@"
