#!/usr/bin/env bash
# CTests `firmware_example_m4_<model>`: builds examples/mps2-an386-m4 the way an outside project
# does (the installed package limitnet_device, component `device`, and the files of
# `limitnet model export --device`; nothing else from the tree), runs it in QEMU
# mps2-an386 (Cortex-M4F) and requires
#   - its packets, packed by `limitnet pack --hex`, to equal byte for byte the .lnp of
#     `limitnet encode --network int8` of the same pixels,
#   - the firmware's limitnet_device_arena_size to equal the exported LIMITNET_ARENA_BYTES,
#   - the example's sources to include no LimitNet header but the public one and the model's.
# With a coder (huffman, rans, range) the model is first switched to it (`limitnet model
# set-coder`), so the example also runs another entropy coder.
#   run_example_test.sh <host build dir> <limitnet> <example_frame> <model.lnm> <work dir> [<coder>]
# Exit 77 (skip) without arm-none-eabi-gcc or qemu-system-arm.
set -euo pipefail
build=$1 limitnet=$2 example_frame=$3 model=$4 work=$5 coder=${6:-}
example=$(cd "$(dirname "$0")/../../examples/mps2-an386-m4" && pwd)
for tool in arm-none-eabi-gcc qemu-system-arm; do
  command -v "$tool" >/dev/null || { echo "$tool not found: skipped"; exit 77; }
done
rm -rf "$work" && mkdir -p "$work/frame"

if grep -h '^#include' "$example"/*.c "$example"/*.h | grep -v -E '<std(def|int)\.h>|<string\.h>|"(board|limitnet_device|model_data)\.h"'; then
  echo "FAIL the example includes more than the public header and the exported model"; exit 1
fi
if [ -n "$coder" ]; then
  "$limitnet" model set-coder "$model" --coder "$coder" -o "$work/model-$coder.lnm" >/dev/null
  model=$work/model-$coder.lnm
fi
cmake --install "$build" --prefix "$work/prefix" --component device >/dev/null
"$limitnet" model export "$model" --device -o "$work/model"
side=$(sed -n 's/^#define LIMITNET_MODEL_INPUT_WIDTH //p' "$work/model/model_data.h")
channels=$(sed -n 's/^#define LIMITNET_MODEL_INPUT_CHANNELS //p' "$work/model/model_data.h")
"$example_frame" "$side" "$channels" 11 "$work/frame"
"$limitnet" encode "$work/frame/frame.png" -m "$model" --network int8 -p 51 --image-id 0 -o "$work/host.lnp"

cmake -S "$example" -B "$work/build" -DCMAKE_TOOLCHAIN_FILE="$example/cortex-m4.cmake" \
  -DCMAKE_PREFIX_PATH="$work/prefix" -DLIMITNET_MODEL_DIR="$work/model" -DEXAMPLE_FRAME="$work/frame/frame_data.c" \
  >"$work/configure.log" || { cat "$work/configure.log"; exit 1; }
cmake --build "$work/build" >"$work/build.log" 2>&1 || { tail -30 "$work/build.log"; exit 1; }
timeout 120 qemu-system-arm -M mps2-an386 -nographic -monitor none -serial none \
  -semihosting-config enable=on,target=native -kernel "$work/build/limitnet_m4.elf" >"$work/run.txt" 2>&1 || {
  echo "FAIL QEMU run"; tail -5 "$work/run.txt"; exit 1; }
grep -q '^DONE OK' "$work/run.txt" || { echo "FAIL the firmware reported an error"; cat "$work/run.txt"; exit 1; }
arena=$(grep '^ARENA' "$work/run.txt")
echo "  $arena"
[[ $arena =~ LIMITNET_ARENA_BYTES=([0-9]+)\ needed=([0-9]+) ]] && [[ ${BASH_REMATCH[1]} == "${BASH_REMATCH[2]}" ]] || {
  echo "FAIL LIMITNET_ARENA_BYTES differs from the firmware's limitnet_device_arena_size"; exit 1; }
grep '^PACKET' "$work/run.txt" | awk '{print $3}' >"$work/firmware.hex"
"$limitnet" pack -m "$model" --hex "$work/firmware.hex" -p 51 -o "$work/firmware.lnp" >/dev/null
if cmp -s "$work/host.lnp" "$work/firmware.lnp"; then
  echo "OK   mps2-an386 (Cortex-M4F)${coder:+, $coder coder}: $(wc -l <"$work/firmware.hex") packets byte-identical to limitnet encode --network int8"
  rm -rf "$work"
else
  echo "FAIL the firmware's packets differ from limitnet encode --network int8 (kept: $work)"; exit 1
fi
