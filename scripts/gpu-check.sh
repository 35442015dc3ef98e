#!/usr/bin/env bash
# The GPU check of issue #7 (docs/gpu.md), for a machine with an NVIDIA GPU
# and PyTorch but no Debian -dev packages and no network:
#
#   scripts/gpu-check.sh [--python=PY] [--torch-prefix=DIR] [--build=DIR]
#                        [--jobs=N] [--cpu-threads=N] [--cpu-only]
#
#  1. unpacks the .deb files of .gpu-deps/ (GoogleTest, abseil, Google
#     Benchmark; fetched beforehand by scripts/gpu-deps.sh on a Debian 12
#     machine and carried with the working tree) with `dpkg -x` into
#     BUILD/deps;
#  2. configures and builds the core (-DLEDGFN_WITH_SERVICES=OFF, without RDKit:
#     -DLEDGFN_WITH_CHEMISTRY=OFF) in BUILD
#     (default build-gpu) against the LibTorch of that PyTorch
#     (torch.utils.cmake_prefix_path of --python, default python3, or
#     --torch-prefix) and the unpacked prefix;
#  3. runs the core tests with LEDGFN_TEST_DEVICE=cuda;
#  4. runs the learner micro-benchmark (bench/learner_step_bench
#     --batch_sweep) on the CPU (--cpu-threads, default every core) and on
#     CUDA, and prints a table of the round time per objective at batch 32,
#     256 and 4096, 2x256 networks, also written to BUILD/gpu-table.md.
# --jobs (default every core) is for the build and the tests. --cpu-only
# rehearses it all without a GPU (tests and benchmark on the CPU only).
# Expected to take 5-6 minutes on 16 cores (an estimate: it has not run on
# a GPU machine yet); exits non-zero at the first failing step, with the
# log to read.
set -euo pipefail
cd "$(dirname "$0")/.."

PY=python3
TORCH_PREFIX=
BUILD=build-gpu
JOBS=$(nproc)
CPU_THREADS=$(nproc)
CPU_ONLY=0
for arg in "$@"; do
  case "$arg" in
    --python=*) PY="${arg#--python=}" ;;
    --torch-prefix=*) TORCH_PREFIX="${arg#--torch-prefix=}" ;;
    --build=*) BUILD="${arg#--build=}" ;;
    --jobs=*) JOBS="${arg#--jobs=}" ;;
    --cpu-threads=*) CPU_THREADS="${arg#--cpu-threads=}" ;;
    --cpu-only) CPU_ONLY=1 ;;
    -h|--help) sed -n '2,25p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "gpu-check.sh: unknown argument '$arg' (see --help)" >&2; exit 2 ;;
  esac
done
fail() { echo "gpu-check.sh: FAILED: $*" >&2; exit 1; }
step() { echo; echo "== $(date -u +%H:%M:%S) $*"; }
start=$(date +%s)
DEPS_DEBS=.gpu-deps

# 0. What this machine has.
step "checking the machine"
for tool in cmake ninja c++; do
  command -v "$tool" >/dev/null || fail "$tool not found"
done
if [[ -z $TORCH_PREFIX ]]; then
  "$PY" -c 'import torch' 2>/dev/null ||
    fail "$PY cannot import torch (give --python=... or --torch-prefix=...)"
  TORCH_PREFIX=$("$PY" -c 'import torch; print(torch.utils.cmake_prefix_path)')
  "$PY" -c 'import torch; print("PyTorch", torch.__version__, "CUDA", torch.version.cuda,
"available" if torch.cuda.is_available() else "NOT available",
torch.cuda.get_device_name(0) if torch.cuda.is_available() else "")'
  if [[ $("$PY" -c 'import torch; print(int(torch._C._GLIBCXX_USE_CXX11_ABI))') != 1 ]]; then
    fail "this PyTorch uses the pre-C++11 libstdc++ ABI; the Debian abseil and GoogleTest \
of .gpu-deps cannot link with it (PyTorch >= 2.7 wheels use the C++11 ABI)"
  fi
fi
echo "LibTorch prefix: $TORCH_PREFIX"
if [[ $CPU_ONLY == 0 ]]; then
  command -v nvidia-smi >/dev/null && nvidia-smi -L
  # PyTorch's CMake files look for the CUDA toolkit (nvcc).
  if ! command -v nvcc >/dev/null && [[ -x /usr/local/cuda/bin/nvcc ]]; then
    export PATH=/usr/local/cuda/bin:$PATH
  fi
  command -v nvcc >/dev/null || fail "nvcc not found (PyTorch's CMake files need the CUDA toolkit)"
  nvcc --version | tail -2
fi

# 1. The Debian packages, unpacked.
step "unpacking $DEPS_DEBS into $BUILD/deps"
compgen -G "$DEPS_DEBS/*.deb" >/dev/null ||
  fail "no .deb files in $DEPS_DEBS: run scripts/gpu-deps.sh on a Debian 12 machine and carry $DEPS_DEBS"
(cd "$DEPS_DEBS" && sha256sum --quiet -c SHA256SUMS) || fail "$DEPS_DEBS/SHA256SUMS does not match"
DEPS=$(realpath -m "$BUILD")/deps
rm -rf "$DEPS"
mkdir -p "$DEPS"
for deb in "$DEPS_DEBS"/*.deb; do
  if command -v dpkg >/dev/null; then
    dpkg -x "$deb" "$DEPS"
  else  # a .deb is an ar archive; its files are in data.tar.*
    data=$(ar t "$deb" | grep '^data\.tar')
    ar p "$deb" "$data" | tar -x -a -f - -C "$DEPS" 2>/dev/null ||
      ar p "$deb" "$data" | tar -xJ -C "$DEPS"
  fi
done
ARCH_LIB=$DEPS/usr/lib/x86_64-linux-gnu
for pkg in absl GTest benchmark; do
  [[ -d $ARCH_LIB/cmake/$pkg ]] || fail "$ARCH_LIB/cmake/$pkg missing after unpacking"
done
export LD_LIBRARY_PATH=$ARCH_LIB${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}

# 2. Configure and build the core.
step "configuring $BUILD"
cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DLEDGFN_WITH_SERVICES=OFF \
  -DLEDGFN_WITH_CHEMISTRY=OFF -DCMAKE_PREFIX_PATH="$TORCH_PREFIX;$DEPS/usr" \
  -Dabsl_DIR="$ARCH_LIB/cmake/absl" -DGTest_DIR="$ARCH_LIB/cmake/GTest" \
  -Dbenchmark_DIR="$ARCH_LIB/cmake/benchmark" >"$BUILD/configure.log" 2>&1 ||
  { tail -30 "$BUILD/configure.log"; fail "configure (log: $BUILD/configure.log)"; }
grep -E 'LibTorch|C\+\+20|CUDA detected|Found CUDA' "$BUILD/configure.log" || true
step "building with -j$JOBS"
t0=$(date +%s)
ninja -C "$BUILD" -j"$JOBS" >"$BUILD/build.log" 2>&1 ||
  { grep -m5 -B2 -A8 'error' "$BUILD/build.log" || tail -30 "$BUILD/build.log"
    fail "build (log: $BUILD/build.log)"; }
echo "built in $(( $(date +%s) - t0 )) s"

# 3. The core tests on the GPU.
DEVICE=cuda
devices=(cpu cuda)
if [[ $CPU_ONLY == 1 ]]; then DEVICE=cpu; devices=(cpu); fi
step "ctest with LEDGFN_TEST_DEVICE=$DEVICE"
t0=$(date +%s)
(cd "$BUILD" && LEDGFN_TEST_DEVICE=$DEVICE ctest -j"$JOBS" --timeout 300 --output-on-failure) \
  >"$BUILD/ctest.log" 2>&1 ||
  { grep -E 'Failed|\*\*\*' "$BUILD/ctest.log" | tail -20; tail -5 "$BUILD/ctest.log"
    fail "tests (log: $BUILD/ctest.log)"; }
grep -E 'tests passed' "$BUILD/ctest.log"
echo "tests ran in $(( $(date +%s) - t0 )) s"

# 4. The learner micro-benchmark, CPU and CUDA.
BENCH=("$BUILD/bench/learner_step_bench" --batch_sweep
       '--benchmark_filter=^BM_Round/[0-9]+/[0-9]+/256/' --benchmark_min_time=0.2)
outputs=()
for d in "${devices[@]}"; do
  outputs+=("$BUILD/bench-$d.txt")
  step "learner_step_bench --device=$d"
  t0=$(date +%s)
  threads=1  # the CPU run gets every core, the CUDA run a host thread
  if [[ $d == cpu ]]; then threads=$CPU_THREADS; fi
  timeout 240 "${BENCH[@]}" --device="$d" --threads="$threads" \
    >"$BUILD/bench-$d.txt" 2>"$BUILD/bench-$d.err" ||
    { tail -5 "$BUILD/bench-$d.err"; fail "benchmark on $d (log: $BUILD/bench-$d.err)"; }
  echo "done in $(( $(date +%s) - t0 )) s"
done

# The table: one row per objective and batch, from the SUMMARY lines.
step "learner round time, bag, 2x256 networks (policy batch = batch fresh + batch replayed)"
{
  if [[ $CPU_ONLY == 0 ]]; then
    echo "| objective | batch | CPU ($CPU_THREADS threads) ms | CUDA ms | CPU / CUDA |"
    echo "|---|---|---|---|---|"
  else
    echo "| objective | batch | CPU ($CPU_THREADS threads) ms |"
    echo "|---|---|---|"
  fi
  awk -F'\t' -v cpu_only="$CPU_ONLY" '
    FNR == 1 { file++ }
    $1 == "SUMMARY" && $2 ~ /^round ms, / {
      if (file == 1) { order[++n] = $2; cpu[$2] = $3 } else { gpu[$2] = $3 }
    }
    END {
      for (i = 1; i <= n; i++) {
        split(order[i], f, ", ")
        sub(/^batch /, "", f[3])
        row = sprintf("| %s | %s | %.2f |", f[2], f[3], cpu[order[i]])
        if (!cpu_only) {
          ratio = gpu[order[i]] > 0 ? sprintf("%.1fx", cpu[order[i]] / gpu[order[i]]) : "-"
          row = row sprintf(" %.2f | %s |", gpu[order[i]], ratio)
        }
        print row
      }
    }' "${outputs[@]}"
} | tee "$BUILD/gpu-table.md"
echo
echo "gpu-check.sh: OK in $(( $(date +%s) - start )) s (table: $BUILD/gpu-table.md)"
