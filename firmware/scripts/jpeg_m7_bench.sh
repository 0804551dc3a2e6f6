#!/usr/bin/env bash
# Instructions of libjpeg-turbo's baseline encoder (quality 50, plain C) on the Cortex-M7
# (and M33) under QEMU, for comparison with LimitNet's firmware benchmark on the same image.
# Fetches Debian's libjpeg-turbo source at bench time through a private deb-src list
# (the system's apt sources are not touched) and builds its compressor files with
# arm-none-eabi-gcc; nothing third-party is committed.
#   firmware/scripts/jpeg_m7_bench.sh <fw assets dir> [work dir]
set -euo pipefail
assets=$1
work=${2:-$(mktemp -d)}
here=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$work/lists/partial"
cd "$work"
if [ ! -d libjpeg-turbo-src ]; then
  echo "deb-src http://deb.debian.org/debian bookworm main" >sources.list
  apt_opts=(-o Dir::Etc::SourceList="$work/sources.list" -o Dir::Etc::SourceParts=/dev/null -o Dir::State::Lists="$work/lists")
  apt-get "${apt_opts[@]}" update -qq
  apt-get "${apt_opts[@]}" source --download-only libjpeg-turbo >/dev/null 2>&1
  mkdir libjpeg-turbo-src
  tar xzf libjpeg-turbo_*.orig.tar.gz -C libjpeg-turbo-src --strip-components=1
fi
src="$work/libjpeg-turbo-src"
version=$(grep -oE 'VERSION [0-9.]+' "$src/CMakeLists.txt" | head -1 | awk '{print $2}')
# Configuration headers for a bare-metal 32-bit build (what their CMake would generate).
cat >"$src/jconfig.h" <<EOF2
#define JPEG_LIB_VERSION 62
#define LIBJPEG_TURBO_VERSION $version
#define LIBJPEG_TURBO_VERSION_NUMBER 2001005
#define MEM_SRCDST_SUPPORTED 1
#define BITS_IN_JSAMPLE 8
EOF2
cat >"$src/jconfigint.h" <<EOF2
#define BUILD "limitnet-bench"
#undef inline
#define INLINE __inline__ __attribute__((always_inline))
#define THREAD_LOCAL
#define PACKAGE_NAME "libjpeg-turbo"
#define VERSION "$version"
#define SIZEOF_SIZE_T 4
#define HAVE_BUILTIN_CTZL
#define FALLTHROUGH __attribute__((fallthrough));
EOF2
sed -e 's/@COPYRIGHT_YEAR@/2022/' "$src/jversion.h.in" >"$src/jversion.h" 2>/dev/null || true
files="jcapimin.c jcapistd.c jccoefct.c jccolor.c jcdctmgr.c jchuff.c jcicc.c jcinit.c jcmainct.c jcmarker.c
  jcmaster.c jcomapi.c jcparam.c jcphuff.c jcprepct.c jcsample.c jctrans.c jdatadst.c jerror.c jfdctflt.c
  jfdctfst.c jfdctint.c jmemmgr.c jmemnobs.c jsimd_none.c jutils.c"
for cpu in cortex-m7 cortex-m33; do
  if [ $cpu = cortex-m7 ]; then flags="-mcpu=cortex-m7 -mfpu=fpv5-d16 -mfloat-abi=hard"; board=an500;
  else flags="-mcpu=cortex-m33 -mfpu=fpv5-sp-d16 -mfloat-abi=hard"; board=an505; fi
  objs=()
  mkdir -p "obj-$cpu"
  for f in $files; do
    arm-none-eabi-gcc $flags -mthumb -O2 -ffunction-sections -fdata-sections -w -I"$src" -c "$src/$f" -o "obj-$cpu/${f%.c}.o"
    objs+=("obj-$cpu/${f%.c}.o")
  done
  arm-none-eabi-gcc $flags -mthumb -O2 -ffunction-sections -fdata-sections -I"$src" -I"$assets" -I"$here/startup" \
    "$here/bench/jpeg_bench.c" "$here/startup/startup.c" "$assets/fw_assets.c" "${objs[@]}" \
    -nostartfiles --specs=nano.specs --specs=nosys.specs -T"$here/ld/mps2_$board.ld" -Wl,--gc-sections \
    -Wl,-Map="jpeg_bench_$cpu.map" -o "jpeg_bench_$cpu.elf"
  echo "$cpu: $("$here/scripts/run_qemu.sh" $board "jpeg_bench_$cpu.elf" 2>&1 | grep JPEG)"
done
