// ConfigureCompute (model/compute_setup.h): OpenBLAS ends up with the
// requested threads, and never on its generic kernels on a CPU that has
// AVX2 (the fallback Debian's OpenBLAS takes on CPUs newer than itself).
#include "model/compute_setup.h"

#include <dlfcn.h>
#include <torch/torch.h>

#include <cstdlib>

#include "gtest/gtest.h"

namespace ledgfn {
namespace {

// Read before any test runs: ConfigureCompute sets the variable itself.
const bool kUserChoseCore = std::getenv("OPENBLAS_CORETYPE") != nullptr;

TEST(ComputeSetupTest, SetsTorchAndOpenBlasThreads) {
  ConfigureCompute(1);
  EXPECT_EQ(torch::get_num_threads(), 1);
  auto get = reinterpret_cast<int (*)()>(dlsym(RTLD_DEFAULT, "openblas_get_num_threads"));
  if (get == nullptr) GTEST_SKIP() << "this LibTorch does not use OpenBLAS";
  EXPECT_EQ(get(), 1);
  ConfigureCompute(2);
  EXPECT_EQ(get(), 2);
  EXPECT_EQ(torch::get_num_threads(), 2);
}

TEST(ComputeSetupTest, NeverLeavesOpenBlasOnGenericKernelsOnAnAvx2Cpu) {
  ConfigureCompute(1);
  if (BlasCoreName().empty()) GTEST_SKIP() << "this LibTorch does not use OpenBLAS";
  if (kUserChoseCore) GTEST_SKIP() << "OPENBLAS_CORETYPE chooses the kernels";
  __builtin_cpu_init();
  if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma")) {
    GTEST_SKIP() << "no AVX2: the generic kernels are the right ones";
  }
  EXPECT_NE(BlasCoreName(), "Prescott");
  // The kernels work: a product computed through them is right.
  torch::Tensor a = torch::arange(12, torch::kFloat).view({3, 4});
  torch::Tensor product = a.mm(a.t());
  EXPECT_FLOAT_EQ(product[2][1].item<float>(), 4 * 8 + 5 * 9 + 6 * 10 + 7 * 11);
}

}  // namespace
}  // namespace ledgfn
