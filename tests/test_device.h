// The device on which the core tests run models, optimizers and batches:
// the environment variable LEDGFN_TEST_DEVICE, "cpu" when unset or empty,
// else any device string LibTorch accepts ("cuda", "cuda:1"). Tests take it
// from the environment because only main() parses flags, and ctest passes
// its environment to every test. A name LibTorch rejects, or a CUDA device
// this LibTorch or machine lacks, stops the test program with a message: a
// suite asked to run on a GPU must not quietly run on the CPU.
#ifndef LEDGFN_TESTS_TEST_DEVICE_H_
#define LEDGFN_TESTS_TEST_DEVICE_H_

#include <torch/torch.h>

#include <cstdio>
#include <cstdlib>
#include <string>

namespace ledgfn {

inline torch::Device TestDevice() {
  static const torch::Device device = [] {
    const char* env = std::getenv("LEDGFN_TEST_DEVICE");
    const std::string name = env == nullptr ? "" : env;
    if (name.empty() || name == "cpu") return torch::Device(torch::kCPU);
    try {
      const torch::Device d(name);
      if (d.is_cuda() && !torch::cuda::is_available()) {
        std::fprintf(stderr, "LEDGFN_TEST_DEVICE=%s but this LibTorch sees no CUDA device\n",
                     name.c_str());
        std::exit(2);
      }
      return d;
    } catch (const c10::Error& e) {
      std::fprintf(stderr, "LEDGFN_TEST_DEVICE=%s: %s\n", name.c_str(),
                   e.what_without_backtrace());
      std::exit(2);
    }
  }();
  return device;
}

}  // namespace ledgfn

#endif  // LEDGFN_TESTS_TEST_DEVICE_H_
