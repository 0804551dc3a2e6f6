#!/bin/sh
# CTest `fw_assets_cli`: fw_assets' command line. --help prints the usage; an unknown
# option, a --coder that is not MODEL=CODER and an unknown coder are refused with exit 2,
# a --coder or --int8-weights model that does not exist with exit 1, each with a message that names it; an
# output folder that cannot be made exits 1 (a missing one is made).
#   fw_assets_cli_test.sh <fw_assets> <scratch dir>
fw=$1 dir=$2
mkdir -p "$dir"
"$fw" --help | grep -q '^usage: fw_assets OUTDIR' || { echo "FAIL --help"; exit 1; }
# expect <exit code> <message> <args...>: the run fails with that code and prints the message.
expect() {
  want=$1 text=$2
  shift 2
  out=$("$fw" "$dir" "$@" 2>&1)
  got=$?
  if [ "$got" -ne "$want" ] || ! printf '%s\n' "$out" | grep -qF -- "$text"; then
    echo "FAIL fw_assets $*: exit $got (want $want), output: $out"; exit 1
  fi
}
expect 2 "unknown option '--bogus'" --bogus x
expect 2 "--coder needs MODEL=CODER (e.g. cifar32=range), not 'cifar32'" --coder cifar32
expect 2 "unknown coder 'zstd'" --coder cifar32=zstd
expect 1 "no model named 'nosuch'" --coder nosuch=range
expect 1 "--int8-weights nosuch: no model named 'nosuch'" --int8-weights nosuch
touch "$dir/a-file"
out=$("$fw" "$dir/a-file/assets" 2>&1)
got=$?
if [ "$got" -ne 1 ] || ! printf '%s\n' "$out" | grep -qF "cannot write into $dir/a-file/assets"; then
  echo "FAIL fw_assets into a folder under a file: exit $got (want 1), output: $out"; exit 1
fi
echo "OK fw_assets command line"
