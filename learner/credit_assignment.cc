#include "learner/credit_assignment.h"

namespace ledgfn {

CreditAssignment PlainCredits(const TrajectoryBatch& batch) {
  return CreditAssignment{torch::zeros_like(batch.uniform_log_pb),
                          -batch.energy};
}

CreditAssignment PartialEnergyCredits(const TrajectoryBatch& batch) {
  const int64_t L = batch.max_length;
  torch::Tensor e = batch.partial_energy;
  torch::Tensor diff = e.narrow(1, 1, L) - e.narrow(1, 0, L);
  return CreditAssignment{
      torch::where(batch.nonstop_mask, diff, torch::zeros_like(diff)),
      torch::zeros_like(batch.energy)};
}

CreditAssignment LearnedCredits(const torch::Tensor& phi,
                                const TrajectoryBatch& batch,
                                LedVariant variant) {
  torch::Tensor p = phi.detach();
  torch::Tensor nonstop = batch.nonstop_mask;
  torch::Tensor kept = torch::where(nonstop, p, torch::zeros_like(p));
  torch::Tensor sum_phi = kept.sum(1);
  if (variant == LedVariant::kCorrection) {
    return CreditAssignment{kept, sum_phi - batch.energy};
  }
  torch::Tensor count = batch.nonstop_lengths.to(p.scalar_type());
  // T' = 0: no non-stop transition, the stop (index 0) carries E(x).
  torch::Tensor no_steps = batch.nonstop_lengths == 0;
  torch::Tensor share =
      (batch.energy - sum_phi) / torch::where(no_steps, torch::ones_like(count), count);
  torch::Tensor credits =
      torch::where(nonstop, p + share.unsqueeze(1), torch::zeros_like(p));
  torch::Tensor first = torch::zeros_like(credits);
  first.select(1, 0).copy_(
      torch::where(no_steps, batch.energy, torch::zeros_like(batch.energy)));
  return CreditAssignment{credits + first, torch::zeros_like(batch.energy)};
}

}  // namespace ledgfn
