#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz/) with clang, ASan and UBSan into
# build-fuzz/ (-DLEDGFN_FUZZ=ON: torch-free libraries only) and runs each for
# a fixed number of executions, starting from a temporary copy of its seed
# corpus (fuzz/corpus/<target>/; the committed seeds are never modified).
# Exits non-zero on any crash, leak, timeout or sanitizer report. Being
# clang's, the build also runs the thread-safety analysis (CMakeLists.txt)
# over fuzz/, which scripts/sanitize.sh does not build.
#
#   scripts/fuzz.sh            # 100000 runs per target
#   scripts/fuzz.sh 1000000    # more
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-100000}
BUILD_DIR=${BUILD_DIR:-build-fuzz}
TARGETS=(trajectory_fuzzer policy_chunk_fuzzer)
command -v clang++ >/dev/null || scripts/setup.sh >&2  # installs clang

SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
LAUNCHER=()
command -v ccache >/dev/null && LAUNCHER=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
cmake -S . -B "$BUILD_DIR" -G Ninja "${LAUNCHER[@]}" -DLEDGFN_FUZZ=ON \
  -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_FLAGS="-fsanitize=fuzzer-no-link $SAN" \
  -DCMAKE_EXE_LINKER_FLAGS="$SAN" >/dev/null
start=$(date +%s)
cmake --build "$BUILD_DIR" -j "$(nproc)" --target "${TARGETS[@]}"
built=$(date +%s)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export ASAN_OPTIONS="detect_leaks=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
status=0
for target in "${TARGETS[@]}"; do
  result=clean
  mkdir -p "$work/$target"
  cp fuzz/corpus/"$target"/* "$work/$target/"
  t0=$(date +%s)
  # -seed fixes the mutation sequence, so a CI failure reproduces; crash
  # inputs land in $work (printed by libFuzzer) and, on failure, are copied
  # to $BUILD_DIR/crashes/.
  if ! "$BUILD_DIR/fuzz/$target" -runs="$RUNS" -seed=1 -timeout=10 \
      -rss_limit_mb=2048 -max_len=4096 -print_final_stats=1 \
      -artifact_prefix="$work/" "$work/$target" >"$work/$target.log" 2>&1; then
    status=1
    result=FAILED
    tail -n 60 "$work/$target.log" >&2
    mkdir -p "$BUILD_DIR/crashes"
    cp "$work"/crash-* "$work"/leak-* "$work"/timeout-* "$work"/oom-* \
      "$BUILD_DIR/crashes/" 2>/dev/null || true
  fi
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/$target.log")
  echo "fuzz: $target: ${execs:-?} executions in $(( $(date +%s) - t0 )) s" \
    "($result)" >&2
done
echo "fuzz: build $((built - start)) s" >&2
exit "$status"
