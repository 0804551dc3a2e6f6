#!/usr/bin/env bash
# Packs the build libraries of a training-only build (docs/TRAINING.md, "GPU") from this
# Debian 12 machine into one tarball, for a GPU machine that has a compiler, CMake and a CUDA
# PyTorch but not these -dev packages and no way to install them (no registry reachable).
#
#   bench/gpu/stage-build-deps.sh .gpu/deps.tar.xz      # here, after scripts/install-deps.sh
#   tar -C /tmp -xJf deps.tar.xz && . /tmp/limitnet-deps/env.sh   # there; then cmake with
#   -DCMAKE_PREFIX_PATH="$LIMITNET_DEPS" $LIMITNET_DEPS_CMAKE_FLAGS
#
# Holds headers, link-time libraries and pkg-config files of OpenCV core/imgproc/saliency,
# libjpeg-turbo, libwebp, libpng, nlohmann-json, CLI11, and the runtime libraries they need
# beyond glibc, libstdc++ and zlib (which every Linux has); pkgconf, for machines without
# pkg-config. The unpacked tree works from /tmp/limitnet-deps only (env.sh rewrites the .pc
# files to that place). About 13 MB.
set -euo pipefail
out=${1:?usage: stage-build-deps.sh OUT.tar.xz}
lib=/usr/lib/x86_64-linux-gnu
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
p=$stage/limitnet-deps
mkdir -p "$p/include" "$p/lib/pkgconfig" "$p/share/cmake" "$p/bin"

# Headers.
cp -a /usr/include/opencv4 /usr/include/webp /usr/include/libpng16 /usr/include/CLI /usr/include/nlohmann "$p/include/"
for h in turbojpeg.h jpeglib.h jmorecfg.h jerror.h png.h pngconf.h pnglibconf.h zlib.h zconf.h; do
  cp -a "/usr/include/$h" "$p/include/"
done
cp -a /usr/include/x86_64-linux-gnu/jconfig.h "$p/include/"
cp -a /usr/share/cmake/CLI11 /usr/share/cmake/nlohmann_json "$p/share/cmake/"

# Libraries, each under its soname; LINK names a link-time symlink (libX.so) to it.
copy_lib() {  # FILE [LINK]
  local real soname
  real=$(readlink -f "$1")
  soname=$(objdump -p "$real" | awk '/SONAME/ {print $2}')
  [ -e "$p/lib/$soname" ] || cp "$real" "$p/lib/$soname"
  if [ -n "${2:-}" ]; then ln -sf "$soname" "$p/lib/$2"; fi
}
linked=(opencv_core opencv_imgproc opencv_saliency turbojpeg jpeg webp png16)
files=()
for n in "${linked[@]}"; do
  files+=("$lib/lib$n.so")
  copy_lib "$lib/lib$n.so" "lib$n.so"
done
ln -sf libpng16.so "$p/lib/libpng.so"
for dep in $(ldd "${files[@]}" | awk '/=>/ {print $3}' | sort -u); do
  case $(basename "$dep") in
    libc.so* | libm.so* | libstdc++* | libgcc_s* | libz.so* | libpthread* | libdl.so* | librt.so* | ld-linux*) ;;
    *) copy_lib "$dep" ;;
  esac
done
# zlib: link-time only, under a name the loader never asks for (the system's libz.so.1 runs).
cp "$(readlink -f $lib/libz.so)" "$p/lib/libz-link.so"
ln -sf libz-link.so "$p/lib/libz.so"
for pc in libjpeg libturbojpeg libwebp libpng libpng16 zlib; do
  sed -e 's#^prefix=.*#prefix=/tmp/limitnet-deps#' -e 's#^libdir=.*#libdir=${prefix}/lib#' \
    -e 's#^includedir=.*#includedir=${prefix}/include#' "$lib/pkgconfig/$pc.pc" >"$p/lib/pkgconfig/$pc.pc"
done
cp /usr/bin/pkgconf "$p/bin/pkgconf.bin"
copy_lib "$lib/libpkgconf.so.3"
cat >"$p/bin/pkg-config" <<'WRAP'
#!/bin/sh
LD_LIBRARY_PATH=/tmp/limitnet-deps/lib exec /tmp/limitnet-deps/bin/pkgconf.bin "$@"
WRAP
chmod +x "$p/bin/pkg-config"
cat >"$p/env.sh" <<'ENV'
# Sourced on the GPU machine after `tar -C /tmp -xJf deps.tar.xz`.
export LIMITNET_DEPS=/tmp/limitnet-deps
export PKG_CONFIG_PATH=$LIMITNET_DEPS/lib/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}
command -v pkg-config >/dev/null || export PATH=$PATH:$LIMITNET_DEPS/bin
# DT_RPATH (not RUNPATH) so that the staged libraries' own dependencies are found too.
export LIMITNET_DEPS_CMAKE_FLAGS="-DCMAKE_EXE_LINKER_FLAGS=-Wl,--disable-new-dtags,-rpath,$LIMITNET_DEPS/lib"
ENV
mkdir -p "$(dirname "$out")"
tar -C "$stage" -cf - limitnet-deps | xz -T0 -6 >"$out"
echo "stage-build-deps: $out, $(du -h "$out" | cut -f1)"
