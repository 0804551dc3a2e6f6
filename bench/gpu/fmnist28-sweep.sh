#!/usr/bin/env bash
# Issue 20 on a lent GPU: fmnist28 with a stronger cloud classifier, a whole sweep in one call.
# Stage 1, side by side: ResNet-20 classifiers of width 32 and 48 (20 epochs) and the
# fmnist28c phase 1 (5 and 10 epochs; phase 1 has no rate term, so one run serves every
# lambda). Stage 2: six phase-2 runs (6 epochs, models/fmnist28/MODEL.md's step-1 flags), each
# started as soon as its classifier and its phase-1 run are done:
#   A w32 lambda 0.1, fine channels' bits weighed 0.3   B as A, lambda 0.05   C as A, unweighed
#   D w48 lambda 0.1, weighed 0.3   E as D, lambda 0.05   F as A from the 10-epoch phase 1
#   G as A with the encoder's hidden layers twice as wide (models/arch/fmnist28cw.json, its
#     own 5-epoch phase 1; on the CPU, session 28, it beat fmnist28c at both ends)
# Every run holds out 5,000 training images (--val-holdout 5000); choose on them with
# `limitnet eval --val-holdout 5000`, never on the test split.
#
#   bench/gpu/fmnist28-sweep.sh OUT                  # builds build-gpu/ first (docs/TRAINING.md, GPU)
#   DEPS=.gpu/deps.tar.xz bench/gpu/fmnist28-sweep.sh OUT   # build libraries from stage-build-deps.sh
#   LIMITNET=build/bin/limitnet-torch SMOKE=1 bench/gpu/fmnist28-sweep.sh /tmp/sweep   # CPU, tiny, ~2 min
#
# OUT receives A.lnm .. G.lnm, logs.tgz (every run's log.jsonl and console) and
# cls-w32.pt (the width-32 classifier, for --classifier-from after `tar`-ing it into a run
# folder as classifier.pt). DEADLINE (555 s) stops every run that is still going.
# Data: $LIMITNET_FASHION_MNIST, else /usr/share/datasets/fashion-mnist. Relative paths in DEPS,
# LIMITNET and LIMITNET_FASHION_MNIST are read from the repository root.
set -uo pipefail
out=$(realpath -m "${1:?usage: fmnist28-sweep.sh OUT}")
cd "$(dirname "$0")/../.."
DEADLINE=${DEADLINE:-555}
SMOKE=${SMOKE:-0}
BUILD_DIR=${BUILD_DIR:-build-gpu}
t0=$SECONDS
elapsed() { echo $((SECONDS - t0)); }
left() { local l=$((DEADLINE - SECONDS + t0)); echo $((l < 1 ? 1 : l)); }
say() { printf '[sweep %3ds] %s\n' "$(elapsed)" "$*"; }
mkdir -p "$out"
runs=$(mktemp -d)

# 1. The program.
L=${LIMITNET:-}
if [ -z "$L" ]; then
  if [ -n "${DEPS:-}" ]; then
    rm -rf /tmp/limitnet-deps && tar -C /tmp -xJf "$DEPS" && . /tmp/limitnet-deps/env.sh || exit 2
  fi
  torch_dir="$(python3 -c 'import torch; print(torch.utils.cmake_prefix_path)')/Torch"
  cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release -DLIMITNET_BUILD_TESTS=OFF -DLIMITNET_BUILD_BENCH=OFF \
    -DTorch_DIR="$torch_dir" ${LIMITNET_DEPS:+-DCMAKE_PREFIX_PATH="$LIMITNET_DEPS" $LIMITNET_DEPS_CMAKE_FLAGS} \
    >"$out/configure.log" 2>&1 || { tail -30 "$out/configure.log"; exit 3; }
  cmake --build "$BUILD_DIR" -j "$(nproc)" --target limitnet-torch >"$out/build.log" 2>&1 ||
    { grep -m10 -A5 'error' "$out/build.log"; exit 4; }
  L=$BUILD_DIR/bin/limitnet-torch
fi
"$L" train --help >/dev/null || exit 5
say "program $L"

# 2. The runs.
cls_epochs=20 p1_epochs=5 p2_epochs=6 hold=5000 limit=()
if [ "$SMOKE" = 1 ]; then cls_epochs=1 p1_epochs=1 p2_epochs=1 hold=300 limit=(--limit 1500); fi
base=(--data fashion-mnist --seed 1 --batch 128 --val-holdout "$hold" "${limit[@]}")
codec=(--latent-bits 4 --saliency-grid 2 --saliency-bits 4 --teacher spectral --decoder pyramid --decoder-width 64
  -G 1.0 --interlace-stride 2 --coarse-channels 6 --p1-lr 2e-3 --p1-full-share 0.25 --p2-lr 1e-3 --p2-keep-min 0.05
  --p2-full-share 0.25 --p2-classifier-lr 1e-3)
fine03=(--rate-channel-weights 1,1,1,1,1,1,0.3,0.3,0.3,0.3)
train() {  # NAME ARCH FLAGS...: one run of models/arch/ARCH.json, cut at the deadline
  local name=$1 arch=$2
  shift 2
  timeout "$(left)" "$L" train --arch "models/arch/$arch.json" "${base[@]}" --run "$runs/$name" -o "$runs/$name/model.lnm" "$@" >"$runs/$name.out" 2>&1
  say "$name exit $?"
}
classifier() { train "cls-w$1" fmnist28c --threads 4 --cls-epochs "$cls_epochs" --cls-width "$1" --p1-epochs 0 --p2-epochs 0 --teacher none; }
phase1() {  # NAME EPOCHS [ARCH]
  train "$1" "${3:-fmnist28c}" --threads 4 "${codec[@]}" --classifier-from models/fmnist28-s16/model.lnm \
    --p1-epochs "$2" --p2-epochs 0 --rate-lambda 0.1
}
phase2() {  # NAME PHASE1 WIDTH LAMBDA ARCH FLAGS...
  local name=$1 init=$2 width=$3 lambda=$4 arch=$5
  shift 5
  train "$name" "$arch" --threads 2 "${codec[@]}" --classifier-from "$runs/cls-w$width" --cls-width "$width" --init-from "$runs/$init" \
    --p1-epochs 0 --p2-epochs "$p2_epochs" --rate-lambda "$lambda" "$@"
}
after() {  # PID PID COMMAND...: COMMAND once both have ended
  while kill -0 "$1" 2>/dev/null || kill -0 "$2" 2>/dev/null; do sleep 2; done
  shift 2
  "$@"
}
classifier 32 & c32=$!
classifier 48 & c48=$!
phase1 p1 "$p1_epochs" & p1=$!
phase1 p1-long $((2 * p1_epochs)) & p1long=$!
phase1 p1-wide "$p1_epochs" fmnist28cw & p1wide=$!
stage2=()
after $c32 $p1 phase2 A p1 32 0.1 fmnist28c "${fine03[@]}" & stage2+=($!)
after $c32 $p1 phase2 B p1 32 0.05 fmnist28c "${fine03[@]}" & stage2+=($!)
after $c32 $p1 phase2 C p1 32 0.1 fmnist28c & stage2+=($!)
after $c48 $p1 phase2 D p1 48 0.1 fmnist28c "${fine03[@]}" & stage2+=($!)
after $c48 $p1 phase2 E p1 48 0.05 fmnist28c "${fine03[@]}" & stage2+=($!)
after $c32 $p1long phase2 F p1-long 32 0.1 fmnist28c "${fine03[@]}" & stage2+=($!)
after $c32 $p1wide phase2 G p1-wide 32 0.1 fmnist28cw "${fine03[@]}" & stage2+=($!)
if command -v nvidia-smi >/dev/null; then
  (while sleep 30; do
    say "gpu $(nvidia-smi --query-gpu=utilization.gpu,memory.used --format=csv,noheader), load $(cut -d' ' -f1 /proc/loadavg)"
  done) & monitor=$!
fi
wait "${stage2[@]}"
[ -n "${monitor:-}" ] && kill "$monitor"

# 3. What comes back.
for name in A B C D E F G; do [ -f "$runs/$name/model.lnm" ] && cp "$runs/$name/model.lnm" "$out/$name.lnm"; done
[ -f "$runs/cls-w32/classifier.pt" ] && cp "$runs/cls-w32/classifier.pt" "$out/cls-w32.pt"
tar -C "$runs" -czf "$out/logs.tgz" --exclude='*.pt' --exclude='*.lnm' .
for f in "$runs"/*.out; do printf '%s: %s\n' "$(basename "$f" .out)" "$(tr '\r' '\n' <"$f" | grep -E 'took|val top1' | tail -1)"; done
rm -rf "$runs"
say "done"
