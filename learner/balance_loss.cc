#include "learner/balance_loss.h"

#include <cmath>
#include <limits>

namespace ledgfn {

torch::Tensor SpanResiduals(const torch::Tensor& log_flow,
                            const torch::Tensor& transition_terms) {
  const int64_t batch = log_flow.size(0);
  torch::Tensor prefix = torch::cat(
      {torch::zeros({batch, 1}, transition_terms.options()),
       transition_terms.cumsum(1)},
      1);
  torch::Tensor a = log_flow - prefix;
  return a.unsqueeze(2) - a.unsqueeze(1);
}

torch::Tensor SpanWeights(const torch::Tensor& lengths, int64_t max_length,
                          SpanWeighting weighting, double lambda) {
  auto opts = torch::TensorOptions().device(lengths.device());
  torch::Tensor idx = torch::arange(max_length + 1, opts.dtype(torch::kLong));
  torch::Tensor i = idx.view({1, -1, 1});
  torch::Tensor j = idx.view({1, 1, -1});
  torch::Tensor T = lengths.view({-1, 1, 1});
  torch::Tensor valid;
  torch::Tensor w;
  switch (weighting) {
    case SpanWeighting::kTrajectory:
      valid = (i == 0) & (j == T);
      w = valid.to(torch::kFloat);
      break;
    case SpanWeighting::kDetailed:
      valid = (j == i + 1) & (j <= T);
      w = valid.to(torch::kFloat);
      break;
    case SpanWeighting::kSubTrajectory: {
      valid = (i < j) & (j <= T);
      // Work with log-weights (j-i)·log(lambda) shifted by their maximum per
      // trajectory, so any lambda > 0 (1e6 included) stays finite; the
      // normalisation below removes the shift.
      torch::Tensor span = (j - i).to(torch::kDouble);
      torch::Tensor log_w = torch::where(
          valid, span * std::log(lambda),
          torch::full({}, -std::numeric_limits<double>::infinity(),
                      opts.dtype(torch::kDouble)));
      w = (log_w - log_w.amax({1, 2}, /*keepdim=*/true)).exp().to(torch::kFloat);
      break;
    }
  }
  return w / w.sum({1, 2}, /*keepdim=*/true);
}

torch::Tensor BalanceLossTerms(const torch::Tensor& log_flow,
                               const torch::Tensor& transition_terms,
                               const torch::Tensor& weights) {
  torch::Tensor r = SpanResiduals(log_flow, transition_terms);
  return (weights * r.square()).sum({1, 2});
}

torch::Tensor BalanceLoss(const torch::Tensor& log_flow,
                          const torch::Tensor& transition_terms,
                          const torch::Tensor& weights) {
  return BalanceLossTerms(log_flow, transition_terms, weights).mean();
}

}  // namespace ledgfn
