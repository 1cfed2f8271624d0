#!/usr/bin/env bash
# images/build.sh: build the project's container images with the local Docker engine.
#
#   images/build.sh [--bin-dir DIR]... [IMAGE...]   build IMAGEs (default: all)
#   images/build.sh list                             print every image reference, one per line
#   images/build.sh tag                              print the project image tag
#
# IMAGE: base pause sidecars operator csi services kubectl all
#   base      debian:bookworm-slim, made with debootstrap (minbase) from Debian's mirror and
#             `docker import`ed when no image of that name exists (skipped when it does), so
#             the Dockerfiles' FROM works without a registry and unchanged where one exists
#   pause     $REGISTRY/pause:$TAG, FROM scratch + images/pause/pause.c built with gcc -static
#   sidecars  $REGISTRY/csi-provisioner and csi-resizer, tagged with their versions, from the
#             binaries `scripts/go-tools.sh csi-sidecars` builds from the Go module proxy
#   operator  $REGISTRY/curve-operator:$TAG   (curve-operator)
#   csi       $REGISTRY/curve-csi:$TAG        (curve-csi, curve-attach, curve-attachd)
#   services  $REGISTRY/curve:$TAG            (every service binary found, the curve CLI, etcd)
#   kubectl   $REGISTRY/kubectl:<k8s version> (kubectl from `scripts/go-tools.sh k8s`, for e2e
#             checks and jobs inside the cluster)
#
# Binaries are copied from the build tree: each --bin-dir is searched in order (default
# build/bin). Their shared libraries are resolved on this machine (ldd, then dpkg -S) into
# Debian package names the Dockerfile installs with apt (the PACKAGES build argument).
#
# Environment: CURVE_IMAGE_REGISTRY (default curve.local: no registry, images are imported
# into containerd), CURVE_IMAGE_TAG (default: images/VERSION), DEBIAN_MIRROR.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PROG=images/build.sh
REGISTRY=${CURVE_IMAGE_REGISTRY:-curve.local}
TAG=${CURVE_IMAGE_TAG:-$(<"$ROOT/images/VERSION")}
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
BASE_IMAGE=debian:bookworm-slim
ALL_IMAGES=(base pause sidecars operator csi services kubectl)
# The services image: curve-mds and curve (required) and those of these that are built.
SERVICE_BINS=(curve-chunkserver curve-snapshotclone curvefs-mds curvefs-metaserver curve-fuse)
START=$SECONDS
BIN_DIRS=()
WORK=

die() {
  echo "$PROG: $*" >&2
  exit 1
}
step() { printf '[%4ds] %s\n' "$((SECONDS - START))" "$*"; }
cleanup() { [[ -z $WORK ]] || rm -rf "$WORK"; }

sidecar_version() {
  local v
  v=$("$ROOT/scripts/go-tools.sh" versions | awk '$1 == "csi-sidecars" { print $2 }')
  case $1 in
  csi-provisioner) v=${v#provisioner-}; echo "${v%%-resizer-*}" ;;
  csi-resizer) echo "${v##*-resizer-}" ;;
  esac
}

image_refs() {
  case $1 in
  base) echo "$BASE_IMAGE" ;;
  pause) echo "$REGISTRY/pause:$TAG" ;;
  sidecars)
    echo "$REGISTRY/csi-provisioner:$(sidecar_version csi-provisioner)"
    echo "$REGISTRY/csi-resizer:$(sidecar_version csi-resizer)"
    ;;
  operator) echo "$REGISTRY/curve-operator:$TAG" ;;
  csi) echo "$REGISTRY/curve-csi:$TAG" ;;
  services) echo "$REGISTRY/curve:$TAG" ;;
  kubectl) echo "$REGISTRY/kubectl:$("$ROOT/scripts/go-tools.sh" versions | awk '$1 == "k8s" { print $2 }')" ;;
  esac
}

have_image() { docker image inspect "$1" >/dev/null 2>&1; }

# find_bin <name>: the first <name> in the --bin-dir search path, or nothing.
find_bin() {
  local d
  for d in "${BIN_DIRS[@]}"; do
    if [[ -x $d/$1 ]]; then
      echo "$d/$1"
      return 0
    fi
  done
}

need_bin() {
  find_bin "$1" | grep . ||
    die "$1 not found in: ${BIN_DIRS[*]} (build it first: make build, or pass --bin-dir)"
}

# packages_for <binary>...: the Debian packages owning their shared libraries (one dpkg
# query for all: it is slow on a loaded machine).
packages_for() {
  local libs lib found cands=() path
  libs=$(ldd "$@" 2>/dev/null | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// && $1 !~ /:$/ { print $1 }' | sort -u)
  for lib in $libs; do cands+=("$lib" "$(realpath "$lib")" "/usr$lib"); done
  found=$(dpkg-query -S "${cands[@]}" 2>/dev/null || true)
  for lib in $libs; do
    path=$(realpath "$lib")
    awk -F': ' -v a="$lib" -v b="$path" -v c="/usr$lib" '$2 == a || $2 == b || $2 == c { f = 1 }
      END { exit !f }' <<<"$found" ||
      die "no Debian package owns $lib (needed by ${*##*/})"
  done
  awk -F': ' '{ print $1 }' <<<"$found" | tr ',' '\n' | sed 's/^ *//; s/:.*//' | sort -u | tr '\n' ' '
}

docker_build() { # <ref> <dockerfile> <context> [build-arg...]
  local ref=$1 file=$2 ctx=$3 log
  shift 3
  log=$WORK/build.log
  step "docker build $ref"
  if ! nice -n 10 docker build -q -t "$ref" -f "$file" "$@" "$ctx" >"$log" 2>&1; then
    tail -n 40 "$log" >&2
    die "docker build of $ref failed"
  fi
  step "built $ref ($(docker image inspect -f '{{.Size}}' "$ref" | numfmt --to=iec))"
}

build_base() {
  if have_image "$BASE_IMAGE"; then
    step "$BASE_IMAGE: present, not rebuilt"
    return 0
  fi
  command -v debootstrap >/dev/null || die "debootstrap missing (make deps)"
  local root=$WORK/rootfs
  step "debootstrap --variant=minbase bookworm from $MIRROR (a few minutes)"
  if ! nice -n 10 debootstrap --variant=minbase bookworm "$root" "$MIRROR" >"$WORK/debootstrap.log" 2>&1; then
    tail -n 30 "$WORK/debootstrap.log" >&2
    die "debootstrap failed (log above)"
  fi
  step "debootstrap done; slimming"
  cat >"$root/etc/apt/sources.list" <<EOF
deb $MIRROR bookworm main
deb $MIRROR bookworm-updates main
deb ${MIRROR%/debian}/debian-security bookworm-security main
EOF
  cat >"$root/etc/dpkg/dpkg.cfg.d/slim" <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
EOF
  echo 'APT::Install-Recommends "false";' >"$root/etc/apt/apt.conf.d/99no-recommends"
  rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* "$root"/usr/share/man/* \
    "$root"/usr/share/doc/* "$root"/usr/share/locale/* "$root"/var/log/*.log "$root"/tmp/*
  : >"$root/etc/hostname"
  step "docker import $BASE_IMAGE"
  tar -C "$root" --numeric-owner -c . |
    docker import --change 'CMD ["bash"]' \
      --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
      - "$BASE_IMAGE" >/dev/null
  step "imported $BASE_IMAGE ($(docker image inspect -f '{{.Size}}' "$BASE_IMAGE" | numfmt --to=iec))"
}

build_pause() {
  local ctx=$WORK/pause
  mkdir -p "$ctx"
  gcc -static -Os -Wall -Wextra -Werror -o "$ctx/pause" "$ROOT/images/pause/pause.c"
  strip "$ctx/pause"
  docker_build "$(image_refs pause)" "$ROOT/images/pause/Dockerfile" "$ctx"
}

build_sidecars() {
  local dir bin ctx
  "$ROOT/scripts/go-tools.sh" csi-sidecars
  dir=$("$ROOT/scripts/go-tools.sh" path csi-sidecars)
  for bin in csi-provisioner csi-resizer; do
    ctx=$WORK/$bin
    mkdir -p "$ctx"
    cp "$dir/$bin" "$ctx/"
    docker_build "$REGISTRY/$bin:$(sidecar_version "$bin")" "$ROOT/images/sidecar/Dockerfile" \
      "$ctx" --build-arg "BIN=$bin"
  done
}

# build_from_tree <image> <dockerfile dir> <required bin>... -- <optional bin>...
build_from_tree() {
  local image=$1 dir=$2 ctx=$WORK/$1 bins=() path name optional=0 missing=()
  shift 2
  mkdir -p "$ctx/bin"
  for name; do
    if [[ $name == -- ]]; then
      optional=1
      continue
    fi
    if ((optional)); then
      path=$(find_bin "$name")
      [[ -n $path ]] || { missing+=("$name"); continue; }
    else
      path=$(need_bin "$name")
    fi
    cp "$path" "$ctx/bin/"
    bins+=("$ctx/bin/$name")
  done
  ((${#missing[@]} == 0)) || step "$image: not in the build tree, left out: ${missing[*]}"
  local pkgs
  pkgs=$(packages_for "${bins[@]}")
  step "$image: ${bins[*]##*/}; packages: $pkgs"
  if [[ $image == operator ]]; then mv "$ctx/bin/curve-operator" "$ctx/"; fi
  docker_build "$(image_refs "$image")" "$ROOT/images/$dir/Dockerfile" "$ctx" \
    --build-arg "PACKAGES=$pkgs"
}

build_kubectl() {
  local ctx=$WORK/kubectl
  mkdir -p "$ctx/bin"
  "$ROOT/scripts/go-tools.sh" k8s >/dev/null
  cp "$("$ROOT/scripts/go-tools.sh" path k8s)/kubectl" "$ctx/bin/"
  docker_build "$(image_refs kubectl)" "$ROOT/images/kubectl/Dockerfile" "$ctx"
}

build_image() {
  case $1 in
  kubectl) build_kubectl ;;
  base) build_base ;;
  pause) build_pause ;;
  sidecars) build_sidecars ;;
  operator) build_from_tree operator operator curve-operator ;;
  csi) build_from_tree csi csi curve-csi -- curve-attach curve-attachd ;;
  services) build_from_tree services services curve-mds curve -- "${SERVICE_BINS[@]}" ;;
  esac
}

main() {
  local images=() arg
  case ${1:-} in
  list)
    for arg in "${ALL_IMAGES[@]}"; do image_refs "$arg"; done
    return 0
    ;;
  tag)
    echo "$TAG"
    return 0
    ;;
  -h | --help | help)
    sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'
    return 0
    ;;
  esac
  while (($#)); do
    case $1 in
    --bin-dir)
      (($# >= 2)) || die "--bin-dir needs a directory"
      BIN_DIRS+=("$(realpath -m "$2")")
      shift 2
      ;;
    all) images+=("${ALL_IMAGES[@]}"); shift ;;
    base | pause | sidecars | operator | csi | services | kubectl) images+=("$1"); shift ;;
    *) die "unknown image or option: $1 (images: ${ALL_IMAGES[*]} all)" ;;
    esac
  done
  ((${#images[@]})) || images=("${ALL_IMAGES[@]}")
  ((${#BIN_DIRS[@]})) || BIN_DIRS=("$ROOT/build/bin")
  [[ $TAG != latest ]] || die "refusing the tag 'latest' (pods use IfNotPresent)"
  command -v docker >/dev/null || die "docker not found"
  docker info >/dev/null 2>&1 || die "the Docker engine is not reachable (docker info fails)"
  WORK=$(mktemp -d /var/tmp/curve-images.XXXXXX)
  trap cleanup EXIT
  # The base comes first: every Dockerfile but pause and the sidecars starts FROM it.
  local done_list=" " want
  for want in base "${images[@]}"; do
    [[ $done_list != *" $want "* ]] || continue
    [[ $want != base || " ${images[*]} " == *" base "* || " ${images[*]} " == *" operator "* ||
      " ${images[*]} " == *" csi "* || " ${images[*]} " == *" services "* ||
      " ${images[*]} " == *" kubectl "* ]] || continue
    done_list+="$want "
    build_image "$want"
  done
  step "done: ${images[*]}"
}

main "$@"
