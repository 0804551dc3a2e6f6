#!/usr/bin/env bash
# The device benchmark in one run: instructions per image and per MAC on the Cortex-M7
# and Cortex-M33 (QEMU, -icount), DSP and portable kernels; the camera frame adapter
# (160x120 RGB565 and YUYV); Flash and RAM from the linker maps; libjpeg-turbo q50 on the same image on the M7/M33 (optional, needs network for
# Debian's source) and on x86 with callgrind (optional).
#   firmware/scripts/bench_firmware.sh <host build dir> [--jpeg] [--x86]
# The host build must have built the `firmware` target (it does by default when
# arm-none-eabi-gcc and qemu-system-arm are installed).
set -euo pipefail
build=$(cd "$1" && pwd)
shift
here=$(cd "$(dirname "$0")" && pwd)
fw="$build/firmware"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for run in "cortex-m7 an500 dsp" "cortex-m7 an500 c" "cortex-m33 an505 dsp" "cortex-m33 an505 c"; do
  read -r cpu board flavour <<<"$run"
  "$here/run_qemu.sh" "$board" "$fw/$cpu/limitnet_bench_$flavour.elf" >"$out/$cpu-$flavour.txt" 2>&1
  echo "== $cpu ($board), $flavour kernels"
  grep -E '^INSN' "$out/$cpu-$flavour.txt" | awk '{
    for (i = 2; i <= NF; ++i) { split($i, kv, "="); v[kv[1]] = kv[2] }
    printf "  %-14s frame %s: %11d instructions, %9d MACs, %.3f instructions/MAC (network+grid+order %d, packetize %d), %d bytes\n",
      $2, v["frame"], v["total"], v["macs"], v["total"] / v["macs"], v["network+grid+order"], v["packetize"], v["bytes"] }'
  # Camera frames: limitnet_device_encode_frame on a 160x120 frame against the plain encode
  # of the model input the frame adapter made of it; the difference is the adapter's cost.
  grep -E '^CAMINSN' "$out/$cpu-$flavour.txt" | awk '{
    for (i = 4; i <= NF; ++i) { split($i, kv, "="); v[kv[1]] = kv[2] }
    printf "  camera 160x120 %-8s -> %-14s: encode_frame %9d, encode of its model input %9d: frame adapter %8d instructions\n",
      $3, $2, v["encode_frame"], v["encode_model_input"], v["adapter"] }'
  if [ "$flavour" = dsp ]; then
    "$here/memory_report.py" "$fw/$cpu/limitnet_bench_$flavour.map" "$out/$cpu-$flavour.txt" | sed 's/^/  /'
  fi
done
for arg in "$@"; do
  case $arg in
    --jpeg) "$here/jpeg_m7_bench.sh" "$fw/assets" "$build/jpeg-bench" ;;
    --x86) "$(cd "$here/../.." && pwd)/bench/device/run_jpeg_compare.sh" "$build" ;;
  esac
done
