#include "model/compute_setup.h"

#include <dlfcn.h>
#include <strings.h>
#include <torch/torch.h>

#include <cstdlib>


namespace ledgfn {
namespace {

// OpenBLAS entry points, looked up at run time: they exist only when the
// process loaded OpenBLAS.
template <typename Fn>
Fn OpenBlasFunction(const char* name) {
  return reinterpret_cast<Fn>(dlsym(RTLD_DEFAULT, name));
}

// The best OpenBLAS core this CPU runs, or nullptr for none better than the
// generic one.
const char* BestCoreForCpu() {
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
      __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq")) {
    return "SkylakeX";
  }
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
    return "Haswell";
  }
  return nullptr;
}

void ReselectKernelsIfGeneric() {
  if (strcasecmp(BlasCoreName().c_str(), "Prescott") != 0) return;
  if (std::getenv("OPENBLAS_CORETYPE") != nullptr) return;  // the user's choice
  const char* best = BestCoreForCpu();
  auto quit = OpenBlasFunction<void (*)()>("gotoblas_dynamic_quit");
  auto init = OpenBlasFunction<void (*)()>("gotoblas_dynamic_init");
  if (best == nullptr || quit == nullptr || init == nullptr) return;
  // gotoblas_dynamic_init reads the override, as it did at load time.
  setenv("OPENBLAS_CORETYPE", best, /*overwrite=*/0);
  quit();
  init();
}

}  // namespace

std::string BlasCoreName() {
  auto corename = OpenBlasFunction<char* (*)()>("openblas_get_corename");
  return corename == nullptr ? "" : std::string(corename());
}

void ConfigureCompute(int threads) {
  ReselectKernelsIfGeneric();
  torch::set_num_threads(threads);
  if (auto set = OpenBlasFunction<void (*)(int)>("openblas_set_num_threads")) {
    set(threads);
  }
}

}  // namespace ledgfn
