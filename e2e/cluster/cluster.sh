#!/usr/bin/env bash
# e2e/cluster/cluster.sh: a real single-node Kubernetes on this machine for the e2e tests.
#
#   cluster.sh up            start (or complete) the cluster; idempotent
#   cluster.sh down          stop only the processes `up` started (by pid), remove what it made
#   cluster.sh status        each process, its pid and restarts, and the node
#   cluster.sh kubeconfig    print the admin kubeconfig's path
#   cluster.sh import [REF]  import Docker images into the cluster's containerd
#                            (default: every image of `images/build.sh list` Docker has)
#   cluster.sh check         run a pod from a locally built image that reads the API server's
#                            /version through the `kubernetes` Service IP (kube-proxy)
#
# Pieces: etcd 3.6 from `scripts/go-tools.sh etcd` (Debian's 3.4 lacks the progress requests
# streaming watch lists need), the Kubernetes binaries from `scripts/go-tools.sh k8s`, a
# containerd of its own (Debian's containerd + runc; own root, state and socket), Debian's CNI
# plugins (bridge + host-local + portmap), certificates made with openssl. Each process runs
# under a small supervisor that restarts it when it exits; pids, logs and state live in
# $CURVE_E2E_DIR (default /var/lib/curve-e2e), sockets and runtime state in /run/curve-e2e.
#
# With KUBECONFIG set, an existing cluster is used: `up` and `status` only check it, `down`
# leaves it alone, and `import` is refused (push images to a registry that cluster reads).
#
# Settings (environment): CURVE_E2E_DIR, CURVE_E2E_KUBELET_DIR (/var/lib/kubelet),
# CURVE_E2E_NODE_IP (eth0's address), CURVE_E2E_API_PORT (6443), CURVE_E2E_ETCD_PORT (2479),
# CURVE_E2E_POD_CIDR (10.244.0.0/24), CURVE_E2E_SERVICE_CIDR (10.96.0.0/16).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
PROG=e2e/cluster/cluster.sh
START=$SECONDS

STATE=${CURVE_E2E_DIR:-/var/lib/curve-e2e}
RUN=/run/curve-e2e
ETC=$STATE/etc
PKI=$STATE/pki
LOGS=$STATE/logs
KUBELET_DIR=${CURVE_E2E_KUBELET_DIR:-/var/lib/kubelet}
CONTAINERD_SOCK=$RUN/containerd/containerd.sock
API_PORT=${CURVE_E2E_API_PORT:-6443}
ETCD_PORT=${CURVE_E2E_ETCD_PORT:-2479}
ETCD_PEER_PORT=$((ETCD_PORT + 1))
KUBELET_PORT=10250
KUBELET_HEALTHZ_PORT=10248
PROXY_HEALTHZ_PORT=10256
PROXY_METRICS_PORT=10249
CM_PORT=10257
SCHED_PORT=10259
POD_CIDR=${CURVE_E2E_POD_CIDR:-10.244.0.0/24}
SERVICE_CIDR=${CURVE_E2E_SERVICE_CIDR:-10.96.0.0/16}
SERVICE_IP=${SERVICE_CIDR%/*}
SERVICE_IP=${SERVICE_IP%.*}.1 # the `kubernetes` Service: the range's first address
BRIDGE=curve-e2e0
NODE_NAME=$(hostname | tr '[:upper:]' '[:lower:]')
NODE_IP=${CURVE_E2E_NODE_IP:-}
K8S_BIN=
ETCD=
PAUSE_IMAGE=
COMPONENTS=(etcd kube-apiserver kube-controller-manager kube-scheduler containerd kubelet kube-proxy)
FW_COMMENT=curve-e2e

# shellcheck source=e2e/cluster/pki.sh
source "$HERE/pki.sh"
# shellcheck source=e2e/cluster/configs.sh
source "$HERE/configs.sh"

die() {
  echo "$PROG: $*" >&2
  exit 1
}
step() { printf '[%4ds] %s\n' "$((SECONDS - START))" "$*"; }
kc() { "$K8S_BIN/kubectl" --kubeconfig "$ETC/admin.kubeconfig" "$@"; }
ctr_() { ctr -a "$CONTAINERD_SOCK" -n k8s.io "$@"; }

existing_cluster() { [[ -n ${KUBECONFIG:-} ]]; }

setup_env() {
  K8S_BIN=$("$ROOT/scripts/go-tools.sh" path k8s)
  ETCD=$("$ROOT/scripts/go-tools.sh" path etcd)/etcd
  PAUSE_IMAGE=$(CURVE_IMAGE_TAG= "$ROOT/images/build.sh" list | grep '/pause:')
  if [[ -z $NODE_IP ]]; then
    NODE_IP=$(ip -4 -o addr show dev eth0 2>/dev/null | awk '{ sub(/\/.*/, "", $4); print $4; exit }')
    [[ -n $NODE_IP ]] || die "no IPv4 address on eth0; set CURVE_E2E_NODE_IP"
  fi
}

# ---- supervision ----

pid_of() { [[ -s $RUN/$1.pid ]] && cat "$RUN/$1.pid"; }
alive() {
  local pid
  pid=$(pid_of "$1") || return 1
  kill -0 "$pid" 2>/dev/null
}

# supervise <name> <command>...: run <command> under a supervisor that restarts it 2 s after
# it exits, in a session of its own (the supervisor's pid is the process group id), logging
# to $LOGS/<name>.log. A running <name> is left as it is.
supervise() {
  local name=$1
  shift
  if alive "$name"; then
    step "$name: already running (pid $(pid_of "$name"))"
    return 0
  fi
  echo 0 >"$RUN/$name.restarts"
  echo "$(date -Is) ==== starting: $*" >>"$LOGS/$name.log"
  setsid bash -c '
    name=$1 log=$2 run=$3
    shift 3
    child=
    trap '\''[[ -z $child ]] || kill -TERM "$child" 2>/dev/null; wait; exit 0'\'' TERM INT
    n=0
    while :; do
      "$@" >>"$log" 2>&1 </dev/null &
      child=$!
      wait "$child" && rc=0 || rc=$?
      n=$((n + 1))
      echo "$n" >"$run/$name.restarts"
      echo "$(date -Is) ==== supervisor: $name exited ($rc); restart $n in 2s" >>"$log"
      sleep 2
    done' supervise "$name" "$LOGS/$name.log" "$RUN" "$@" </dev/null >/dev/null 2>&1 &
  echo $! >"$RUN/$name.pid"
  step "$name: started (pid $!, log $LOGS/$name.log)"
}

# stop <name> [grace]: TERM the supervisor (which TERMs its child), then KILL the process group
# if it outlives <grace> seconds (30). Only the pid recorded by `supervise` is signalled.
stop() {
  local name=$1 grace=${2:-30} pid i
  pid=$(pid_of "$name") || return 0
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < grace * 10; i++)); do
      kill -0 -- "-$pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 -- "-$pid" 2>/dev/null; then
      step "$name: still running after ${grace}s; killing its process group $pid"
      kill -KILL -- "-$pid" 2>/dev/null || true
    fi
    step "$name: stopped (pid $pid)"
  fi
  rm -f "$RUN/$name.pid" "$RUN/$name.restarts"
}

# wait_for <what> <seconds> <command>...: poll <command> every 0.5 s until it succeeds.
wait_for() {
  local what=$1 deadline=$((SECONDS + $2))
  shift 2
  until "$@" >/dev/null 2>&1; do
    if ((SECONDS >= deadline)); then
      return 1
    fi
    sleep 0.5
  done
  step "$what"
}

wait_or_die() { # <name> <what> <seconds> <command>...
  local name=$1
  shift
  wait_for "$@" || {
    echo "---- last 30 lines of $LOGS/$name.log ----" >&2
    tail -n 30 "$LOGS/$name.log" >&2 || true
    die "timed out waiting: $1"
  }
}

port_free_or_ours() { # <port> <component>
  alive "$2" && return 0
  ! ss -Htln "sport = :$1" | grep -q . || die "port $1 (for $2) is in use by another process"
}

# ---- up ----

preflight() {
  (($(id -u) == 0)) || die "must run as root"
  "$ROOT/scripts/go-tools.sh" k8s etcd >/dev/null
  [[ -x $ETCD ]] || die "$ETCD missing (scripts/go-tools.sh etcd)"
  local bin
  for bin in kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy kubectl; do
    [[ -x $K8S_BIN/$bin ]] || die "$K8S_BIN/$bin missing (make tools-k8s)"
  done
  for bin in containerd containerd-shim-runc-v2 runc ctr openssl iptables docker setsid ss; do
    command -v "$bin" >/dev/null || die "$bin not found (make deps)"
  done
  [[ -x /usr/lib/cni/bridge && -x /usr/lib/cni/host-local && -x /usr/lib/cni/portmap ]] ||
    die "CNI plugins missing in /usr/lib/cni (make deps: containernetworking-plugins)"
  port_free_or_ours "$ETCD_PORT" etcd
  port_free_or_ours "$API_PORT" kube-apiserver
  port_free_or_ours "$CM_PORT" kube-controller-manager
  port_free_or_ours "$SCHED_PORT" kube-scheduler
  port_free_or_ours "$KUBELET_PORT" kubelet
  port_free_or_ours "$PROXY_HEALTHZ_PORT" kube-proxy
}

host_setup() {
  # CSI needs Bidirectional mount propagation; remember what / was, for `down`.
  if [[ ! -s $STATE/root-propagation ]]; then
    findmnt -no PROPAGATION / >"$STATE/root-propagation"
  fi
  mount --make-rshared /
  if [[ ! -e $STATE/iptables-before ]]; then
    local t
    for t in nat filter mangle; do
      iptables -t "$t" -S 2>/dev/null | awk -v t="$t" '$1 == "-N" { print t, $2 }'
    done >"$STATE/iptables-before"
  fi
  # Docker sets FORWARD's policy to DROP: let pod traffic through the pod bridge.
  local dir
  for dir in -i -o; do
    iptables -C FORWARD "$dir" "$BRIDGE" -m comment --comment "$FW_COMMENT" -j ACCEPT 2>/dev/null ||
      iptables -I FORWARD 1 "$dir" "$BRIDGE" -m comment --comment "$FW_COMMENT" -j ACCEPT
  done
  [[ $(sysctl -n net.ipv4.ip_forward) == 1 ]] || sysctl -qw net.ipv4.ip_forward=1
  [[ $(sysctl -n net.bridge.bridge-nf-call-iptables 2>/dev/null || echo 1) == 1 ]] ||
    sysctl -qw net.bridge.bridge-nf-call-iptables=1
}

start_control_plane() {
  supervise etcd "$ETCD" --name curve-e2e --data-dir "$STATE/etcd" \
    --listen-client-urls "http://127.0.0.1:$ETCD_PORT" \
    --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
    --listen-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-cluster "curve-e2e=http://127.0.0.1:$ETCD_PEER_PORT" \
    --quota-backend-bytes $((2 * 1024 * 1024 * 1024))
  wait_or_die etcd "etcd healthy" 60 \
    bash -c "exec 3<>/dev/tcp/127.0.0.1/$ETCD_PORT && printf 'GET /health HTTP/1.0\r\n\r\n' >&3 && grep -q '\"health\":\"true\"' <&3"

  supervise kube-apiserver "$K8S_BIN/kube-apiserver" \
    --advertise-address="$NODE_IP" --bind-address=0.0.0.0 --secure-port="$API_PORT" \
    --etcd-servers="http://127.0.0.1:$ETCD_PORT" \
    --service-cluster-ip-range="$SERVICE_CIDR" \
    --client-ca-file="$PKI/ca.crt" \
    --tls-cert-file="$PKI/apiserver.crt" --tls-private-key-file="$PKI/apiserver.key" \
    --kubelet-client-certificate="$PKI/apiserver-kubelet-client.crt" \
    --kubelet-client-key="$PKI/apiserver-kubelet-client.key" \
    --authorization-mode=Node,RBAC \
    --enable-admission-plugins=NodeRestriction \
    --service-account-issuer=https://kubernetes.default.svc.cluster.local \
    --service-account-key-file="$PKI/sa.pub" \
    --service-account-signing-key-file="$PKI/sa.key" \
    --allow-privileged=true --profiling=false --v=1
  wait_or_die kube-apiserver "kube-apiserver ready" 120 kc get --raw=/readyz

  supervise kube-controller-manager "$K8S_BIN/kube-controller-manager" \
    --kubeconfig="$ETC/controller-manager.kubeconfig" \
    --authentication-kubeconfig="$ETC/controller-manager.kubeconfig" \
    --authorization-kubeconfig="$ETC/controller-manager.kubeconfig" \
    --bind-address=127.0.0.1 --secure-port="$CM_PORT" \
    --service-account-private-key-file="$PKI/sa.key" --root-ca-file="$PKI/ca.crt" \
    --cluster-signing-cert-file="$PKI/ca.crt" --cluster-signing-key-file="$PKI/ca.key" \
    --use-service-account-credentials=true --service-cluster-ip-range="$SERVICE_CIDR" \
    --leader-elect=false --profiling=false --v=1
  supervise kube-scheduler "$K8S_BIN/kube-scheduler" \
    --kubeconfig="$ETC/scheduler.kubeconfig" \
    --authentication-kubeconfig="$ETC/scheduler.kubeconfig" \
    --authorization-kubeconfig="$ETC/scheduler.kubeconfig" \
    --bind-address=127.0.0.1 --secure-port="$SCHED_PORT" \
    --leader-elect=false --profiling=false --v=1
}

# import_image <ref>: docker save | ctr import, skipped when this image id was imported.
import_image() {
  local ref=$1 id mark
  id=$(docker image inspect -f '{{.Id}}' "$ref" 2>/dev/null) || die "image $ref not in Docker (make images)"
  mark=$STATE/imported/$(tr '/:' '__' <<<"$ref")
  if [[ -s $mark && $(<"$mark") == "$id" ]] && ctr_ images ls -q "name==$ref" | grep -q .; then
    step "$ref: already imported"
    return 0
  fi
  mkdir -p "$STATE/imported"
  docker save "$ref" | ctr_ images import --no-unpack=false - >/dev/null ||
    die "importing $ref into the cluster's containerd failed"
  echo "$id" >"$mark"
  step "$ref: imported"
}

start_node() {
  supervise containerd containerd --config "$ETC/containerd.toml" --log-level warn
  wait_or_die containerd "containerd serving on $CONTAINERD_SOCK" 60 ctr_ version
  if ! docker image inspect "$PAUSE_IMAGE" >/dev/null 2>&1; then
    step "building the pause image"
    "$ROOT/images/build.sh" pause
  fi
  import_image "$PAUSE_IMAGE"
  supervise kubelet "$K8S_BIN/kubelet" --config="$ETC/kubelet.yaml" \
    --kubeconfig="$ETC/kubelet.kubeconfig" --root-dir="$KUBELET_DIR" \
    --hostname-override="$NODE_NAME" --node-ip="$NODE_IP" --v=1
  supervise kube-proxy "$K8S_BIN/kube-proxy" --config="$ETC/kube-proxy.yaml" --v=1
}

cmd_up() {
  if existing_cluster; then
    step "KUBECONFIG=$KUBECONFIG: using that cluster"
    kubectl_any get nodes -o wide
    return 0
  fi
  preflight
  mkdir -p "$STATE" "$ETC" "$PKI" "$LOGS" "$RUN/containerd" "$KUBELET_DIR"
  touch "$STATE/.curve-e2e" # marks the dirs `down` may remove
  [[ -e $KUBELET_DIR/.curve-e2e ]] || {
    [[ -z $(ls -A "$KUBELET_DIR") ]] || die "$KUBELET_DIR exists and is not ours (CURVE_E2E_KUBELET_DIR)"
    touch "$KUBELET_DIR/.curve-e2e"
  }
  step "node $NODE_NAME, IP $NODE_IP, state $STATE"
  pki_all
  config_containerd
  config_cni
  config_kubelet
  config_kube_proxy
  step "certificates and configs in $STATE"
  host_setup
  start_control_plane
  start_node
  wait_or_die kubelet "node $NODE_NAME registered" 120 kc get node "$NODE_NAME"
  kc wait --for=condition=Ready "node/$NODE_NAME" --timeout=180s >/dev/null ||
    { tail -n 30 "$LOGS/kubelet.log" >&2; die "node $NODE_NAME not Ready"; }
  step "node $NODE_NAME Ready"
  wait_or_die kube-controller-manager "default service account and kube-root-ca.crt present" 120 \
    kc -n default get serviceaccount/default configmap/kube-root-ca.crt
  step "cluster up in $((SECONDS - START))s; export KUBECONFIG=$ETC/admin.kubeconfig"
}

# ---- down ----

# stop_pods: delete every pod through the API so kubelet tears each sandbox down through CNI,
# and wait (bounded) until containerd has no containers left.
stop_pods() {
  alive kube-apiserver && alive kubelet && alive containerd || return 0
  kc get --raw=/readyz >/dev/null 2>&1 || return 0
  step "deleting all pods (kubelet tears down their sandboxes)"
  kc delete pods --all --all-namespaces --grace-period=1 --wait=false >/dev/null 2>&1 || true
  wait_for "all pods deleted" 90 bash -c "[[ -z \$('$K8S_BIN/kubectl' --kubeconfig '$ETC/admin.kubeconfig' get pods -A -o name) ]]" ||
    step "some pods remain"
  # A sandbox's task ends once kubelet has stopped it (CNI DEL done); records stay for GC.
  wait_for "all pod sandboxes stopped" 60 bash -c "[[ -z \$(ctr -a '$CONTAINERD_SOCK' -n k8s.io tasks ls -q) ]]" ||
    step "some containers still run; they are killed with containerd"
}

kill_containers() {
  alive containerd || return 0
  local id
  for id in $(ctr_ tasks ls -q 2>/dev/null); do
    ctr_ tasks kill -s SIGKILL "$id" >/dev/null 2>&1 || true
  done
  sleep 1
  for id in $(ctr_ containers ls -q 2>/dev/null); do
    ctr_ tasks rm -f "$id" >/dev/null 2>&1 || true
    ctr_ containers rm "$id" >/dev/null 2>&1 || true
  done
}

# Shims outlive containerd by design; ours are the ones started with our socket.
stop_shims() {
  local pid
  for pid in $(pgrep -f "containerd-shim-runc-v2 .*-address $CONTAINERD_SOCK" || true); do
    kill -TERM "$pid" 2>/dev/null || true
  done
}

unmount_under() {
  local dir=$1 target
  [[ -d $dir ]] || return 0
  findmnt -rn -o TARGET | awk -v d="$dir" 'index($0, d "/") == 1 || $0 == d' | sort -r |
    while read -r target; do
      umount -l "$target" 2>/dev/null || true
    done
}

# remove_leftover_rules: the bridge plugin's masquerade rules and chains of sandboxes whose
# teardown was skipped, and kubelet's canary chains. Only rules naming our network.
remove_leftover_rules() {
  local rule chain table
  iptables -t nat -S POSTROUTING 2>/dev/null | { grep -F 'name: \"curve-e2e\"' || true; } |
    while read -r rule; do
      chain=$(sed -n 's/.* -j \(CNI-[^ ]*\).*/\1/p' <<<"$rule")
      eval "iptables -t nat ${rule/#-A/-D}" 2>/dev/null || true
      [[ -z $chain ]] || { iptables -t nat -F "$chain" && iptables -t nat -X "$chain"; } 2>/dev/null || true
    done
  # Chains kubelet and kube-proxy make that `kube-proxy --cleanup` keeps, unless they
  # existed before the first `up`.
  for table in nat filter mangle; do
    for chain in KUBE-KUBELET-CANARY KUBE-FIREWALL KUBE-IPTABLES-HINT; do
      grep -qx "$table $chain" "$STATE/iptables-before" 2>/dev/null && continue
      iptables -t "$table" -S 2>/dev/null | { grep -E -- "^-A [A-Z]+ -j $chain\$" || true; } |
        while read -r rule; do eval "iptables -t $table ${rule/#-A/-D}" 2>/dev/null || true; done
      { iptables -t "$table" -F "$chain" && iptables -t "$table" -X "$chain"; } 2>/dev/null || true
    done
  done
}

cmd_down() {
  if existing_cluster; then
    step "KUBECONFIG=$KUBECONFIG is an existing cluster: nothing to stop"
    return 0
  fi
  [[ -e $STATE/.curve-e2e || -d $RUN ]] || { step "no cluster in $STATE: nothing to do"; return 0; }
  (($(id -u) == 0)) || die "must run as root"
  stop kube-controller-manager
  stop kube-scheduler
  stop_pods
  stop kubelet
  stop kube-proxy
  "$K8S_BIN/kube-proxy" --cleanup >/dev/null 2>&1 || true
  kill_containers
  stop containerd
  stop_shims
  # Their data is removed next: no need to wait out the API server's graceful shutdown.
  stop kube-apiserver 3
  stop etcd 10
  unmount_under "$KUBELET_DIR"
  unmount_under "$RUN"
  unmount_under "$STATE"
  local ns
  for ns in /run/netns/cni-*; do
    [[ -e $ns ]] || continue
    ip netns pids "${ns##*/}" 2>/dev/null | grep -q . || { umount "$ns" 2>/dev/null || true; rm -f "$ns"; }
  done
  ip link del "$BRIDGE" 2>/dev/null || true
  local dir
  for dir in -i -o; do
    while iptables -D FORWARD "$dir" "$BRIDGE" -m comment --comment "$FW_COMMENT" -j ACCEPT 2>/dev/null; do :; done
  done
  remove_leftover_rules
  if [[ -s $STATE/root-propagation && $(<"$STATE/root-propagation") == private ]]; then
    mount --make-rprivate /
  fi
  [[ ! -e $KUBELET_DIR/.curve-e2e ]] || rm -rf "$KUBELET_DIR"
  rm -rf "$RUN"
  [[ ! -e $STATE/.curve-e2e ]] || rm -rf "$STATE"
  step "cluster down in $((SECONDS - START))s; removed $STATE, $RUN, $KUBELET_DIR"
}

# ---- status, kubeconfig, import, check ----

kubectl_any() {
  if existing_cluster; then "$K8S_BIN/kubectl" "$@"; else kc "$@"; fi
}

cmd_status() {
  if existing_cluster; then
    kubectl_any get nodes -o wide
    return
  fi
  local c rc=0
  for c in "${COMPONENTS[@]}"; do
    if alive "$c"; then
      printf '%-24s running  pid %-8s restarts %s\n' "$c" "$(pid_of "$c")" "$(cat "$RUN/$c.restarts" 2>/dev/null || echo 0)"
    else
      printf '%-24s stopped\n' "$c"
      rc=1
    fi
  done
  if alive kube-apiserver; then kc get nodes -o wide || rc=1; fi
  echo "state: $STATE, logs: $LOGS, kubeconfig: $ETC/admin.kubeconfig"
  return $rc
}

cmd_import() {
  existing_cluster && die "KUBECONFIG is set: an existing cluster reads images from its registry"
  alive containerd || die "the cluster is not up (cluster.sh up)"
  local refs=("$@") ref
  if ((${#refs[@]} == 0)); then
    for ref in $("$ROOT/images/build.sh" list); do
      [[ $ref != debian:* ]] || continue
      docker image inspect "$ref" >/dev/null 2>&1 && refs+=("$ref")
    done
  fi
  for ref in "${refs[@]}"; do import_image "$ref"; done
}

cmd_check() {
  local image ns=curve-e2e-check out
  image=$("$ROOT/images/build.sh" list | grep '/kubectl:')
  if ! existing_cluster; then
    docker image inspect "$image" >/dev/null 2>&1 || "$ROOT/images/build.sh" kubectl
    import_image "$image"
  fi
  kubectl_any create namespace "$ns" --dry-run=client -o yaml | kubectl_any apply -f - >/dev/null
  kubectl_any -n "$ns" delete pod api-check --ignore-not-found --wait=true >/dev/null
  kubectl_any -n "$ns" run api-check --image="$image" --image-pull-policy=IfNotPresent \
    --restart=Never --command -- sh -c \
    'echo "pod ip: $(hostname -i) api: https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT"; kubectl get --raw /version' >/dev/null
  if ! kubectl_any -n "$ns" wait pod/api-check --for=jsonpath='{.status.phase}'=Succeeded --timeout=120s >/dev/null; then
    kubectl_any -n "$ns" describe pod api-check >&2 || true
    kubectl_any -n "$ns" logs api-check >&2 || true
    die "check failed: the pod did not read /version through the service IP"
  fi
  out=$(kubectl_any -n "$ns" logs api-check)
  echo "$out"
  kubectl_any delete namespace "$ns" --wait=false >/dev/null
  step "check passed: a pod from $image reached the API server through the kubernetes Service"
}

main() {
  local cmd=${1:-}
  (($#)) && shift
  case $cmd in
  up | down | status | import | check) ;;
  kubeconfig)
    if existing_cluster; then echo "$KUBECONFIG"; else echo "$ETC/admin.kubeconfig"; fi
    return 0
    ;;
  -h | --help | help)
    sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'
    return 0
    ;;
  *) die "usage: $PROG up|down|status|kubeconfig|import [REF...]|check (see --help)" ;;
  esac
  setup_env
  "cmd_$cmd" "$@"
}

main "$@"
