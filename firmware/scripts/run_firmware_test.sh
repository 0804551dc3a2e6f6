#!/usr/bin/env bash
# CTest `firmware_qemu_packets`: runs the benchmark on the Cortex-M7 (mps2-an500) and the
# Cortex-M33 (mps2-an505), with DSP and with portable C kernels, and requires every
# run's packets to be byte-identical to the host build's (expected.txt from fw_assets).
#   run_firmware_test.sh <firmware build root> <expected.txt>
# Exit 77 (skip) when qemu-system-arm is missing.
set -euo pipefail
root=$1
expected=$2
here=$(cd "$(dirname "$0")" && pwd)
command -v qemu-system-arm >/dev/null || { echo "qemu-system-arm not found: skipped"; exit 77; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
grep '^PACKET' "$expected" >"$work/expected"
status=0
for run in "cortex-m7 an500 dsp" "cortex-m7 an500 c" "cortex-m33 an505 dsp" "cortex-m33 an505 c"; do
  read -r cpu board flavour <<<"$run"
  elf="$root/$cpu/limitnet_bench_$flavour.elf"
  out="$work/$cpu-$flavour.txt"
  if ! "$here/run_qemu.sh" "$board" "$elf" >"$out" 2>&1; then
    echo "FAIL $cpu/$flavour: QEMU run failed"; tail -5 "$out"; status=1; continue
  fi
  grep -E '^(TARGET|INSN|MEM|BADINPUT)' "$out" | sed "s|^|  |"
  if ! grep -q '^DONE OK' "$out"; then echo "FAIL $cpu/$flavour: benchmark reported errors"; status=1; continue; fi
  if ! grep -q '^BADINPUT preset_check=preset_mismatch' "$out"; then echo "FAIL $cpu/$flavour: bad bundle accepted"; status=1; fi
  if grep '^PACKET' "$out" | diff -q - "$work/expected" >/dev/null; then
    echo "OK   $cpu/$flavour: $(grep -c '^PACKET' "$out") packets byte-identical to the host build"
  else
    echo "FAIL $cpu/$flavour: packets differ from the host build"
    grep '^PACKET' "$out" | diff - "$work/expected" | head -5
    status=1
  fi
done
exit $status
