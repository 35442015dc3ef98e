#include "common/model/compute_setup.h"

#include <dlfcn.h>
#include <strings.h>
#include <torch/torch.h>

#include <cstdlib>

#include "absl/strings/str_cat.h"

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

std::string ReselectKernelsIfGeneric() {
  const std::string detected = BlasCoreName();
  if (strcasecmp(detected.c_str(), "Prescott") != 0) return "";
  if (std::getenv("OPENBLAS_CORETYPE") != nullptr) return "";  // the user's choice
  const char* best = BestCoreForCpu();
  auto quit = OpenBlasFunction<void (*)()>("gotoblas_dynamic_quit");
  auto init = OpenBlasFunction<void (*)()>("gotoblas_dynamic_init");
  if (best == nullptr || quit == nullptr || init == nullptr) return "";
  setenv("OPENBLAS_CORETYPE", best, /*overwrite=*/0);
  quit();
  init();
  return absl::StrCat("OpenBLAS did not recognise this CPU and chose its generic ",
                      detected, " kernels; using its ", BlasCoreName(),
                      " kernels instead (set OPENBLAS_CORETYPE to choose)");
}

}  // namespace

std::string BlasCoreName() {
  auto corename = OpenBlasFunction<char* (*)()>("openblas_get_corename");
  return corename == nullptr ? "" : std::string(corename());
}

std::string ConfigureCompute(int threads) {
  std::string note = ReselectKernelsIfGeneric();
  torch::set_num_threads(threads);
  if (auto set = OpenBlasFunction<void (*)(int)>("openblas_set_num_threads")) {
    set(threads);
  }
  return note;
}

}  // namespace ledgfn
