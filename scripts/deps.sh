#!/usr/bin/env bash
# Installs every build and test dependency from Debian 12's packages. Idempotent: when all are
# present it prints nothing and returns at once.
set -euo pipefail

packages=(
  # toolchain
  cmake ninja-build ccache g++ pkg-config clang-format
  # libraries
  libgrpc++-dev protobuf-compiler protobuf-compiler-grpc libprotobuf-dev
  libyaml-cpp-dev libcpprest-dev nlohmann-json3-dev libspdlog-dev libssl-dev
  prometheus-cpp-dev librocksdb-dev libfuse3-dev
  # tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev
  # runtime pieces the tests start for real
  fuse3 etcd-server etcd-client
  # curve-csi node plugin: file systems, loop devices, mounts
  e2fsprogs xfsprogs util-linux
  # e2e cluster and images: container runtime, CNI plugins, packet filter, base image, certs
  containerd runc containernetworking-plugins iptables conntrack debootstrap openssl
)

missing=()
for package in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$package")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

echo "deps: installing ${missing[*]}"
sudo=()
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "deps: need root or sudo to install packages" >&2; exit 1; }
  sudo=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
log=$(mktemp /tmp/curve-deps.XXXXXX.log)
if ! "${sudo[@]}" apt-get update -qq >"$log" 2>&1 ||
   ! "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >>"$log" 2>&1; then
  echo "deps: apt-get failed; last lines of $log:" >&2
  tail -n 30 "$log" >&2
  exit 1
fi
rm -f "$log"
echo "deps: done"
