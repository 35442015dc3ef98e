#include "learner/decomposition_loss.h"

#include <vector>

namespace ledgfn {

double DropoutProbability(double dropout, int64_t nonstop_length) {
  if (dropout >= 0) return dropout;
  return nonstop_length < 10 ? 0.1 : 0.2;
}

torch::Tensor DrawKeepMask(const TrajectoryBatch& batch, double dropout,
                           std::mt19937_64& rng) {
  const int64_t B = batch.batch_size;
  const int64_t L = batch.max_length;
  const torch::Device device = batch.energy.device();
  const std::vector<int64_t>& tn = batch.host_nonstop_lengths;
  torch::Tensor keep =
      torch::zeros({B, L}, torch::TensorOptions().dtype(torch::kFloat).pinned_memory(
                               device.is_cuda()));
  float* k = keep.data_ptr<float>();
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  for (int64_t b = 0; b < B; ++b) {
    if (tn[b] == 0) continue;
    const double p = DropoutProbability(dropout, tn[b]);
    int kept = 0;
    for (int64_t t = 0; t < tn[b]; ++t) {
      const bool draw = uniform(rng) >= p;
      k[b * L + t] = draw ? 1.0f : 0.0f;
      kept += draw;
    }
    if (kept == 0) {
      std::uniform_int_distribution<int64_t> pick(0, tn[b] - 1);
      k[b * L + pick(rng)] = 1.0f;
    }
  }
  return keep.to(device, /*non_blocking=*/true);
}

torch::Tensor DecompositionLoss(const torch::Tensor& phi,
                                const torch::Tensor& keep,
                                const TrajectoryBatch& batch,
                                bool length_squared) {
  return DecompositionLossOfTerms(
      DecompositionLossTerms(phi, keep, batch, length_squared), batch);
}

torch::Tensor DecompositionLossOfTerms(const torch::Tensor& terms,
                                       const TrajectoryBatch& batch) {
  torch::Tensor has_steps = batch.nonstop_lengths > 0;
  torch::Tensor n = has_steps.sum().clamp_min(1).to(terms.scalar_type());
  return terms.sum() / n;
}

torch::Tensor DecompositionLossTerms(const torch::Tensor& phi,
                                     const torch::Tensor& keep,
                                     const TrajectoryBatch& batch,
                                     bool length_squared) {
  torch::Tensor tn = batch.nonstop_lengths.to(phi.scalar_type());
  torch::Tensor has_steps = batch.nonstop_lengths > 0;
  torch::Tensor kept_count = keep.sum(1);
  torch::Tensor safe_count =
      torch::where(has_steps, kept_count, torch::ones_like(kept_count));
  torch::Tensor safe_tn = torch::where(has_steps, tn, torch::ones_like(tn));
  // keep is zero outside non-stop transitions, so padding never contributes.
  torch::Tensor mean_phi =
      torch::where(keep > 0, phi, torch::zeros_like(phi)).sum(1) / safe_count;
  torch::Tensor residual = batch.energy / safe_tn - mean_phi;
  torch::Tensor squared = residual.square();
  if (length_squared) squared = squared * safe_tn.square();
  return torch::where(has_steps, squared, torch::zeros_like(residual));
}

}  // namespace ledgfn
