// An actor: repeatedly samples a batch of trajectories with the newest
// complete policy version it has, and writes them to a sink. Weights are
// swapped in between batches, so sampling never pauses for a download.
// The embedded trainer runs actors as threads over in-process sinks; the
// distributed actor runs the same loop over gRPC.
#ifndef LEDGFN_ACTOR_ACTOR_LOOP_H_
#define LEDGFN_ACTOR_ACTOR_LOOP_H_

#include <atomic>
#include <vector>

#include "absl/status/status.h"
#include "actor/sampler.h"
#include "common/policy_weights.h"
#include "common/trajectory.h"

namespace ledgfn {

// Receives sampled trajectories. Write may block (backpressure) and returns
// CANCELLED once the run is shutting down.
class TrajectorySink {
 public:
  virtual ~TrajectorySink() = default;
  virtual absl::Status Write(std::vector<Trajectory> trajectories) = 0;
};

class ActorLoop {
 public:
  // `policy` is this actor's own copy; `sampler` samples with it.
  ActorLoop(PolicyNet policy, Sampler& sampler, WeightSource& weights,
            TrajectorySink& sink, int batch_size);

  // Runs until `stop` is set or the sink returns an error. Returns OK on a
  // requested stop or a CANCELLED sink, the error otherwise.
  absl::Status Run(const std::atomic<bool>& stop);

  int64_t trajectories() const { return trajectories_.load(); }

 private:
  // Loads a newer version if one exists.
  absl::Status RefreshWeights();

  PolicyNet policy_;
  Sampler& sampler_;
  WeightSource& weights_;
  TrajectorySink& sink_;
  int batch_size_;
  std::atomic<int64_t> trajectories_{0};
};

}  // namespace ledgfn

#endif  // LEDGFN_ACTOR_ACTOR_LOOP_H_
