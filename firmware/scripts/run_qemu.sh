#!/usr/bin/env bash
# Runs one firmware image under QEMU with semihosting and instruction counting
# (-icount shift=0: every instruction advances virtual time by exactly 1 ns, which the
# benchmark reads back through the CMSDK timer).
#   run_qemu.sh <board: an500|an505> <elf>
set -euo pipefail
board=$1
elf=$2
exec timeout 240 qemu-system-arm -M "mps2-$board" -nographic -monitor none -serial none \
  -semihosting-config enable=on,target=native -icount shift=0 -kernel "$elf"
