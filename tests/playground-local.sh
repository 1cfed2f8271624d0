#!/usr/bin/env bash
# `make playground-local`: the demo without Kubernetes: a whole CurveBS cluster on loopback
# (curve-cluster: etcd, 3 MDS, 3 chunkservers in 3 zones), a volume mapped as a block device,
# ext4 on it, a file written and read back. Everything it starts is stopped on exit. Needs root
# for map/mount.
set -euo pipefail

build_dir=${1:-build}
bin="$(cd "$build_dir/bin" && pwd)"
work=$(mktemp -d /tmp/curve-playground.XXXXXX)
cluster_pid=""
dev=""
cleanup() {
  mountpoint -q "$work/mnt" 2>/dev/null && umount "$work/mnt" || true
  [ -n "$dev" ] && "$bin/curve" unmap /playground >/dev/null 2>&1 || true
  [ -n "$cluster_pid" ] && kill "$cluster_pid" 2>/dev/null && wait "$cluster_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
step() { printf '\n==> %s\n' "$*"; }

step "starting etcd, 3 MDS and 3 chunkservers in 3 zones (curve-cluster)"
"$bin/curve-cluster" >"$work/cluster.out" 2>"$work/cluster.log" &
cluster_pid=$!
for _ in $(seq 120); do grep -q READY "$work/cluster.out" && break; sleep 1; done
grep -q READY "$work/cluster.out" || { cat "$work/cluster.log" >&2; exit 1; }
mds=$(sed -n 's/READY mds=\([^ ]*\).*/\1/p' "$work/cluster.out")
curve() { "$bin/curve" --mds "$mds" "$@"; }
curve status

step "creating and mapping volume /playground"
curve volume create /playground --size=64MiB --poolset=ssd
dev=$(curve map /playground)
echo "mapped at $dev"
curve list-mapped

step "mkfs.ext4, mount, write and read a file"
mkfs.ext4 -q "$dev"
mkdir -p "$work/mnt"
mount "$dev" "$work/mnt"
echo "hello from CurveBS" >"$work/mnt/hello.txt"
sync
cat "$work/mnt/hello.txt"
umount "$work/mnt"
curve unmap /playground
dev=""

step "benchmark: 4 KiB random writes at depth 8 for 3 s"
curve bench /playground --rw randwrite --bs 4K --iodepth 8 --runtime 3s

cat <<TRY

Try next, in another terminal, while the cluster runs (MDS at $mds):
  $bin/curve --mds $mds status
  $bin/curve --mds $mds volume list
  $bin/curve --mds $mds bench /playground --rw randread --bs 4K --iodepth 32 --runtime 10s
  $bin/curve --mds $mds map /playground && $bin/curve list-mapped -o json
  $bin/curve unmap /playground
TRY
if [ -t 0 ]; then
  read -r -p "Press Enter to stop the cluster and clean up... " _
else
  echo "(not a terminal: stopping the cluster now; run $bin/curve-cluster to keep one up)"
fi
