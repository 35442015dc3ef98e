// Valid trajectories of the `bag` task for replay tests and benchmarks.
#ifndef LEDGFN_TESTS_REPLAY_TRAJECTORY_FIXTURES_H_
#define LEDGFN_TESTS_REPLAY_TRAJECTORY_FIXTURES_H_

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <vector>

#include "absl/types/span.h"
#include "common/task.h"
#include "proto/ledgfn.pb.h"

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
inline proto::Trajectory ValidTrajectory(const Task& task, uint64_t sequence,
                                         int32_t actor = 1,
                                         uint64_t incarnation = 0xABCDEF,
                                         int64_t policy_version = 0) {
  proto::Trajectory t;
  t.set_task(task.name());
  const int letters = task.num_forward_actions() - 1;
  for (int i = 0; i < task.max_trajectory_length() - 1; ++i) {
    t.add_actions(static_cast<int32_t>((sequence + i * (i + 1) / 2) % letters));
  }
  t.add_actions(task.stop_action());
  absl::StatusOr<std::vector<State>> states = task.Replay(
      absl::MakeConstSpan(t.actions().data(), t.actions().size()));
  EXPECT_TRUE(states.ok()) << states.status();
  t.set_energy(task.Energy(states->back()));
  t.set_policy_version(policy_version);
  t.set_actor_id(actor);
  t.set_incarnation(incarnation);
  t.set_sequence(sequence);
  return t;
}

}  // namespace ledgfn

#endif  // LEDGFN_TESTS_REPLAY_TRAJECTORY_FIXTURES_H_
