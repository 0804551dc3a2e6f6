#!/usr/bin/env bash
# Installs what LimitNet needs to build, test and run its demo on Debian 12, from Debian's
# own packages. Idempotent: packages already present are not touched, and apt is not
# called at all when nothing is missing. Uses sudo when not run as root.
set -euo pipefail

packages=(
  # toolchain and test frameworks
  build-essential cmake pkg-config libgtest-dev libgmock-dev libbenchmark-dev
  # CLI and JSON
  libcli11-dev nlohmann-json3-dev
  # images: JPEG (libjpeg-turbo), PNG, zlib (IDX .gz files)
  libjpeg62-turbo-dev libturbojpeg0-dev libpng-dev zlib1g-dev libwebp-dev
  # the embedded default dataset for the demo and tests
  dataset-fashion-mnist
  # training, cloud inference, evaluation (libtorch, CPU BLAS) and the saliency teachers
  libtorch-dev libopenblas0-pthread libopencv-contrib-dev
  # only for one test that exports a TorchScript classifier (~17 MB without recommends)
  python3-torch
  # receiver service (limitnet serve): MQTT client, SQLite, HTTP, HMAC; broker and headless
  # browser for its tests
  libmosquitto-dev libsqlite3-dev libcpp-httplib-dev libssl-dev mosquitto chromium
  # firmware: Cortex-M cross compiler, newlib, QEMU (mps2-an500 / mps2-an505) for its test
  # (C++ headers for the target; the firmware links without libstdc++)
  gcc-arm-none-eabi libnewlib-arm-none-eabi libstdc++-arm-none-eabi-dev qemu-system-arm
)
# Extra groups on request, e.g. LIMITNET_DEPS_EXTRA="clang libclang-rt-14-dev" for fuzzing.
if [ -n "${LIMITNET_DEPS_EXTRA:-}" ]; then
  read -r -a extra <<<"$LIMITNET_DEPS_EXTRA"
  packages+=("${extra[@]}")
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "install-deps: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  sudo="sudo"
fi
echo "install-deps: installing ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
