// The numeric libraries' set-up for this process: which BLAS kernels run and
// on how many threads. Every program calls ConfigureCompute once, early in
// main(), before any tensor work.
//
// Threads: torch::set_num_threads limits LibTorch's intra-op pool but not the
// BLAS library's own. Debian's LibTorch calls OpenBLAS (the pthread build),
// which starts one thread per core for every large enough GEMM, and those
// threads spin between calls; with actor processes and a learner sharing a
// machine they steal cores from the processes doing real work. So both are
// limited. Other BLAS builds (e.g. MKL in a CUDA LibTorch) follow
// torch::set_num_threads alone.
//
// Kernels: OpenBLAS picks its GEMM kernels by CPU model at load time, and a
// model newer than the library (e.g. Emerald Rapids, model 207, with Debian
// 12's OpenBLAS 0.3.21) gets the generic "Prescott" SSE3 kernels, about 5x
// slower than the AVX2/AVX-512 ones the CPU runs (docs/performance.md). When
// that fallback happened and the user has not chosen a core with
// OPENBLAS_CORETYPE, the kernels are re-selected from the CPU's features
// (AVX-512 -> SkylakeX, AVX2+FMA -> Haswell) through OpenBLAS's documented
// OPENBLAS_CORETYPE override and its dynamic-arch initialiser.
#ifndef LEDGFN_MODEL_COMPUTE_SETUP_H_
#define LEDGFN_MODEL_COMPUTE_SETUP_H_

#include <string>

namespace ledgfn {

// Sets the threads of LibTorch and OpenBLAS to `threads` (>= 1; the caller
// validates) and re-selects OpenBLAS's kernels if it fell back to generic
// ones (silently: BlasCoreName() tells which run).
void ConfigureCompute(int threads);

// The OpenBLAS core whose kernels run, e.g. "SkylakeX"; "" when the process
// does not use OpenBLAS.
std::string BlasCoreName();

}  // namespace ledgfn

#endif  // LEDGFN_MODEL_COMPUTE_SETUP_H_
