// A sampled trajectory as actors produce it and replay stores it (DESIGN §2.3).
//
// Only actions are stored; states are recomputed by `Task::Replay`. The
// learner always recomputes log P_F / log P_B from the actions because the
// actor's policy is stale by construction.
#ifndef LEDGFN_COMMON_TRAJECTORY_H_
#define LEDGFN_COMMON_TRAJECTORY_H_

#include <cstdint>
#include <vector>

#include "common/instance_id.h"

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
};

}  // namespace ledgfn

#endif  // LEDGFN_COMMON_TRAJECTORY_H_
