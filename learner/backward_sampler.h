// Trajectories sampled backward from known objects with P_B, as the paper's
// offline batches are (the reference code's batch_back_sample): from each
// object x, backward actions are drawn from the policy's masked P_B (or
// uniformly among the valid ones with `uniform_backward`) until s_0, all
// objects in lock-step with one batched forward pass per step.
//
// Contract: the task must be a single-instance vector task with backward
// dynamics (backward_dynamics(); FAILED_PRECONDITION otherwise). The returned
// trajectories are in forward order: actions a_0..a_{T'-1} with
// a = ForwardActionOf(b) of the backward action b that undid it, then the
// stop action for tasks that have one; energy = the object's energy. With
// `partial_energies`, E(s_0)..E(s_{T'}) come from task.PartialEnergies
// (FL objectives: the learner pays those oracle calls). No gradients are
// recorded. Deterministic for a given rng state and policy.
#ifndef LEDGFN_LEARNER_BACKWARD_SAMPLER_H_
#define LEDGFN_LEARNER_BACKWARD_SAMPLER_H_

#include <torch/torch.h>

#include <random>
#include <vector>

#include "absl/status/statusor.h"
#include "common/trajectory.h"
#include "learner/visited_objects.h"
#include "model/policy_net.h"
#include "tasks/task.h"

namespace ledgfn {

struct BackwardSampleOptions {
  bool uniform_backward = false;
  bool partial_energies = false;
  torch::Device device = torch::kCPU;
};

// Whether SampleBackward can sample on `task` (see the contract above).
bool CanSampleBackward(const Task& task);

absl::StatusOr<std::vector<TrajectoryRef>> SampleBackward(
    const Task& task, PolicyNet& policy,
    const std::vector<const VisitedObject*>& objects,
    const BackwardSampleOptions& options, std::mt19937_64& rng);

}  // namespace ledgfn

#endif  // LEDGFN_LEARNER_BACKWARD_SAMPLER_H_
