#!/usr/bin/env bash
# CTest `firmware_qemu_packets`: runs the benchmark on the Cortex-M7 (mps2-an500) and the
# Cortex-M33 (mps2-an505), with DSP and with portable C kernels, and requires every
# run's packets to be byte-identical to the host build's (expected.txt from fw_assets).
# Camera frames (160x120 RGB565 and YUYV through limitnet_device_encode_frame): their
# packets must also equal the plain encode of the adapter's output on the target and,
# given the CLI and the assets dir, `limitnet encode --frame` of the same raw bytes.
# Given limitnet and the fw_assets folder, the packets of every model under
# <assets>/encode/ (architectures that are no preset; copies of a model with another
# entropy coder, e.g. cifar32-range) must also equal, as .lnp files, `limitnet encode
# --network int8` of the same frames. Every run must equal the host build's packets, so
# that comparison (and the one with `limitnet encode --frame`) is made once, on those.
#   run_firmware_test.sh <firmware build root> <expected.txt> [<limitnet> <assets dir>]
# Exit 77 (skip) when qemu-system-arm is missing.
set -euo pipefail
root=$1
expected=$2
limitnet=${3:-}
assets=${4:-}
here=$(cd "$(dirname "$0")" && pwd)
command -v qemu-system-arm >/dev/null || { echo "qemu-system-arm not found: skipped"; exit 77; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
grep -E '^(PACKET|CAMPACKET)' "$expected" >"$work/expected"
# `limitnet encode --network int8` of each model's golden frames under <assets>/encode/
# packed from a PACKET listing (`limitnet pack`) must equal the .lnp the CLI writes.
compare_with_encode() {
  local listing=$1 label=$2 lnm name frame png
  for lnm in "$assets"/encode/*.lnm; do
    [ -e "$lnm" ] || continue
    name=$(basename "$lnm" .lnm)
    for png in "$assets/encode/${name}"_*.png; do
      frame=${png##*_}; frame=${frame%.png}
      awk -v m="$name" -v f="$frame" '$1 == "PACKET" && $2 == m && $3 == f {print $5}' "$listing" >"$work/fw.hex"
      if [ ! -s "$work/fw.hex" ]; then echo "FAIL $label: no packets of $name frame $frame"; return 1; fi
      "$limitnet" pack -m "$lnm" --hex "$work/fw.hex" -p 51 -o "$work/fw.lnp" >/dev/null &&
        "$limitnet" encode "$png" -m "$lnm" --network int8 -p 51 --image-id "$frame" -o "$work/host.lnp" >/dev/null ||
        { echo "FAIL $label: limitnet pack/encode failed for $name"; return 1; }
      if ! cmp -s "$work/fw.lnp" "$work/host.lnp"; then
        echo "FAIL $label: $name frame $frame differs from limitnet encode --network int8"; return 1
      fi
    done
    echo "OK   $label: $name packets equal limitnet encode --network int8 ($(grep -c "^PACKET $name " "$listing") packets)"
  done
}
# Packs a listing's CAMPACKET lines for one model and format into an .lnp (limitnet pack).
camera_lnp() {
  grep "^CAMPACKET $2 $3 " "$1" | cut -d' ' -f5 |
    "$limitnet" pack -m "$assets/model_$2.lnm" --hex - -p 51 -o "$4" >/dev/null
}
# The camera runs' packets against `limitnet encode --frame` of the same raw bytes.
compare_with_encode_frame() {
  local listing=$1 label=$2 model format size id same=0
  while read -r model format size id; do
    "$limitnet" encode --frame "$assets/camera_$format.raw" --frame-format "$format" --frame-size "$size" \
      -m "$assets/model_$model.lnm" --network int8 --image-id "$id" -o "$work/cli.lnp" >/dev/null &&
      camera_lnp "$listing" "$model" "$format" "$work/fw.lnp" && cmp -s "$work/fw.lnp" "$work/cli.lnp" ||
      { echo "FAIL $label: $model $format $size frame differs from limitnet encode --frame"; return 1; }
    same=$((same + 1))
  done <"$assets/camera.txt"
  echo "OK   $label: $same camera frames byte-identical to limitnet encode --frame"
}

status=0
if [ -n "$limitnet" ]; then
  compare_with_encode "$work/expected" "host build" || status=1
  compare_with_encode_frame "$work/expected" "host build" || status=1
fi
for run in "cortex-m7 an500 dsp" "cortex-m7 an500 c" "cortex-m33 an505 dsp" "cortex-m33 an505 c"; do
  read -r cpu board flavour <<<"$run"
  elf="$root/$cpu/limitnet_bench_$flavour.elf"
  out="$work/$cpu-$flavour.txt"
  if ! "$here/run_qemu.sh" "$board" "$elf" >"$out" 2>&1; then
    echo "FAIL $cpu/$flavour: QEMU run failed"; tail -5 "$out"; status=1; continue
  fi
  grep -E '^(TARGET|INSN|MEM|CAMINSN|CAMMEM|BADINPUT)' "$out" | sed "s|^|  |"
  if ! grep -q '^DONE OK' "$out"; then echo "FAIL $cpu/$flavour: benchmark reported errors"; status=1; continue; fi
  if ! grep -q '^BADINPUT preset_check=preset_mismatch' "$out"; then echo "FAIL $cpu/$flavour: bad bundle accepted"; status=1; fi
  if ! grep -q '^BADINPUT camera_frame=frame_too_small' "$out"; then echo "FAIL $cpu/$flavour: small frame accepted"; status=1; fi
  if grep -E '^(PACKET|CAMPACKET)' "$out" | diff -q - "$work/expected" >/dev/null; then
    echo "OK   $cpu/$flavour: $(grep -cE '^(PACKET|CAMPACKET)' "$out") packets byte-identical to the host build"
  else
    echo "FAIL $cpu/$flavour: packets differ from the host build"
    grep -E '^(PACKET|CAMPACKET)' "$out" | diff - "$work/expected" | head -5
    status=1
  fi
  if ! diff -q <(grep '^CAMPACKET' "$out" | cut -d' ' -f2-) <(grep '^CAMREF' "$out" | cut -d' ' -f2-) >/dev/null; then
    echo "FAIL $cpu/$flavour: encode_frame and encode of the adapter's output differ"
    status=1
  fi
done
exit $status
