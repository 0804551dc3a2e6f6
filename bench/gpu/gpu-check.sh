#!/usr/bin/env bash
# GPU check (issue 23): builds a training-only limitnet against a CUDA libtorch, trains
# paper224 for a fixed number of steps on the GPU and on the CPU (bench_train_device: the
# whole `limitnet train` recipe), prints images/s side by side, and evaluates the model the
# GPU trained. Meant to finish within 8 minutes on one GPU (H100 class, 16 cores).
#
#   bench/gpu/gpu-check.sh
#   CPU_ONLY=1 CPU_LIMIT=8 BATCH=4 VAL_LIMIT=4 EVAL_LIMIT=4 bench/gpu/gpu-check.sh   # CPU half, tiny
#
# libtorch: $Torch_DIR, else the installed PyTorch's (python3 -c 'import torch;
# print(torch.utils.cmake_prefix_path)'), else (CPU_ONLY only) the system's.
# Data: CIFAR-10 ($LIMITNET_CIFAR10, shared/datasets/cifar10 or ../shared/datasets/cifar10)
# upscaled to 224x224, else synthetic 32x32 frames upscaled alike.
# Knobs (environment, defaults): BUILD_DIR (build-gpu), JOBS (nproc), THREADS (nproc),
# BATCH (64), GPU_LIMIT (2048 images: 32 steps per epoch), GPU_EPOCHS (2 per stage; the last
# one is timed), CPU_LIMIT (128: 2 steps), CPU_EPOCHS (1), VAL_LIMIT (64 validation images
# per epoch, not timed), EVAL_LIMIT (200 test images for the evaluation of the GPU's model;
# with CPU_ONLY=1 of the CPU's), DEVICE (cuda), AMP (0; 1 adds a bfloat16 run), CPU_ONLY (0).
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD_DIR=${BUILD_DIR:-build-gpu}
JOBS=${JOBS:-$(nproc)}
THREADS=${THREADS:-$(nproc)}
BATCH=${BATCH:-64}
GPU_LIMIT=${GPU_LIMIT:-2048}
GPU_EPOCHS=${GPU_EPOCHS:-2}
CPU_LIMIT=${CPU_LIMIT:-128}
CPU_EPOCHS=${CPU_EPOCHS:-1}
VAL_LIMIT=${VAL_LIMIT:-64}
EVAL_LIMIT=${EVAL_LIMIT:-200}
DEVICE=${DEVICE:-cuda}
AMP=${AMP:-0}
CPU_ONLY=${CPU_ONLY:-0}
t0=$SECONDS
say() { printf '[gpu-check %3ds] %s\n' $((SECONDS - t0)) "$*" >&2; }

# 1. libtorch.
if [ -z "${Torch_DIR:-}" ] && python3 -c 'import torch' 2>/dev/null; then
  Torch_DIR="$(python3 -c 'import torch; print(torch.utils.cmake_prefix_path)')/Torch"
  [ -f "$Torch_DIR/TorchConfig.cmake" ] || Torch_DIR=  # some distributions ship PyTorch without it
fi
if [ -z "${Torch_DIR:-}" ] && [ "$CPU_ONLY" != 1 ]; then
  echo "gpu-check: no CUDA libtorch: set Torch_DIR=<libtorch>/share/cmake/Torch (docs/TRAINING.md, GPU)" >&2
  exit 1
fi
say "libtorch: ${Torch_DIR:-found by cmake (the system one)}"

# 2. A training-only build: no tests, only the bench program and what it links.
say "configure $BUILD_DIR"
mkdir -p "$BUILD_DIR"
cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release -DLIMITNET_BUILD_TESTS=OFF -DLIMITNET_BUILD_BENCH=ON \
  ${Torch_DIR:+-DTorch_DIR="$Torch_DIR"} >"$BUILD_DIR/gpu-check-configure.log" 2>&1 ||
  { tail -30 "$BUILD_DIR/gpu-check-configure.log" >&2; exit 1; }
say "build bench_train_device ($JOBS jobs)"
cmake --build "$BUILD_DIR" -j "$JOBS" --target bench_train_device >"$BUILD_DIR/gpu-check-build.log" 2>&1 ||
  { grep -m20 -E 'error|Error' "$BUILD_DIR/gpu-check-build.log" >&2; exit 1; }
bench="$BUILD_DIR/bin/bench_train_device"
build_s=$((SECONDS - t0))

# 3. Data.
data=${LIMITNET_CIFAR10:-}
for d in shared/datasets/cifar10 ../shared/datasets/cifar10; do
  [ -z "$data" ] && [ -d "$d" ] && data=$d
done
if [ -z "$data" ]; then
  data="$BUILD_DIR/synthetic-cifar"
  "$bench" --make-synthetic "$data" --images "$GPU_LIMIT"
  say "data: synthetic frames in $data"
else
  say "data: CIFAR-10 in $data (upscaled to 224x224)"
fi

# 4. Runs: "name device amp images epochs evaluated-images". The CPU's model is evaluated only
# without a GPU run: on the CPU the classifier calls of every packet prefix take minutes.
runs=()
[ "$CPU_ONLY" = 1 ] || runs+=("gpu $DEVICE 0 $GPU_LIMIT $GPU_EPOCHS $EVAL_LIMIT")
[ "$CPU_ONLY" = 1 ] || [ "$AMP" != 1 ] || runs+=("gpu-amp $DEVICE 1 $GPU_LIMIT $GPU_EPOCHS 0")
runs+=("cpu cpu 0 $CPU_LIMIT $CPU_EPOCHS $([ "$CPU_ONLY" = 1 ] && echo "$EVAL_LIMIT" || echo 0)")
out="$BUILD_DIR/gpu-check"
rm -rf "$out"
mkdir -p "$out"
for r in "${runs[@]}"; do
  read -r name device amp limit epochs evaluated <<<"$r"
  say "train paper224 on $device (amp $amp): $limit images x $epochs epochs per stage, batch $BATCH"
  start=$SECONDS
  "$bench" --preset paper224 --data "$data" --run "$out/$name" --device "$device" --amp "$amp" --limit "$limit" \
    --batch "$BATCH" --epochs "$epochs" --threads "$THREADS" --val-limit "$VAL_LIMIT" --eval-limit "$evaluated" \
    >"$out/$name.txt" 2>"$out/$name.log" || { tail -20 "$out/$name.log" >&2; exit 1; }
  echo "wall $((SECONDS - start))" >>"$out/$name.txt"
done

# 5. Side by side.
names=()
for r in "${runs[@]}"; do names+=("${r%% *}"); done
printf '\npaper224, batch %s, images/s in the last epoch of each stage\n' "$BATCH"
printf '%-12s' stage "${names[@]}"
echo
for stage in classifier phase1 phase2; do
  printf '%-12s' "$stage"
  for n in "${names[@]}"; do printf '%-12s' "$(awk -v s="$stage" '$1 == "rate" && $2 == s {print $3}' "$out/$n.txt")"; done
  echo
done
printf '%-12s' "wall s"
for n in "${names[@]}"; do printf '%-12s' "$(awk '$1 == "wall" {print $2}' "$out/$n.txt")"; done
echo
for n in "${names[@]}"; do
  if grep -q '^eval ' "$out/$n.txt"; then
    printf 'eval of the %s model (%s test images, on its device): %s\n' "$n" "$EVAL_LIMIT" \
      "$(grep '^eval ' "$out/$n.txt" | cut -d' ' -f2-)"
  fi
done
total=$((SECONDS - t0))
printf 'build %d s, total %d s (limit 480 s); logs in %s\n' "$build_s" "$total" "$out"
[ "$total" -le 480 ] || echo "gpu-check: took longer than 8 minutes" >&2
