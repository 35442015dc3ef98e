#!/usr/bin/env bash
# Builds the project and every test with AddressSanitizer + UBSan (gcc) into
# build-asan/ and runs the whole ctest suite there. Any ASan report, leak or
# UBSan finding fails the test it happens in (UBSan does not recover), so a
# zero exit means the suite is clean.
#
#   scripts/sanitize.sh                 # everything
#   scripts/sanitize.sh -R Replay       # extra arguments go to ctest
#
# -O1 without debug info but with line tables (-g1) keeps the build and the
# suite affordable on 2 cores while reports still name file:line.
# LibTorch, gRPC and protobuf come from Debian uninstrumented: ASan still
# checks every access our code makes; the leak suppressions in
# scripts/lsan.supp cover only those libraries' process-lifetime globals.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build-asan}
[ -d build ] || scripts/setup.sh >&2  # installs the packages the build needs

SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
LAUNCHER=()
command -v ccache >/dev/null && LAUNCHER=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
cmake -S . -B "$BUILD_DIR" -G Ninja "${LAUNCHER[@]}" \
  -DCMAKE_BUILD_TYPE=Sanitize \
  -DCMAKE_CXX_FLAGS_SANITIZE="-O1 -g1 $SAN" \
  -DCMAKE_EXE_LINKER_FLAGS_SANITIZE="$SAN" \
  -DCMAKE_SHARED_LINKER_FLAGS_SANITIZE="$SAN" >/dev/null
start=$(date +%s)
cmake --build "$BUILD_DIR" -j "$(nproc)"
built=$(date +%s)

export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:strict_init_order=1:detect_stack_use_after_return=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export LSAN_OPTIONS="suppressions=$PWD/scripts/lsan.supp:print_suppressions=0${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
cd "$BUILD_DIR"
status=0
ctest --output-on-failure -j "$(nproc)" "$@" || status=$?
done_at=$(date +%s)
echo "sanitize: build $((built - start)) s, tests $((done_at - built)) s" >&2
exit "$status"
