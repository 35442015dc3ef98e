#include "common/model/flat_weights.h"

#include <cstring>

#include "absl/strings/str_format.h"

namespace ledgfn {

std::vector<float> FlattenParameters(torch::nn::Module& module) {
  std::vector<float> flat;
  for (const auto& p : module.parameters()) {
    torch::Tensor cpu = p.detach().to(torch::kCPU, torch::kFloat).contiguous();
    const float* data = cpu.data_ptr<float>();
    flat.insert(flat.end(), data, data + cpu.numel());
  }
  return flat;
}

absl::Status LoadFlatParameters(torch::nn::Module& module,
                                absl::Span<const float> flat) {
  size_t total = 0;
  auto params = module.parameters();
  for (const auto& p : params) total += p.numel();
  if (total != flat.size()) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "weights have %d values, the model expects %d", flat.size(), total));
  }
  torch::NoGradGuard no_grad;
  size_t offset = 0;
  for (auto& p : params) {
    torch::Tensor src =
        torch::from_blob(const_cast<float*>(flat.data() + offset), p.sizes(),
                         torch::kFloat);
    p.copy_(src);
    offset += p.numel();
  }
  return absl::OkStatus();
}

}  // namespace ledgfn
