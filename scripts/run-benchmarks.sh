#!/usr/bin/env bash
# Runs every benchmark program of a build and prints its figures (docs/BENCHMARKS.md
# quotes them). Usage: scripts/run-benchmarks.sh [build-dir]
set -euo pipefail
build="${1:-build}"
found=0
for b in "$build"/bin/bench_*; do
  [ -x "$b" ] || continue
  found=1
  echo "=== $(basename "$b")"
  case "$(basename "$b")" in
    # GPU against CPU training: it needs a run directory and data, and paper224 steps take
    # minutes each on a CPU; bench/gpu/gpu-check.sh runs it on a GPU machine.
    bench_train_device) echo "skipped: run bench/gpu/gpu-check.sh (docs/TRAINING.md)" ;;
    *) "$b" ;;
  esac
done
[ "$found" = 1 ] || { echo "no benchmark programs in $build/bin (build with -DLIMITNET_BUILD_BENCH=ON)" >&2; exit 1; }
