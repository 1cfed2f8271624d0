#!/usr/bin/env bash
# charts/test.sh: `helm lint` both charts, render them with `helm template` and check the
# fields the e2e tests and users rely on. Needs only helm (scripts/go-tools.sh helm).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
HELM=${HELM:-$("$ROOT/scripts/go-tools.sh" path helm)/helm}
[[ -x $HELM ]] || { echo "charts/test.sh: helm missing (make tools-helm)" >&2; exit 1; }
failures=0

fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}
# expect <what> <text> <fixed string>...: every string occurs in <text>.
expect() {
  local what=$1 text=$2 s
  shift 2
  for s; do grep -qF -- "$s" <<<"$text" || fail "$what: missing '$s'"; done
}
render() { "$HELM" template t "$@" 2>&1; }
# refused <what> <message> <helm template args>...: rendering fails and says <message>.
refused() {
  local what=$1 message=$2 out
  shift 2
  if out=$("$HELM" template t "$@" 2>&1); then
    fail "$what: rendered, expected a refusal"
  elif ! grep -qF -- "$message" <<<"$out"; then
    fail "$what: refused without '$message': $out"
  fi
}

for chart in curve-operator curve-csi; do
  "$HELM" lint --strict "$ROOT/charts/$chart" --set mds=10.0.0.1:6700 >/dev/null ||
    fail "helm lint $chart: $("$HELM" lint --strict "$ROOT/charts/$chart" --set mds=10.0.0.1:6700)"
done

# The operator chart ships the project's CRD unchanged.
cmp -s "$ROOT/crds/curvecluster.yaml" "$ROOT/charts/curve-operator/crds/curvecluster.yaml" ||
  fail "charts/curve-operator/crds/curvecluster.yaml differs from crds/curvecluster.yaml (copy it)"

op=$(render "$ROOT/charts/curve-operator" -n curve-system --include-crds)
expect "operator" "$op" "kind: CustomResourceDefinition" "name: curveclusters.operator.curve.io" \
  "replicas: 2" "- --leader-elect=true" "- --lease-namespace=curve-system" \
  "image: curve.local/curve-operator:0.1.0" "imagePullPolicy: IfNotPresent" \
  "name: CURVE_LOG_LEVEL" "kind: ClusterRole" "resources: [leases]" "runAsNonRoot: true"
grep -q 'verbs: \[.*\*' <<<"$op" && fail "operator: wildcard verbs in RBAC"
grep -qE 'resources: \[.*\*' <<<"$op" && fail "operator: wildcard resources in RBAC"
scoped=$(render "$ROOT/charts/curve-operator" -n curve-system --set watchNamespace=team-a \
  --set logLevel=debug --set image.tag=1.2.3)
expect "operator (watchNamespace)" "$scoped" "kind: Role" "namespace: team-a" "- --namespace=team-a" \
  'value: "debug"' "image: curve.local/curve-operator:1.2.3"
[[ $(grep -c '^kind: ClusterRole$' <<<"$scoped") == 2 ]] ||
  fail "operator (watchNamespace): only the two nodes ClusterRoles (operator, discover) may be cluster-wide"
refused "operator: image.tag=latest" "not latest" "$ROOT/charts/curve-operator" --set image.tag=latest

# The discover DaemonSet: on by default, its own ServiceAccount whose only rights are get and
# patch on Nodes, read-only host paths, and gone entirely with discover.enabled=false.
# doc <text> <kind> <name>: the rendered document of that kind and name.
doc() {
  awk -v kind="kind: $2" -v name="  name: $3" '
    /^---/ { if (k && n) print d; d = ""; k = 0; n = 0; next }
    { d = d $0 "\n"; if ($0 == kind) k = 1; if ($0 == name) n = 1 }
    END { if (k && n) print d }' <<<"$1"
}
ds=$(doc "$op" DaemonSet t-curve-operator-discover)
expect "discover DaemonSet" "$ds" "serviceAccountName: t-curve-operator-discover" \
  "image: curve.local/curve-operator:0.1.0" "- discover" "- --node=\$(NODE_NAME)" \
  "fieldPath: spec.nodeName" "- --interval=60s" "- --sys-block=/host/sys/block" \
  "- --dev=/host/dev" "- --mounts=/host/proc/1/mounts" "path: /sys" "path: /dev" \
  "path: /proc/1/mounts" "privileged: true" "app.kubernetes.io/component: discover" \
  "memory: 128Mi"
[[ $(grep -c "readOnly: true" <<<"$ds") == 3 ]] || fail "discover DaemonSet: every host path read-only"
grep -qE 'app\.kubernetes\.io/name: curve-operator$' <<<"$ds" &&
  fail "discover DaemonSet: its pods would match the operator Deployment's selector"
role=$(doc "$op" ClusterRole t-curve-operator-discover)
expect "discover ClusterRole" "$role" "resources: [nodes]" "verbs: [get, patch]"
[[ $(grep -c "verbs:" <<<"$role") == 1 ]] || fail "discover ClusterRole: one rule only: $role"
binding=$(doc "$op" ClusterRoleBinding t-curve-operator-discover)
expect "discover ClusterRoleBinding" "$binding" "name: t-curve-operator-discover" \
  "kind: ServiceAccount" "namespace: curve-system"
[[ -n $(doc "$op" ServiceAccount t-curve-operator-discover) ]] || fail "discover: no ServiceAccount"
tuned=$(render "$ROOT/charts/curve-operator" -n curve-system --set discover.interval=300s \
  --set discover.nodeSelector.storage=fast --set 'discover.tolerations[0].operator=Exists')
expect "discover (tuned)" "$(doc "$tuned" DaemonSet t-curve-operator-discover)" \
  "- --interval=300s" "storage: fast" "- operator: Exists"
off=$(render "$ROOT/charts/curve-operator" -n curve-system --set discover.enabled=false)
grep -qF -- "-discover" <<<"$off" && fail "discover.enabled=false: discover objects still rendered"
expect "discover.enabled=false" "$off" "kind: Deployment" "name: t-curve-operator-nodes"
refused "discover: interval not whole seconds" "discover.interval must be whole seconds" \
  "$ROOT/charts/curve-operator" --set discover.interval=1m
refused "operator: 2 replicas without leader election" "needs leaderElection" \
  "$ROOT/charts/curve-operator" --set leaderElection.enabled=false

csi=$(render "$ROOT/charts/curve-csi" -n curve-system --set mds=10.0.0.1:6700 \
  --set 'storageClasses[0].name=curve-ssd,storageClasses[0].poolset=ssd,storageClasses[0].fsType=xfs' \
  --set 'storageClasses[1].name=curve-hdd,storageClasses[1].poolset=hdd,storageClasses[1].isDefault=true')
expect "csi" "$csi" "kind: CSIDriver" "name: curve.csi.netease.com" "attachRequired: false" \
  "kind: Deployment" "name: csi-provisioner" "image: curve.local/csi-provisioner:v5.3.0" \
  "name: csi-resizer" "image: curve.local/csi-resizer:v1.14.0" "kind: DaemonSet" \
  "livenessProbe:" "mountPropagation: Bidirectional" "- --attacher=curve" \
  "- --registrationSocket=/registration/curve.csi.netease.com-reg.sock" \
  "- --kubeletRegistrationPath=/var/lib/kubelet/plugins/curve.csi.netease.com/csi.sock" \
  "- --healthzListen=127.0.0.1:9809" "path: /healthz" "port: 9809" \
  "path: /var/lib/kubelet/plugins_registry" "path: /run/curve/attach" \
  "- --mode=controller" "- --mode=node" "- --mds=10.0.0.1:6700" "image: curve.local/curve-csi:0.1.0" \
  "name: curve-ssd" 'poolset: "ssd"' 'csi.storage.k8s.io/fstype: "xfs"' "name: curve-hdd" \
  'poolset: "hdd"' 'storageclass.kubernetes.io/is-default-class: "true"' \
  "allowVolumeExpansion: true"
[[ $(grep -c '^kind: StorageClass$' <<<"$csi") == 2 ]] || fail "csi: want one StorageClass per poolset"
grep -qF "node-driver-registrar" <<<"$csi" && fail "csi: node-driver-registrar rendered by default"
registrar=$(render "$ROOT/charts/curve-csi" -n curve-system --set mds=a:1 \
  --set sidecars.nodeDriverRegistrar.enabled=true)
expect "csi (node-driver-registrar)" "$registrar" "name: node-driver-registrar" \
  "--kubelet-registration-path=/var/lib/kubelet/plugins/curve.csi.netease.com/csi.sock"
grep -qF -- "--registrationSocket" <<<"$registrar" &&
  fail "csi (node-driver-registrar): curve-csi must not register itself too"
refused "csi: no mds" "mds (the CurveCluster" "$ROOT/charts/curve-csi"
refused "csi: StorageClass without poolset" "poolset is required" "$ROOT/charts/curve-csi" \
  --set mds=a:1 --set 'storageClasses[0].name=x'
refused "csi: image.tag=latest" "not latest" "$ROOT/charts/curve-csi" --set mds=a:1 --set image.tag=latest
ha=$(render "$ROOT/charts/curve-csi" -n curve-system --set mds=a:1 --set controller.replicas=2 \
  --set sidecars.livenessProbe.enabled=true)
expect "csi (2 controllers, livenessprobe)" "$ha" "- --leader-election=true" "resources: [leases]" \
  "name: liveness-probe" "path: /healthz"

if ((failures)); then
  echo "charts/test.sh: $failures check(s) failed" >&2
  exit 1
fi
echo "charts/test.sh: helm lint and template checks passed (curve-operator, curve-csi)"
