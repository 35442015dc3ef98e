#!/usr/bin/env bash
# Builds the project and every test with AddressSanitizer + UBSan (clang)
# into build-asan/ and runs the whole ctest suite there. Any ASan report, leak
# or UBSan finding fails the test it happens in (UBSan does not recover), so a
# zero exit means the suite is clean. The same build is clang's thread-safety
# analysis: -Werror=thread-safety fails it on any code that breaks its
# ABSL_GUARDED_BY / ABSL_*_LOCKS_REQUIRED annotations.
#
#   scripts/sanitize.sh                 # everything
#   scripts/sanitize.sh -R Replay       # extra arguments go to ctest
#
# clang, not gcc, because the thread-safety analysis (CMakeLists.txt) comes
# with clang: this build checks every annotation in the tree at no extra
# cost, and clang compiles it with about a quarter less CPU time than gcc (a
# separate clang pass, even syntax-only, would add 40% of a build; measured in
# docs/hardening.md). gcc still builds and tests everything in scripts/test.sh.
# -O1 without debug info but with line tables (-g1) keeps the build and the
# suite affordable on 2 cores while reports still name file:line.
# LibTorch, gRPC and protobuf come from Debian uninstrumented: ASan still
# checks every access our code makes; the leak suppressions in
# scripts/lsan.supp cover only those libraries' process-lifetime globals.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build-asan}
# setup.sh installs the packages the build needs, clang among them.
[ -d build ] && command -v clang++ >/dev/null || scripts/setup.sh >&2

SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
LAUNCHER=()
command -v ccache >/dev/null && LAUNCHER=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
# A tree configured by the gcc version of this script: start it afresh.
if [ -f "$BUILD_DIR/CMakeCache.txt" ] &&
    ! grep -q '^CMAKE_CXX_COMPILER:[A-Z]*=.*clang' "$BUILD_DIR/CMakeCache.txt"; then
  rm -rf "$BUILD_DIR"
fi
cmake -S . -B "$BUILD_DIR" -G Ninja "${LAUNCHER[@]}" \
  -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=Sanitize \
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
