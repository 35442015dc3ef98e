// The states s_0..s_{T'} of a trajectory, for every learner-side user (the
// batch builder, the paper protocol's visited objects, the energy
// consensus): the ones it carries when this process replayed it already
// (common/trajectory.h), else `instance`.Replay of its actions, whose error
// (an illegal action) is returned. `instance` is the task of the
// trajectory's instance (InstanceOf).
#ifndef LEDGFN_LEARNER_TRAJECTORY_STATES_H_
#define LEDGFN_LEARNER_TRAJECTORY_STATES_H_

#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "common/trajectory.h"
#include "tasks/task.h"

namespace ledgfn {

inline absl::StatusOr<std::shared_ptr<const std::vector<State>>> TrajectoryStates(
    const Task& instance, const Trajectory& t) {
  if (t.states != nullptr) return t.states;
  absl::StatusOr<std::vector<State>> replayed = instance.Replay(t.actions);
  if (!replayed.ok()) return replayed.status();
  return std::make_shared<const std::vector<State>>(*std::move(replayed));
}

}  // namespace ledgfn

#endif  // LEDGFN_LEARNER_TRAJECTORY_STATES_H_
