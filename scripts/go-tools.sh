#!/usr/bin/env bash
# go-tools.sh: build the Go tools the tests need from the Go module proxy into a
# cache outside the clone, so every clone on the machine (CI included) reuses them.
#
#   scripts/go-tools.sh <tool>...      build what is missing; tool: k8s kwok etcd csi-sanity
#                                      helm minio csi-sidecars all
#   scripts/go-tools.sh path <tool>    print the directory holding <tool>'s binaries
#   scripts/go-tools.sh versions       print the pinned versions
#
# k8s: kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy kubectl
# kwok: kwok kwokctl; etcd: etcd; csi-sanity: csi-sanity; helm: helm
# minio: minio (an S3 server for common/s3's tests and the snapshot service's)
# csi-sidecars: csi-provisioner csi-resizer (for images/; not part of `all`)
#
# Binaries:  ${CURVE_TOOLS_CACHE:-~/.cache/curve-tools}/<tool>-<version>/bin/
# Go caches: ${CURVE_GO_CACHE:-~/.cache/curve-go}/{build,mod}
# Logs:      <tools cache>/logs/<tool>-<version>.log
#
# A tool's directory appears only by renaming a finished build into place, so an
# interrupted build never looks done, and an existing tool is a fast no-op. Builds
# run under nice -n 19 with GOTOOLCHAIN=local CGO_ENABLED=0. Kubernetes refuses
# `go install` (replace directives), so it is built inside a wrapper module generated
# in the cache: it requires k8s.io/kubernetes and replaces each k8s.io staging module
# (listed in kubernetes' own go.mod) with v0.<minor>.<patch>. Version ldflags make
# /version report the real release. The CSI sidecars carry replace directives too, so
# each is built inside its own wrapper module that copies them. etcd's server module
# replaces its sibling modules with local paths; its wrapper module simply requires it
# and lets the siblings resolve to the same release from the proxy (Debian's etcd 3.4.23
# lacks RequestWatchProgress, which the API server needs to serve streaming watch lists,
# e.g. to kwok). MinIO publishes no module versions, only its commits: it is pinned to a
# pseudo-version, and its version ldflags (as MinIO's own buildscripts/gen-ldflags.go
# sets them) are derived from that pseudo-version's date and commit. node-driver-registrar
# and livenessprobe are not offered by the module proxy this machine reaches (403 for
# every version probed), so they are not built here. Nothing built here belongs in the
# repository.
set -euo pipefail

# Pinned versions: all on the Go module proxy, all build with Go 1.26 (GOTOOLCHAIN=local).
# To bump one, probe with `go mod download -json <module>@<version>`: the proxy's
# `go list -m -versions` list can be incomplete (it showed kubernetes only up to v1.36.3).
K8S_VERSION=v1.37.1
KWOK_VERSION=v0.8.0
ETCD_VERSION=v3.6.16
CSI_TEST_VERSION=v5.6.0
HELM_VERSION=v3.22.0
MINIO_VERSION=v0.0.0-20260212201848-7aac2a2c5b7c
CSI_PROVISIONER_VERSION=v5.3.0
CSI_RESIZER_VERSION=v1.14.0

ALL_TOOLS=(csi-sanity helm etcd kwok minio k8s) # `all`, smallest first
TOOLS_LIST="k8s kwok etcd csi-sanity helm minio csi-sidecars"

TOOLS_CACHE=${CURVE_TOOLS_CACHE:-$HOME/.cache/curve-tools}
GO_CACHE=${CURVE_GO_CACHE:-$HOME/.cache/curve-go}
[[ $TOOLS_CACHE == /* ]] || TOOLS_CACHE=$PWD/$TOOLS_CACHE
[[ $GO_CACHE == /* ]] || GO_CACHE=$PWD/$GO_CACHE

PROG=${0##*/}
TMP_DIR=   # the build in progress; removed on exit
BUILD_PID= # its process group, killed on INT/TERM
GO=

usage() {
  cat <<EOF
usage: $PROG <tool>...       build the tools (a no-op for tools already built)
       $PROG path <tool>     print the directory holding <tool>'s binaries
       $PROG versions        print the pinned versions
tools: $TOOLS_LIST all
cache: $TOOLS_CACHE (CURVE_TOOLS_CACHE), go caches: $GO_CACHE (CURVE_GO_CACHE)
EOF
}

die_usage() {
  printf '%s: %s\n' "$PROG" "$1" >&2
  usage >&2
  exit 2
}

tool_version() {
  case $1 in
  k8s) echo "$K8S_VERSION" ;;
  kwok) echo "$KWOK_VERSION" ;;
  etcd) echo "$ETCD_VERSION" ;;
  csi-sanity) echo "$CSI_TEST_VERSION" ;;
  helm) echo "$HELM_VERSION" ;;
  minio) echo "$MINIO_VERSION" ;;
  csi-sidecars) echo "provisioner-$CSI_PROVISIONER_VERSION-resizer-$CSI_RESIZER_VERSION" ;;
  *) return 1 ;;
  esac
}

tool_bins() {
  case $1 in
  k8s) echo kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy kubectl ;;
  kwok) echo kwok kwokctl ;;
  etcd) echo etcd ;;
  csi-sanity) echo csi-sanity ;;
  helm) echo helm ;;
  minio) echo minio ;;
  csi-sidecars) echo csi-provisioner csi-resizer ;;
  esac
}

# all_bins_in <dir> <tool>: every binary of <tool> is in <dir>/bin.
all_bins_in() {
  local bin
  for bin in $(tool_bins "$2"); do
    [[ -x $1/bin/$bin ]] || return 1
  done
}

cleanup() {
  if [[ -n $TMP_DIR ]]; then
    rm -rf "$TMP_DIR"
  fi
}

# on_signal <status>: stop the build's whole process group (go and its compilers), exit.
on_signal() {
  if [[ -n $BUILD_PID ]]; then
    kill -TERM -- "-$BUILD_PID" 2>/dev/null || true
    wait "$BUILD_PID" 2>/dev/null || true
  fi
  exit "$1"
}

setup_go() {
  [[ -z $GO ]] || return 0
  GO=$(command -v go || echo /usr/local/go/bin/go)
  if [[ ! -x $GO ]]; then
    echo "$PROG: go not found (put it on PATH; /usr/local/go/bin/go is the fallback)" >&2
    exit 1
  fi
  export GOTOOLCHAIN=local CGO_ENABLED=0 GO111MODULE=on GOWORK=off GOFLAGS=-modcacherw
  export GOCACHE=$GO_CACHE/build GOMODCACHE=$GO_CACHE/mod
  mkdir -p "$GOCACHE" "$GOMODCACHE" "$TOOLS_CACHE/logs"
}

go_() { nice -n 19 "$GO" "$@"; }

# json_field <json> <field>: a string field of `go mod download -json` output.
json_field() {
  sed -n "s/^[[:space:]]*\"$2\": \"\([^\"]*\)\",\{0,1\}\$/\1/p" <<<"$1"
}

# check_version <want> <cmd>...: run a built binary; its output must mention <want>.
check_version() {
  local want=$1 out
  shift
  echo "+ ${*##*/}"
  if ! out=$("$@" 2>&1); then
    echo "$out"
    echo "failed to run: $*"
    return 1
  fi
  echo "$out"
  if [[ $out != *"$want"* ]]; then
    echo "version check failed: expected '$want' in the output of: $*"
    return 1
  fi
}

# progress_ticker <what> <pid>: a line every minute while <pid> (a long build) runs, so a cold
# build shows it is alive.
progress_ticker() {
  local what=$1 pid=$2 begin
  begin=$(date +%s)
  while sleep 60 && kill -0 "$pid" 2>/dev/null; do
    echo "$PROG: $what: still building ($(($(date +%s) - begin))s)"
  done
}

# go_install <out> <version> <ldflags> <package>...: `go install pkg@version` into <out>/bin.
go_install() {
  local out=$1 ver=$2 ldflags=$3 pkg
  shift 3
  local pkgs=()
  for pkg; do pkgs+=("$pkg@$ver"); done
  GOBIN=$out/bin go_ install -trimpath -ldflags "$ldflags" "${pkgs[@]}"
}

build_csi-sanity() {
  go_install "$1" "$CSI_TEST_VERSION" "-s -w -X main.VERSION=$CSI_TEST_VERSION" \
    github.com/kubernetes-csi/csi-test/v5/cmd/csi-sanity
  check_version "$CSI_TEST_VERSION" "$1/bin/csi-sanity" -version
}

build_kwok() {
  go_install "$1" "$KWOK_VERSION" "-s -w" sigs.k8s.io/kwok/cmd/kwok sigs.k8s.io/kwok/cmd/kwokctl
  check_version "${KWOK_VERSION#v}" "$1/bin/kwok" --version
  check_version "${KWOK_VERSION#v}" "$1/bin/kwokctl" --version
}

build_etcd() {
  local out=$1 mod=go.etcd.io/etcd/server/v3 json gomod godir wrap=$1/wrapper
  json=$(go_ mod download -json "$mod@$ETCD_VERSION")
  gomod=$(json_field "$json" GoMod)
  godir=$(sed -n 's/^go \([0-9.]*\)$/\1/p' "$gomod")
  [[ -n $godir ]] || { echo "no go directive in $gomod: $json"; return 1; }
  mkdir -p "$wrap"
  {
    echo "// Generated by scripts/go-tools.sh: builds etcd $ETCD_VERSION from the module proxy."
    echo "module curve.local/go-tools/etcd"
    echo
    echo "go $godir"
    echo
    echo "require $mod $ETCD_VERSION"
    echo
    echo "tool $mod"
  } >"$wrap/go.mod"
  echo "+ generated $wrap/go.mod"
  cat "$wrap/go.mod"
  (cd "$wrap" && go_ mod tidy)
  (cd "$wrap" && go_ build -trimpath -ldflags "-s -w" -o "$out/bin/etcd" "$mod")
  check_version "etcd Version: ${ETCD_VERSION#v}" "$out/bin/etcd" --version
}

build_helm() {
  # Helm's default capabilities (helm template, helm lint) follow the client-go minor
  # it is built with, as in helm's own Makefile; without it they say Kubernetes 1.20.
  local json gomod kminor v=helm.sh/helm/v3
  json=$(go_ mod download -json "$v@$HELM_VERSION")
  gomod=$(json_field "$json" GoMod)
  kminor=$(sed -n 's/^[[:space:]]*k8s\.io\/client-go v0\.\([0-9][0-9]*\)\..*/\1/p' "$gomod")
  if [[ ! $kminor =~ ^[0-9]+$ ]]; then
    echo "cannot find the k8s.io/client-go version in $gomod"
    return 1
  fi
  go_install "$1" "$HELM_VERSION" "-s -w -X $v/internal/version.version=$HELM_VERSION \
    -X $v/internal/version.gitTreeState=clean \
    -X $v/pkg/chartutil.k8sVersionMajor=1 -X $v/pkg/chartutil.k8sVersionMinor=$kminor \
    -X $v/pkg/lint/rules.k8sVersionMajor=1 -X $v/pkg/lint/rules.k8sVersionMinor=$kminor" \
    $v/cmd/helm
  check_version "$HELM_VERSION" "$1/bin/helm" version --short
}

build_minio() {
  # The pseudo-version v0.0.0-YYYYMMDDhhmmss-<commit12> gives MinIO's Version (RFC 3339),
  # ReleaseTag (DEVELOPMENT.<time with dashes>) and commit ids.
  local ts=${MINIO_VERSION#v0.0.0-} commit v=github.com/minio/minio/cmd tag time
  commit=${ts#*-}
  ts=${ts%%-*}
  if [[ ! $ts =~ ^[0-9]{14}$ || ! $commit =~ ^[0-9a-f]{12}$ ]]; then
    echo "not a pseudo-version: $MINIO_VERSION"
    return 1
  fi
  time="${ts:0:4}-${ts:4:2}-${ts:6:2}T${ts:8:2}:${ts:10:2}:${ts:12:2}Z"
  tag="DEVELOPMENT.${time//:/-}"
  go_install "$1" "$MINIO_VERSION" "-s -w -X $v.Version=$time -X $v.ReleaseTag=$tag \
    -X $v.CopyrightYear=${ts:0:4} -X $v.CommitID=$commit -X $v.ShortCommitID=$commit" \
    github.com/minio/minio
  check_version "$tag" "$1/bin/minio" --version
}

# k8s_wrapper_directives <kubernetes go.mod> <staging version>: print the wrapper's go,
# godebug and replace directives. Local replaces (./staging/src/k8s.io/X) become
# `k8s.io/X => k8s.io/X <staging version>`; other replaces are kept as they are.
k8s_wrapper_directives() {
  awk -v sv="$2" '
    function entry(kind,   p, lhs) {
      if (kind == "godebug") { dbg[++ndbg] = $0; return }
      split($0, p, /[[:space:]]*=>[[:space:]]*/)
      lhs = p[1]; sub(/[[:space:]].*/, "", lhs)
      if (p[2] !~ /^\.\.?\//) rep[++nrep] = $0
      else if (lhs ~ /^k8s\.io\//) rep[++nrep] = lhs " => " lhs " " sv
      else bad = bad " " lhs
    }
    { sub(/\/\/.*/, ""); sub(/^[[:space:]]+/, ""); sub(/[[:space:]]+$/, "") }
    $0 == "" { next }
    blk != "" && $0 == ")" { blk = ""; next }
    blk != "" { entry(blk); next }
    ($1 == "replace" || $1 == "godebug") && $2 == "(" && NF == 2 { blk = $1; next }
    $1 == "replace" || $1 == "godebug" { k = $1; sub(/^[a-z]+[[:space:]]+/, ""); entry(k); next }
    $1 == "go" && NF == 2 { godir = $2 }
    END {
      if (bad != "") { print "local replace outside k8s.io:" bad > "/dev/stderr"; exit 1 }
      if (godir == "" || nrep == 0) { print "no go directive or no replace block" > "/dev/stderr"; exit 1 }
      print "go " godir
      if (ndbg) { print "\ngodebug ("; for (i = 1; i <= ndbg; i++) print "\t" dbg[i]; print ")" }
      print "\nreplace ("; for (i = 1; i <= nrep; i++) print "\t" rep[i]; print ")"
    }' "$1"
}

build_k8s() {
  local out=$1 ver=$K8S_VERSION major minor json gomod info date ldflags pkg kv bin
  major=${ver#v}
  major=${major%%.*}
  minor=${ver#v*.}
  minor=${minor%%.*}
  json=$(go_ mod download -json "k8s.io/kubernetes@$ver")
  gomod=$(json_field "$json" GoMod)
  info=$(json_field "$json" Info)
  date=$(sed -n 's/.*"Time":"\([^"]*\)".*/\1/p' "$info")

  local wrap=$out/wrapper pkgs=()
  for bin in $(tool_bins k8s); do pkgs+=("k8s.io/kubernetes/cmd/$bin"); done
  mkdir -p "$wrap"
  {
    echo "// Generated by scripts/go-tools.sh: builds Kubernetes $ver from the module proxy."
    echo "module curve.local/go-tools/k8s"
    echo
    k8s_wrapper_directives "$gomod" "v0.${ver#v*.}"
    echo
    echo "require k8s.io/kubernetes $ver"
    echo
    echo "tool ("
    printf '\t%s\n' "${pkgs[@]}"
    echo ")"
  } >"$wrap/go.mod"
  echo "+ generated $wrap/go.mod"
  cat "$wrap/go.mod"
  (cd "$wrap" && go_ mod tidy)

  ldflags="-s -w"
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    for kv in "gitVersion=$ver" "gitMajor=$major" "gitMinor=$minor" gitTreeState=clean \
      gitCommit= "buildDate=${date:-1970-01-01T00:00:00Z}"; do
      ldflags+=" -X $pkg.$kv"
    done
  done
  echo "+ go build -ldflags '$ldflags' ${pkgs[*]}"
  (cd "$wrap" && go_ build -trimpath -ldflags "$ldflags" -o "$out/bin/" "${pkgs[@]}")
  for bin in kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy; do
    check_version "Kubernetes $ver" "$out/bin/$bin" --version
  done
  check_version "Client Version: $ver" "$out/bin/kubectl" version --client
}

# build_sidecar <out> <module> <version> <command>: build one kubernetes-csi sidecar in a
# wrapper module that requires it and repeats its replace directives (go install refuses
# a module with replaces), with its version linked into main.version.
build_sidecar() {
  local out=$1 mod=$2 ver=$3 cmd=$4 json gomod wrap dir
  json=$(go_ mod download -json "$mod@$ver")
  gomod=$(json_field "$json" GoMod)
  [[ -n $gomod ]] || { echo "cannot download $mod@$ver: $json"; return 1; }
  wrap=$out/wrapper-$cmd
  mkdir -p "$wrap"
  {
    echo "// Generated by scripts/go-tools.sh: builds $cmd $ver from the module proxy."
    echo "module curve.local/go-tools/$cmd"
    echo
    k8s_wrapper_directives "$gomod" unused
    echo
    echo "require $mod $ver"
    echo
    echo "tool $mod/cmd/$cmd"
  } >"$wrap/go.mod"
  # The sidecar's own go.sum vouches for its dependencies: the checksum database this
  # machine reaches lacks some of them (404), and these hashes are the upstream ones.
  dir=$(json_field "$json" Dir)
  cp "$dir/go.sum" "$wrap/go.sum"
  chmod u+w "$wrap/go.sum"
  echo "+ generated $wrap/go.mod (go.sum from $mod@$ver)"
  cat "$wrap/go.mod"
  (cd "$wrap" && go_ mod tidy)
  (cd "$wrap" && go_ build -trimpath -ldflags "-s -w -X main.version=$ver" -o "$out/bin/" "$mod/cmd/$cmd")
  check_version "$ver" "$out/bin/$cmd" --version
}

build_csi-sidecars() {
  build_sidecar "$1" github.com/kubernetes-csi/external-provisioner/v5 "$CSI_PROVISIONER_VERSION" \
    csi-provisioner
  build_sidecar "$1" github.com/kubernetes-csi/external-resizer "$CSI_RESIZER_VERSION" csi-resizer
}

# ensure_tool <tool>: build <tool> unless it is already in the cache.
ensure_tool() {
  local tool=$1 ver dir log lock fd rc start=$SECONDS
  ver=$(tool_version "$tool")
  dir=$TOOLS_CACHE/$tool-$ver
  if all_bins_in "$dir" "$tool"; then
    echo "$PROG: $tool $ver: up to date ($dir/bin)"
    return 0
  fi
  setup_go
  log=$TOOLS_CACHE/logs/$tool-$ver.log
  lock=$TOOLS_CACHE/.$tool-$ver.lock
  exec {fd}>"$lock"
  if ! flock -n "$fd"; then
    echo "$PROG: $tool $ver: waiting for another build of it to finish"
    flock "$fd"
  fi
  if all_bins_in "$dir" "$tool"; then
    exec {fd}>&-
    echo "$PROG: $tool $ver: up to date ($dir/bin)"
    return 0
  fi
  # Holding the lock: temp dirs of this tool are leftovers of killed builds.
  rm -rf "$TOOLS_CACHE/.tmp-$tool-$ver".*
  TMP_DIR=$(mktemp -d "$TOOLS_CACHE/.tmp-$tool-$ver.XXXXXX")
  chmod 755 "$TMP_DIR"
  echo "$PROG: $tool $ver: building (log: $log)"
  # The build runs in the background in its own process group (set -m), so that
  # INT/TERM interrupt `wait` at once and on_signal can stop all of it.
  set +e -m
  (
    set -e
    cd "$TMP_DIR"
    echo "== $tool $ver with $("$GO" version), $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    "build_$tool" "$TMP_DIR"
    all_bins_in "$TMP_DIR" "$tool" || { echo "missing binaries: want $(tool_bins "$tool")"; exit 1; }
  ) </dev/null >"$log" 2>&1 &
  BUILD_PID=$!
  set +m
  progress_ticker "$tool $ver" "$BUILD_PID" &
  local ticker=$!
  wait "$BUILD_PID"
  rc=$?
  BUILD_PID=
  kill "$ticker" 2>/dev/null
  wait "$ticker" 2>/dev/null
  set -e
  if ((rc != 0)); then
    {
      echo "$PROG: $tool $ver: build FAILED after $((SECONDS - start))s (exit $rc); log: $log"
      echo "---- last 30 lines of $log ----"
      tail -n 30 "$log"
    } >&2
    exit 1
  fi
  rm -rf "$dir" # an incomplete leftover, e.g. a binary removed by hand
  mv -T "$TMP_DIR" "$dir"
  TMP_DIR=
  exec {fd}>&-
  echo "$PROG: $tool $ver: built in $((SECONDS - start))s ($dir/bin)"
}

main() {
  (($# > 0)) || die_usage "no tool given"
  case $1 in
  -h | --help | help)
    usage
    return 0
    ;;
  versions)
    (($# == 1)) || die_usage "versions takes no arguments"
    local t
    for t in $TOOLS_LIST; do printf '%-12s %s\n' "$t" "$(tool_version "$t")"; done
    return 0
    ;;
  path)
    if (($# != 2)) || ! tool_version "$2" >/dev/null; then
      die_usage "path takes one tool name ($TOOLS_LIST)"
    fi
    echo "$TOOLS_CACHE/$2-$(tool_version "$2")/bin"
    return 0
    ;;
  esac

  local arg tool tools=()
  for arg; do
    case $arg in
    all) tools+=("${ALL_TOOLS[@]}") ;;
    k8s | kwok | etcd | csi-sanity | helm | minio | csi-sidecars) tools+=("$arg") ;;
    *) die_usage "unknown tool: $arg" ;;
    esac
  done
  trap cleanup EXIT
  trap 'on_signal 130' INT
  trap 'on_signal 143' TERM
  local done_list=" "
  for tool in "${tools[@]}"; do
    [[ $done_list == *" $tool "* ]] && continue
    done_list+="$tool "
    ensure_tool "$tool"
  done
}

main "$@"
