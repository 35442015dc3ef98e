#!/usr/bin/env bash
# Installs the Debian 12 packages ledgfn needs (skipped when already present)
# and builds it in Release mode with every core. Idempotent and quick on a
# machine that is already set up.
#   scripts/setup.sh            # build everything (programs, tests, benchmarks) into ./build
#   scripts/setup.sh ledgfn     # build only these targets (scripts/train.sh)
#   BUILD_DIR=out scripts/setup.sh
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build}

PACKAGES=(
  build-essential cmake ninja-build
  libtorch-dev libopenblas0-pthread
  libabsl-dev libgtest-dev libgmock-dev libbenchmark-dev libgoogle-glog-dev
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev prometheus-cpp-dev
  libcpp-httplib-dev pkgconf  # the /metrics server (found with pkg-config)
  librdkit-dev libboost-dev nlohmann-json3-dev  # the molecule task: chem/ (RDKit headers need boost), fragment vocabulary
  autodock-vina libopenbabel-dev libopenbabel7  # the docking oracle (oracle/): the vina program, ligand PDBQT
  zlib1g-dev gnuplot-nox python3 python3-yaml openssl
  clang libclang-rt-14-dev  # scripts/fuzz.sh, scripts/sanitize.sh: clang, its sanitizers, libFuzzer
  ccache  # every build shares one compiler cache (the sanitizer and fuzz builds too)
)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}" >&2
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

LAUNCHER=()
command -v ccache >/dev/null && LAUNCHER=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
cmake -S . -B "$BUILD_DIR" -G Ninja "${LAUNCHER[@]}" -DCMAKE_BUILD_TYPE=Release >/dev/null
TARGETS=()
for t in "$@"; do TARGETS+=(--target "$t"); done
cmake --build "$BUILD_DIR" -j "$(nproc)" "${TARGETS[@]}"
