#!/usr/bin/env bash
# `make bench`: runs every benchmark binary (build/bin/*_bench) in turn. Each prints its own
# table with a reference measured in the same run (the raw disk, a peer) beside every figure.
set -euo pipefail
bin="${1:-build}/bin"
shopt -s nullglob
benches=("$bin"/*_bench)
if [[ ${#benches[@]} -eq 0 ]]; then
  echo "bench: no benchmarks built in $bin" >&2
  exit 1
fi
for bench in "${benches[@]}"; do
  printf '\n### %s\n' "$(basename "$bench")"
  "$bench"
done
