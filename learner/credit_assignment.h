// Per-transition credits and the terminal flow boundary for each family of
// objectives (DESIGN §2.1, §2.2). With credits c_t the span residual is
//   log F~(s_i) + sum_{k=i}^{j-1} [log P_F - log P_B + c_k] - log F~(s_j).
//
//   plain (TB/DB/SubTB): c = 0,                 log F(s_T)  = -E(x)
//   FL:                  c_t = E(s_{t+1})-E(s_t) on non-stop transitions,
//                        0 on the stop,         log F~(s_T) = 0
//   LED (redistribute):  c_t = phi_t + (E - sum_k phi_k)/T' on non-stop
//                        transitions, 0 on the stop unless T' = 0, where the
//                        stop carries E(x);     log F~(s_T) = 0
//   LED* (correction):   c_t = phi_t,           log F~(s_T) = sum phi - E
//                        (T' = 0 gives -E, the same residual as above)
// LED credits are detached: the policy loss never reaches r_phi.
#ifndef LEDGFN_LEARNER_CREDIT_ASSIGNMENT_H_
#define LEDGFN_LEARNER_CREDIT_ASSIGNMENT_H_

#include <torch/torch.h>

#include "learner/objective.h"
#include "learner/trajectory_batch.h"

namespace ledgfn {

struct CreditAssignment {
  torch::Tensor credits;            // [B, L], zero beyond T_b
  torch::Tensor terminal_log_flow;  // [B]
};

CreditAssignment PlainCredits(const TrajectoryBatch& batch);
// Needs batch.partial_energy.
CreditAssignment PartialEnergyCredits(const TrajectoryBatch& batch);
// phi: [B, L] potentials of every transition (entries outside the non-stop
// transitions are ignored).
CreditAssignment LearnedCredits(const torch::Tensor& phi,
                                const TrajectoryBatch& batch,
                                LedVariant variant);

}  // namespace ledgfn

#endif  // LEDGFN_LEARNER_CREDIT_ASSIGNMENT_H_
