#!/usr/bin/env bash
# Fetches, on a Debian 12 machine with network, the Debian packages that
# scripts/gpu-check.sh needs on a machine without Debian -dev packages and
# without network (docs/gpu.md):
#
#   scripts/gpu-deps.sh [--dest=DIR]
#
# apt-get download puts the .deb files of GoogleTest and GoogleMock, abseil
# (headers and shared libraries), Google Benchmark and nlohmann-json (the
# molecule vocabulary's reader) into DIR (default
# .gpu-deps/, ignored by git: carry it with the working tree), with their
# SHA256SUMS. gpu-check.sh unpacks them with `dpkg -x` into a local prefix.
# The files are Debian 12 (bookworm) amd64 builds: they need glibc >= 2.36
# and a LibTorch built with the C++11 libstdc++ ABI.
set -euo pipefail
cd "$(dirname "$0")/.."

DEST=.gpu-deps
# The core's build dependencies besides LibTorch, and the runtime libraries
# of the -dev packages that only ship links.
PACKAGES=(libgtest-dev libgmock-dev libabsl-dev libabsl20220623
          libbenchmark-dev libbenchmark1debian nlohmann-json3-dev)
for arg in "$@"; do
  case "$arg" in
    --dest=*) DEST="${arg#--dest=}" ;;
    -h|--help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "gpu-deps.sh: unknown argument '$arg' (see --help)" >&2; exit 2 ;;
  esac
done
command -v apt-get >/dev/null || { echo "gpu-deps.sh: needs apt-get (Debian 12)" >&2; exit 1; }

mkdir -p "$DEST"
rm -f "$DEST"/*.deb "$DEST"/SHA256SUMS
(cd "$DEST" && apt-get download "${PACKAGES[@]}" 2>&1 | grep -v '^W: Download is performed unsandboxed' || true)
for p in "${PACKAGES[@]}"; do
  compgen -G "$DEST/${p}_*.deb" >/dev/null ||
    { echo "gpu-deps.sh: $p was not downloaded (apt-get update?)" >&2; exit 1; }
done
(cd "$DEST" && sha256sum ./*.deb > SHA256SUMS)
ls -l "$DEST"
echo "gpu-deps.sh: $(du -sh "$DEST" | cut -f1) in $DEST"
