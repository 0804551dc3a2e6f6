#!/usr/bin/env bash
# Instructions of LimitNet's int8 encoder vs libjpeg-turbo's encoder (quality 50) on the
# same 224x224 image on x86, both as plain C: libjpeg-turbo's SIMD is switched off with
# JSIMD_FORCENONE=1 and LimitNet's x86 build has no hand-written SIMD (its DSP kernels
# are Arm-only). Counted with callgrind, only inside each encoder's function.
#   bench/device/run_jpeg_compare.sh <build dir> [bundle]
set -euo pipefail
build=$1
bundle=${2:-}
exe="$build/bin/bench_device_jpeg"
[ -x "$exe" ] || exe=$(find "$build" -name bench_device_jpeg -type f -perm -u+x | head -1)
command -v valgrind >/dev/null || { echo "valgrind not found"; exit 77; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
count() {  # <function> <args...>: instructions executed inside <function>
  local fn=$1; shift
  JSIMD_FORCENONE=1 valgrind --tool=callgrind --callgrind-out-file="$work/cg.out" --toggle-collect="$fn" \
    "$exe" "$@" >"$work/$fn.stdout" 2>"$work/stderr"
  cat "$work/$fn.stdout" >&2
  grep -E '^(summary|totals):' "$work/cg.out" | head -1 | awk '{print $2}'
}
lim=$(count limitnet_encode_image limitnet $bundle)
jpg=$(count jpeg_encode_image jpeg)
macs=$(grep -o '[0-9]* MACs' "$work/limitnet_encode_image.stdout" | awk '{print $1}')
macs=${macs:-40194112}
awk -v l="$lim" -v j="$jpg" -v m="$macs" 'BEGIN {
  printf "x86 instructions per 224x224 image (callgrind, plain C):\n";
  printf "  LimitNet int8 encoder + packetizer : %d  (%.2f per MAC, %d MACs)\n", l, l / m, m;
  printf "  libjpeg-turbo q50, JSIMD_FORCENONE : %d\n", j;
  printf "  ratio LimitNet / JPEG              : %.2f  (%+.0f%%; the paper: +4%% on Cortex-M7)\n", l / j, (l / j - 1) * 100 }'
