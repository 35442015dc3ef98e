#include "learner/grad_clip.h"

namespace ledgfn {

void ClipGradNorm(const std::vector<torch::Tensor>& params, double max_norm) {
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> grads;
  for (const auto& p : params) {
    if (p.grad().defined()) grads.push_back(p.grad());
  }
  if (grads.empty()) return;
  // As LibTorch computes it: per-tensor norms, then the norm of those.
  std::vector<torch::Tensor> norms;
  norms.reserve(grads.size());
  for (const auto& g : grads) norms.push_back(g.norm(2));
  const torch::Tensor total =
      norms.size() == 1 ? norms[0] : torch::stack(norms).norm(2);
  // clamp_max is LibTorch's clamp(nullopt, 1.0), spelled the same in every
  // LibTorch version (c10::nullopt is not).
  const torch::Tensor coef = torch::clamp_max(max_norm / (total + 1e-6), 1.0);
  for (auto& g : grads) g.mul_(coef);
}

}  // namespace ledgfn
