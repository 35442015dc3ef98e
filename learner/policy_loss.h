// Assembles the policy loss of any objective from the network outputs on a
// TrajectoryBatch (DESIGN §2.1):
//   * log P_F(a_t | s_t) from the masked forward logits at s_t,
//   * log P_B(s_t | s_{t+1}) from the masked backward logits at s_{t+1}, or
//     uniform over valid parents; the stop transition has log P_B = 0,
//   * log F(s_0) = log Z, learned log-flows inside, and the objective's
//     terminal boundary at s_{T_b},
// then the span loss of balance_loss.h.
#ifndef LEDGFN_LEARNER_POLICY_LOSS_H_
#define LEDGFN_LEARNER_POLICY_LOSS_H_

#include <torch/torch.h>

#include "model/policy_net.h"
#include "learner/credit_assignment.h"
#include "learner/trajectory_batch.h"

namespace ledgfn {

// [B, L]: log P_F - log P_B per transition, zero beyond T_b.
torch::Tensor TransitionLogRatios(const PolicyOutputs& outputs,
                                  const TrajectoryBatch& batch,
                                  bool uniform_backward);

// [B, L+1]: log F(s_t) with log F(s_0) = log_z (a scalar, or [B, 1] for a
// conditional log Z per trajectory), log F(s_{T_b}) =
// terminal_log_flow[b], the network's log-flow in between, zero beyond.
torch::Tensor StateLogFlows(const torch::Tensor& log_flow_head,
                            const torch::Tensor& log_z,
                            const TrajectoryBatch& batch,
                            const torch::Tensor& terminal_log_flow);

struct PolicyLossInputs {
  const PolicyOutputs* outputs;     // the policy on batch.features
  torch::Tensor log_z;              // scalar, or [B, 1] (conditional)
  const TrajectoryBatch* batch;
  const CreditAssignment* credits;
  torch::Tensor span_weights;       // from SpanWeights
  bool uniform_backward = false;
};
// [B]: each trajectory's span loss (BalanceLossTerms).
torch::Tensor PolicyLossTerms(const PolicyLossInputs& in);
// Their mean over the batch.
torch::Tensor PolicyLoss(const PolicyLossInputs& in);

}  // namespace ledgfn

#endif  // LEDGFN_LEARNER_POLICY_LOSS_H_
