// LED-GFN's energy decomposition loss with dropout (DESIGN §2.2):
//
//   l_phi(tau) = ( E(x)/T' - (1/C) sum_{t<T'} z_t phi_t )^2,  C = sum_t z_t,
//
// averaged over the trajectories with T' > 0 (T' = 0 has nothing to
// decompose). With `length_squared` each trajectory's term is weighted by
// T'^2, i.e. ( E(x) - T' (1/C) sum_t z_t phi_t )^2, the paper's code's form. z_t ~ Bernoulli(1 - p) over the T' non-stop transitions; if all
// are dropped one is kept uniformly at random.
#ifndef LEDGFN_LEARNER_DECOMPOSITION_LOSS_H_
#define LEDGFN_LEARNER_DECOMPOSITION_LOSS_H_

#include <torch/torch.h>

#include <random>

#include "learner/trajectory_batch.h"

namespace ledgfn {

// The dropout probability for a trajectory with T' non-stop transitions:
// `dropout` when it is >= 0, otherwise the paper's rule 0.1 (T' < 10) or 0.2.
double DropoutProbability(double dropout, int64_t nonstop_length);

// keep mask z: [B, L] float in {0,1}, zero outside the non-stop transitions,
// on the batch's device. Drawn on the host from the batch's host-side lengths
// and copied without waiting (from pinned memory) when that device is a GPU.
torch::Tensor DrawKeepMask(const TrajectoryBatch& batch, double dropout,
                           std::mt19937_64& rng);

// phi, keep: [B, L]. [B]: each trajectory's term, zero when T' = 0.
torch::Tensor DecompositionLossTerms(const torch::Tensor& phi,
                                     const torch::Tensor& keep,
                                     const TrajectoryBatch& batch,
                                     bool length_squared = false);
// The loss from its terms: their mean over the trajectories with T' > 0 (a
// scalar, zero when there is none).
torch::Tensor DecompositionLossOfTerms(const torch::Tensor& terms,
                                       const TrajectoryBatch& batch);
// DecompositionLossOfTerms(DecompositionLossTerms(...)).
torch::Tensor DecompositionLoss(const torch::Tensor& phi,
                                const torch::Tensor& keep,
                                const TrajectoryBatch& batch,
                                bool length_squared = false);

}  // namespace ledgfn

#endif  // LEDGFN_LEARNER_DECOMPOSITION_LOSS_H_
