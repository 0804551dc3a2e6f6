#!/usr/bin/env bash
# Runs every benchmark program of a build and prints its figures (docs/BENCHMARKS.md
# quotes them); one that exits 77 is skipped (it printed why). Usage: scripts/run-benchmarks.sh [build-dir]
set -euo pipefail
build="${1:-build}"
found=0
for b in "$build"/bin/bench_*; do
  [ -x "$b" ] || continue
  found=1
  echo "=== $(basename "$b")"
  # Exit 77: the benchmark has nothing to measure without arguments and has said why.
  rc=0
  "$b" || rc=$?
  [ "$rc" = 0 ] || [ "$rc" = 77 ] || exit "$rc"
done
[ "$found" = 1 ] || { echo "no benchmark programs in $build/bin (build with -DLIMITNET_BUILD_BENCH=ON)" >&2; exit 1; }
