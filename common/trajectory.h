// A sampled trajectory as actors produce it and replay stores it (DESIGN §2.3).
//
// Only actions are stored and sent; states are recomputed by `Task::Replay`.
// The learner always recomputes log P_F / log P_B from the actions because
// the actor's policy is stale by construction. Within one process a replay
// is done once: whoever replays a trajectory first (the learner's check of a
// replay answer, the backward sampler) may attach the states it got, and
// later users (the batch builder, the paper protocol's visited objects) read
// them instead of replaying again.
#ifndef LEDGFN_COMMON_TRAJECTORY_H_
#define LEDGFN_COMMON_TRAJECTORY_H_

#include <cstdint>
#include <memory>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "common/instance_id.h"
#include "common/state.h"

namespace ledgfn {

struct Trajectory {
  // The instance the trajectory was sampled on (multi-instance tasks such
  // as MIS); empty for single-instance tasks.
  InstanceId instance;
  // Forward action indices a_0..a_{T-1}, the stop action included when the
  // task has one.
  std::vector<int32_t> actions;
  // Terminal energy E(x).
  double energy = 0.0;
  // Energies E(s_0)..E(s_{T'}) of the visited states, for FL objectives;
  // empty when not computed.
  std::vector<double> partial_energies;
  // Metadata: policy version that sampled it, the actor, the actor's random
  // incarnation id and the sequence number within that incarnation.
  int64_t policy_version = 0;
  int32_t actor_id = 0;
  uint64_t incarnation = 0;
  uint64_t sequence = 0;
  // The states s_0..s_{T'} the actions reach on `instance`, when this
  // process has replayed them already; null otherwise. A cache, never
  // serialised, and left null in replay tables (states cost far more memory
  // than actions).
  std::shared_ptr<const std::vector<State>> states;
};

// Stored trajectories are immutable and shared: the replay table, the
// batches handed out and durability's snapshots hold the same object.
using TrajectoryRef = std::shared_ptr<const Trajectory>;

// The fields validation and deduplication read, borrowed from a trajectory
// in any form (valid while that trajectory is).
struct TrajectoryView {
  absl::string_view task;
  InstanceId instance;
  absl::Span<const int32_t> actions;
  double energy = 0.0;
  absl::Span<const double> partial_energies;
  // The deduplication key.
  int32_t actor_id = 0;
  uint64_t incarnation = 0;
  uint64_t sequence = 0;
};

// The view of an in-process trajectory of the task named `task`.
inline TrajectoryView ViewOf(const Trajectory& t, absl::string_view task) {
  TrajectoryView view;
  view.task = task;
  view.instance = t.instance;
  view.actions = t.actions;
  view.energy = t.energy;
  view.partial_energies = t.partial_energies;
  view.actor_id = t.actor_id;
  view.incarnation = t.incarnation;
  view.sequence = t.sequence;
  return view;
}

}  // namespace ledgfn

#endif  // LEDGFN_COMMON_TRAJECTORY_H_
