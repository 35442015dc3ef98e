#include "model/flat_weights.h"

#include <cstring>

#include "absl/strings/str_format.h"

namespace ledgfn {

std::vector<float> FlattenParameters(torch::nn::Module& module) {
  std::vector<torch::Tensor> parts;
  for (const auto& p : module.parameters()) {
    parts.push_back(p.detach().to(torch::kFloat).reshape({-1}));
  }
  if (parts.empty()) return {};
  // Concatenated where the parameters live, then one copy to the host (one
  // transfer, one wait, when they are on a GPU).
  const torch::Tensor cpu = torch::cat(parts).to(torch::kCPU).contiguous();
  const float* data = cpu.data_ptr<float>();
  return std::vector<float>(data, data + cpu.numel());
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
