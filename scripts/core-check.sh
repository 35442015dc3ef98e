#!/usr/bin/env bash
# Builds and tests the core against a second LibTorch given by
# CMAKE_PREFIX_PATH, without the services (issue #7, docs/gpu.md):
#
#   scripts/core-check.sh [--copy=DIR] [--build=DIR] [--jobs=N] [--ccache]
#
#  1. copies Debian's LibTorch (every file the libtorch-dev and libtorch
#     runtime packages install under /usr, /usr/share left out) to
#     DIR/usr (default /tmp/ledgfn-libtorch-copy; kept between runs);
#  2. configures a fresh build in --build (default build-core) with
#     -DLEDGFN_WITH_SERVICES=OFF -DCMAKE_PREFIX_PATH=DIR/usr and builds it
#     from cold (no ccache unless --ccache), printing how long that took;
#  3. shows that the copy is the LibTorch in use (Torch_DIR in CMakeCache,
#     the libtorch that ldd resolves for a test) and that gRPC, protobuf's
#     gRPC side and prometheus-cpp are absent (no gRPC_DIR or
#     prometheus-cpp_DIR in CMakeCache, no libgrpc or libprometheus in ldd);
#     Debian's libtorch_cpu itself links libprotobuf, the only protobuf there;
#  4. runs every test of that build (ctest).
# Exits non-zero at the first check that fails. Needs the Debian packages of
# scripts/setup.sh (it does not install them). Run it under `nice` on a
# shared machine.
set -euo pipefail
cd "$(dirname "$0")/.."

COPY=/tmp/ledgfn-libtorch-copy
BUILD=build-core
JOBS=2
LAUNCHER=()
for arg in "$@"; do
  case "$arg" in
    --copy=*) COPY="${arg#--copy=}" ;;
    --build=*) BUILD="${arg#--build=}" ;;
    --jobs=*) JOBS="${arg#--jobs=}" ;;
    --ccache) LAUNCHER=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache) ;;
    -h|--help) sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "core-check.sh: unknown argument '$arg' (see --help)" >&2; exit 2 ;;
  esac
done
fail() { echo "core-check.sh: FAILED: $*" >&2; exit 1; }
step() { echo; echo "== $*"; }

# 1. The copy.
config=/usr/lib/x86_64-linux-gnu/cmake/Torch/TorchConfig.cmake
[[ -f $config ]] || fail "no Debian LibTorch ($config); run scripts/setup.sh"
libtorch=$(readlink -f /usr/lib/x86_64-linux-gnu/libtorch.so)
packages=$(dpkg -S "$config" "$libtorch" | cut -d: -f1 | sort -u)
step "copying LibTorch ($(echo $packages)) to $COPY/usr"
if [[ ! -f $COPY/.complete ]]; then
  rm -rf "$COPY"
  mkdir -p "$COPY"
  # Files and links as the packages list them (directories come along).
  for p in $packages; do dpkg -L "$p"; done | grep '^/usr/' | grep -v '^/usr/share/' |
    while read -r f; do if [[ -f $f || -L $f ]]; then echo "${f#/}"; fi; done |
    tar -C / --no-recursion -cf - -T - | tar -C "$COPY" -xf -
  touch "$COPY/.complete"
fi
echo "$(du -sh "$COPY" | cut -f1) in $COPY"

# 2. A cold build of the core against it.
step "configuring $BUILD: -DLEDGFN_WITH_SERVICES=OFF -DCMAKE_PREFIX_PATH=$COPY/usr"
rm -rf "$BUILD"
mkdir -p "$BUILD"
cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DLEDGFN_WITH_SERVICES=OFF \
  -DCMAKE_PREFIX_PATH="$COPY/usr" "${LAUNCHER[@]}" >"$BUILD/configure.log" 2>&1 ||
  { tail -20 "$BUILD/configure.log"; fail "configure (log: $BUILD/configure.log)"; }
step "building with -j$JOBS ${LAUNCHER[*]:-(no ccache)}"
t0=$(date +%s)
ninja -C "$BUILD" -j"$JOBS" >"$BUILD/build.log" 2>&1 ||
  { tail -30 "$BUILD/build.log"; fail "build (log: $BUILD/build.log)"; }
echo "built $(grep -c 'Building CXX' "$BUILD/build.log") translation units in $(( $(date +%s) - t0 )) s"

# 3. Which LibTorch, and nothing of the services.
step "the LibTorch in use"
torch_dir=$(sed -n 's/^Torch_DIR:PATH=//p' "$BUILD/CMakeCache.txt")
echo "CMakeCache: Torch_DIR=$torch_dir"
[[ $torch_dir == "$COPY"/* ]] || fail "Torch_DIR is not inside $COPY"
test_bin="$BUILD/tests/learner_test"
ldd "$test_bin" | grep -E 'libtorch|libc10' | sed 's/^\s*/ldd learner_test: /'
ldd "$test_bin" | grep -E 'libtorch(_cpu)?\.so' | grep -qv "$COPY" &&
  fail "learner_test loads a libtorch outside $COPY"
step "no gRPC, no prometheus-cpp"
if grep -E '^(gRPC|prometheus-cpp)_DIR:' "$BUILD/CMakeCache.txt"; then
  fail "CMakeCache names gRPC or prometheus-cpp"
fi
echo "CMakeCache: no gRPC_DIR, no prometheus-cpp_DIR"
for bin in "$test_bin" "$BUILD/launcher/ledgfn" "$BUILD/bench/learner_step_bench"; do
  if ldd "$bin" | grep -E 'libgrpc|libprometheus'; then fail "$bin links gRPC or prometheus"; fi
done
echo "ldd learner_test, ledgfn, learner_step_bench: no libgrpc, no libprometheus"
echo "libprotobuf only through Debian's libtorch_cpu: $(ldd "$COPY$libtorch" |
  grep -o 'libprotobuf[^ ]*' | head -1)"
[[ ! -e $BUILD/proto ]] || fail "$BUILD/proto exists: the services were configured"

# 4. The tests.
step "ctest"
t0=$(date +%s)
(cd "$BUILD" && ctest -j"$JOBS" --output-on-failure) >"$BUILD/ctest.log" 2>&1 ||
  { tail -40 "$BUILD/ctest.log"; fail "tests (log: $BUILD/ctest.log)"; }
grep -E 'tests passed|Total Test time' "$BUILD/ctest.log"
echo "tests ran in $(( $(date +%s) - t0 )) s"
echo
echo "core-check.sh: OK"
