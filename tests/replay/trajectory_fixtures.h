// Valid trajectories of the `bag` task in their wire form, for replay
// service tests and benchmarks (bag_trajectories.h has BagTask and the
// in-process form).
#ifndef LEDGFN_TESTS_REPLAY_TRAJECTORY_FIXTURES_H_
#define LEDGFN_TESTS_REPLAY_TRAJECTORY_FIXTURES_H_

#include <cstdint>

#include "tasks/task.h"
#include "proto/ledgfn.pb.h"
#include "proto/trajectory_codec.h"
#include "tests/replay/bag_trajectories.h"

namespace ledgfn {

// The wire form of ValidBagTrajectory (same arguments).
inline proto::Trajectory ValidTrajectory(const Task& task, uint64_t sequence,
                                         int32_t actor = 1,
                                         uint64_t incarnation = 0xABCDEF,
                                         int64_t policy_version = 0) {
  proto::Trajectory t;
  EncodeTrajectory(
      ValidBagTrajectory(task, sequence, actor, incarnation, policy_version),
      task.name(), &t);
  return t;
}

}  // namespace ledgfn

#endif  // LEDGFN_TESTS_REPLAY_TRAJECTORY_FIXTURES_H_
