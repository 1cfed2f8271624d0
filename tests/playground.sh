#!/usr/bin/env bash
# `make playground`, local mode. The Curve services (MDS, chunkservers, CSI, operator) arrive
# with later issues and this script grows with them into the full local Kubernetes demo. Today
# it shows the foundation they stand on: a real etcd on loopback, three processes electing a
# leader through it, and a failover when the leader is killed. Everything it starts is stopped
# on exit.
set -euo pipefail

build_dir=${1:-build}
bin="$build_dir/bin"
work=$(mktemp -d /tmp/curve-playground.XXXXXX)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

free_port() {
  local port
  for port in $(seq "$1" $(($1 + 200))); do
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "$port"; return; fi
  done
  echo "playground: no free port near $1" >&2
  exit 1
}

step() { printf '\n==> %s\n' "$*"; }

client_port=$(free_port 23790)
peer_port=$(free_port $((client_port + 1)))
endpoint="127.0.0.1:$client_port"

step "starting etcd on $endpoint (data in $work/etcd)"
etcd --name=playground --data-dir="$work/etcd" \
  --listen-client-urls="http://$endpoint" --advertise-client-urls="http://$endpoint" \
  --listen-peer-urls="http://127.0.0.1:$peer_port" \
  --initial-advertise-peer-urls="http://127.0.0.1:$peer_port" \
  --initial-cluster="playground=http://127.0.0.1:$peer_port" \
  --logger=zap --log-level=warn >"$work/etcd.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do
  ETCDCTL_API=3 etcdctl --endpoints="$endpoint" endpoint health >/dev/null 2>&1 && break
  sleep 0.1
done
ETCDCTL_API=3 etcdctl --endpoints="$endpoint" endpoint health

step "three candidates campaign for /playground/leader/ (lease TTL 2s)"
for name in mds-a mds-b mds-c; do
  "$bin/etcd_test_peer" campaign --endpoints="$endpoint" --prefix=/playground/leader/ \
    --name="$name" --ttl=2 >"$work/$name.out" 2>&1 &
  pids+=($!)
  sleep 0.2
done
leader_of() { grep -l '^leader' "$work"/mds-*.out 2>/dev/null | xargs -r -n1 basename | sed 's/.out$//'; }
for _ in $(seq 50); do [[ -n "$(leader_of)" ]] && break; sleep 0.1; done
first=$(leader_of)
echo "leader: $first"
ETCDCTL_API=3 etcdctl --endpoints="$endpoint" get --prefix /playground/leader/ -w simple

step "killing $first with SIGKILL; its lease expires and the next candidate takes over"
index=$(( $(printf '%s\n' mds-a mds-b mds-c | grep -n "^$first$" | cut -d: -f1) ))
kill -9 "${pids[$index]}"
start=$(date +%s%N)
for _ in $(seq 100); do
  [[ $(leader_of | grep -vc "^$first$") -ge 1 ]] && break
  sleep 0.1
done
elapsed=$(( ($(date +%s%N) - start) / 1000000 ))
echo "new leader: $(leader_of | grep -v "^$first$") after ${elapsed} ms"

cat <<'TEXT'

Next steps:
  make test        build and run the whole test suite (real etcd, multi-process tests)
  make test-unit   only the fast unit tests
  README.md        the map of the tree; later issues add the MDS, chunkservers, CSI driver,
                   operator, and grow this playground into a local Kubernetes demo
TEXT
