// Turns trajectories (action lists) into padded tensors for the learner.
//
// Layout for a batch of B trajectories with lengths T_b (transitions, the
// stop included) and T'_b (non-stop transitions); L = max_b T_b; A and A_b
// are the forward and backward action counts (graph tasks: the largest
// instance of the batch, each trajectory's actions beyond its own instance
// masked invalid):
//   states          network input of the [B, L+1] rows s_0..s_{T'_b};
//                   padding rows elsewhere (including the stop marker x⊤ at
//                   index T_b): zero features, or empty graphs
//   transitions     network input of the [B, L] rows (s_t, s_{t+1}) for
//                   t < T'_b (r_phi's input), padding rows elsewhere
//   forward_mask    [B, L+1, A]  task masks at s_t for t < T_b, all-valid
//                                elsewhere (padding must never yield NaN)
//   backward_mask   [B, L+1, A_b] task masks at s_t for 1 <= t <= T'_b,
//                                all-valid elsewhere
//   actions         [B, L]       a_t (0 beyond T_b)
//   backward_actions[B, L]       the backward action undoing a_t (0 for the
//                                stop and padding)
//   transition_mask [B, L]       t < T_b
//   nonstop_mask    [B, L]       t < T'_b
//   lengths, nonstop_lengths [B] T_b, T'_b (int64)
//   energy          [B]          E(x)
//   partial_energy  [B, L+1]     E(s_t) for t <= T'_b, 0 elsewhere (only when
//                                requested; FL objectives)
//   uniform_log_pb  [B, L]       log(1 / #valid backward actions at s_{t+1})
//                                for non-stop transitions, 0 elsewhere
// Each trajectory is replayed on the task of its instance (Task::Instance).
// Every tensor is built on the CPU, in page-locked ("pinned") memory when
// asked, which a CUDA LibTorch can copy to the GPU asynchronously; `To(device)`
// moves them. `host_nonstop_lengths` stays on the host so that nothing needs
// reading back from the device.
#ifndef LEDGFN_LEARNER_TRAJECTORY_BATCH_H_
#define LEDGFN_LEARNER_TRAJECTORY_BATCH_H_

#include <torch/torch.h>

#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "model/network_input.h"
#include "tasks/task.h"
#include "common/trajectory.h"

namespace ledgfn {

struct TrajectoryBatch {
  int64_t batch_size = 0;
  int64_t max_length = 0;
  NetworkInput states;
  NetworkInput transitions;
  torch::Tensor forward_mask;
  torch::Tensor backward_mask;
  torch::Tensor actions;
  torch::Tensor backward_actions;
  torch::Tensor transition_mask;
  torch::Tensor nonstop_mask;
  torch::Tensor lengths;
  torch::Tensor nonstop_lengths;
  torch::Tensor energy;
  torch::Tensor partial_energy;  // undefined unless requested
  torch::Tensor uniform_log_pb;
  // T'_b again, on the host (for the dropout masks of r_phi's loss).
  std::vector<int64_t> host_nonstop_lengths;

  // A copy on `device`; the tensors themselves when it is the CPU. To a GPU,
  // the copies are asynchronous (non-blocking) from pinned memory: tensors
  // built pinned go as they are, others are pinned first.
  TrajectoryBatch To(const torch::Device& device) const;
};

// Which network inputs a batch needs: the policy reads `states`, r_phi
// `transitions` (an r_phi step needs only those, a LED policy step both).
// Inputs not asked for are left empty.
struct BatchInputs {
  bool states = true;
  bool transitions = true;
  // The states' neighbours too (state-pair policies: policy_net.h).
  bool neighbours = false;
};

// Validates every trajectory against the task of its instance (Task::Instance
// and Task::Replay) and, when
// `with_partial_energies`, that it carries T'+1 finite partial energies.
// A trajectory that carries its states (Trajectory::states) is not replayed
// again: they must be what Replay of its actions gave, as whoever attached
// them replayed them.
// INVALID_ARGUMENT names the offending trajectory. `pinned` allocates the
// tensors in pinned memory, for a batch bound for a GPU; it needs a LibTorch
// with CUDA and a device.
absl::StatusOr<TrajectoryBatch> BuildTrajectoryBatch(
    const Task& task, absl::Span<const Trajectory* const> trajectories,
    bool with_partial_energies, bool pinned = false,
    BatchInputs inputs = BatchInputs());

}  // namespace ledgfn

#endif  // LEDGFN_LEARNER_TRAJECTORY_BATCH_H_
