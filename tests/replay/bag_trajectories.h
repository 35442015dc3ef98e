// Valid in-process trajectories of the `bag` task for replay tests and
// benchmarks (no protobuf: the replay core's tests use them directly;
// trajectory_fixtures.h gives their wire form).
#ifndef LEDGFN_TESTS_REPLAY_BAG_TRAJECTORIES_H_
#define LEDGFN_TESTS_REPLAY_BAG_TRAJECTORIES_H_

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "tasks/registry.h"
#include "common/trajectory.h"

namespace ledgfn {

inline std::unique_ptr<Task> BagTask() {
  TaskOptions o;
  o.name = "bag";
  absl::StatusOr<std::unique_ptr<Task>> task = MakeTask(o);
  EXPECT_TRUE(task.ok()) << task.status();
  return *std::move(task);
}

// One bag task for the whole process, never destroyed (for benchmarks,
// whose registered functions cannot own one).
inline const Task& SharedBagTask() {
  static const Task* const task = BagTask().release();
  return *task;
}

// A valid bag trajectory: 13 letters (varying with `sequence`), then stop.
inline Trajectory ValidBagTrajectory(const Task& task, uint64_t sequence,
                                     int32_t actor = 1,
                                     uint64_t incarnation = 0xABCDEF,
                                     int64_t policy_version = 0) {
  Trajectory t;
  const int letters = task.num_forward_actions() - 1;
  for (int i = 0; i < task.max_trajectory_length() - 1; ++i) {
    t.actions.push_back(
        static_cast<int32_t>((sequence + i * (i + 1) / 2) % letters));
  }
  t.actions.push_back(task.stop_action());
  absl::StatusOr<std::vector<State>> states = task.Replay(t.actions);
  EXPECT_TRUE(states.ok()) << states.status();
  t.energy = task.Energy(states->back());
  t.policy_version = policy_version;
  t.actor_id = actor;
  t.incarnation = incarnation;
  t.sequence = sequence;
  return t;
}

}  // namespace ledgfn

#endif  // LEDGFN_TESTS_REPLAY_BAG_TRAJECTORIES_H_
