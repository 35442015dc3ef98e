// Batched trajectory sampling (DESIGN §2.3): B environments advance in
// lock-step with ONE policy forward pass per step; an environment that
// finishes is refilled at once so the batch stays full when lengths differ.
//
// Behaviour policy: with probability epsilon a uniform valid action, else a
// sample from P_F (logits divided by `temperature`).
//
// Multi-instance tasks (MIS): each trajectory runs on its own instance,
// drawn from the training set (InstanceFamily::DrawTrainingInstance) or
// given by the caller (SampleInstances), and carries its id. Environments
// on different graphs share the one batched forward pass (a disjoint union
// of graphs). After sampling, terminal energies (and, when asked, the
// partial energies of every visited state) come from the energy oracle in
// one batched call.
//
// A trajectory whose energies the oracle got wrong (not finite, or |E|
// above `max_abs_energy`: common/energy_bound.h) is dropped there, counted
// by reason and logged, and never leaves the sampler: one absurd answer
// costs one trajectory. Sample(n) samples again for the ones dropped.
//
// Not thread-safe: one Sampler per thread. The policy module may be shared
// with a trainer on the same thread (synchronous mode) or be the actor's own
// copy that it reloads between calls.
#ifndef LEDGFN_ACTOR_SAMPLER_H_
#define LEDGFN_ACTOR_SAMPLER_H_

#include <torch/torch.h>

#include <atomic>
#include <cstdint>
#include <random>
#include <vector>

#include "absl/status/statusor.h"
#include "actor/energy_oracle.h"
#include "common/energy_bound.h"
#include "common/instance_id.h"
#include "model/policy_net.h"
#include "tasks/task.h"
#include "common/trajectory.h"

namespace ledgfn {

// The seed of actor `actor_id`'s sampler in a run seeded with `run_seed`:
// the one rule for actor threads (`ledgfn train --actors=N`) and actor
// processes alike, so every actor draws from its own stream.
inline uint64_t ActorSeed(uint64_t run_seed, int32_t actor_id) {
  return run_seed + 7919 * (static_cast<uint64_t>(actor_id) + 1);
}

struct SamplerOptions {
  int batch_size = 32;       // environments in lock-step
  double epsilon = 0.0;      // probability of a uniform valid action
  double temperature = 1.0;  // P_F logits are divided by this
  bool partial_energies = false;
  // The energy bound: the task's default or --max_abs_energy.
  double max_abs_energy = kLargestEnergyBound;
  uint64_t seed = 0;
  int32_t actor_id = 0;
};

class Sampler {
 public:
  Sampler(const Task& task, PolicyNet policy, EnergyOracle& oracle,
          const SamplerOptions& options);

  // Samples `n` complete trajectories with usable energies, tagged with the
  // current policy version, the actor id, this sampler's incarnation and
  // consecutive sequence numbers. Dropped ones are sampled again (more
  // oracle calls); FAILED_PRECONDITION when every trajectory of one
  // sampling pass is dropped (a broken oracle or a bound too small).
  absl::StatusOr<std::vector<Trajectory>> Sample(int n);
  // One trajectory on each of `instances` (for evaluation on held-out
  // instances), tagged like Sample's; in order of completion, each naming
  // its instance; those with unusable energies dropped, not replaced.
  // INVALID_ARGUMENT for an id the task cannot rebuild.
  absl::StatusOr<std::vector<Trajectory>> SampleInstances(
      const std::vector<InstanceId>& instances);

  void set_policy_version(int64_t version) { policy_version_ = version; }
  int64_t policy_version() const { return policy_version_; }
  uint64_t incarnation() const { return incarnation_; }
  // Trajectories dropped for `problem` (kNonfinite or kOutOfRange) so far;
  // thread-safe (for metrics threads).
  int64_t dropped(EnergyProblem problem) const {
    return dropped_[static_cast<int>(problem)].load();
  }

 private:
  struct Env {
    InstanceId instance;
    std::shared_ptr<const Task> task;  // of the instance
    State state;
    std::vector<int32_t> actions;
    std::vector<State> visited;  // only with partial energies
  };
  absl::Status Reset(Env& env, const InstanceId& instance);
  // One trajectory per instance with its energies; no sequence numbers.
  absl::StatusOr<std::vector<Trajectory>> SampleRaw(
      const std::vector<InstanceId>& instances);
  // Appends the trajectories of `sampled` with usable energies to `out`,
  // numbering them; counts and logs the others.
  void KeepUsable(std::vector<Trajectory> sampled, std::vector<Trajectory>& out);
  // Draws among the first `num_actions` entries.
  int ChooseAction(const float* probs, const uint8_t* mask, int num_actions);

  const Task& task_;
  PolicyNet policy_;
  EnergyOracle& oracle_;
  SamplerOptions options_;
  std::mt19937_64 rng_;
  std::uniform_real_distribution<double> uniform_{0.0, 1.0};
  uint64_t incarnation_;
  uint64_t next_sequence_ = 0;
  std::atomic<int64_t> policy_version_{0};  // read by metrics threads
  std::atomic<int64_t> dropped_[3] = {};     // by EnergyProblem
  // Reused per-step buffer.
  std::vector<uint8_t> masks_;
};

}  // namespace ledgfn

#endif  // LEDGFN_ACTOR_SAMPLER_H_
