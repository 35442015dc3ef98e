// The flow-balance losses TB, DB and SubTB(lambda) in one vectorised form
// (DESIGN §2.1).
//
// Given per-state log-flows log F(s_0..s_L) with the boundaries already in
// place (log F(s_0) = log Z, log F(s_{T_b}) = the terminal boundary) and
// per-transition terms d_t (log P_F - log P_B, plus a credit c_t for FL/LED;
// zero beyond T_b), the residual of span i < j is
//
//   r_ij = log F(s_i) + sum_{k=i}^{j-1} d_k - log F(s_j) = A_i - A_j,
//   A_t  = log F(s_t) - P_t,   P_t = sum_{k<t} d_k,
//
// so all spans come from one [B, L+1, L+1] broadcast, never a loop. The loss
// is mean_b sum_{i<j<=T_b} w_bij r_bij^2 with, per trajectory,
//   kTrajectory:    w = 1 on the full span (0, T_b)               (TB)
//   kDetailed:      w = 1/T_b on each span (t, t+1)               (DB)
//   kSubTrajectory: w proportional to lambda^(j-i), normalised to
//                   sum 1 within the trajectory                  (SubTB)
#ifndef LEDGFN_LEARNER_BALANCE_LOSS_H_
#define LEDGFN_LEARNER_BALANCE_LOSS_H_

#include <torch/torch.h>

namespace ledgfn {

enum class SpanWeighting { kTrajectory, kDetailed, kSubTrajectory };

// log_flow: [B, L+1]; transition_terms: [B, L] -> residuals [B, L+1, L+1]
// (only entries i < j <= T_b are meaningful).
torch::Tensor SpanResiduals(const torch::Tensor& log_flow,
                            const torch::Tensor& transition_terms);

// lengths: [B] int64 (T_b) -> weights [B, L+1, L+1] on lengths' device.
// `lambda` is used by kSubTrajectory only and must be > 0.
torch::Tensor SpanWeights(const torch::Tensor& lengths, int64_t max_length,
                          SpanWeighting weighting, double lambda);

// [B]: each trajectory's sum_ij w_ij r_ij^2.
torch::Tensor BalanceLossTerms(const torch::Tensor& log_flow,
                               const torch::Tensor& transition_terms,
                               const torch::Tensor& weights);

// Scalar loss: the mean over the batch of BalanceLossTerms.
torch::Tensor BalanceLoss(const torch::Tensor& log_flow,
                          const torch::Tensor& transition_terms,
                          const torch::Tensor& weights);

}  // namespace ledgfn

#endif  // LEDGFN_LEARNER_BALANCE_LOSS_H_
