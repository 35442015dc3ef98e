// Snapshots of the replay service's state (--durability=snapshot|wal): the
// live trajectories, the dedupe index and where FRESH sampling stands.
//
// The service captures a ReplayState under its lock in O(size) pointer
// copies (Table::Snapshot shares the immutable trajectories) and writes it
// afterwards without holding any lock, so inserts and samples go on while
// the file is written. A snapshot file `snapshot-<end index>.snap` is
// written as `<name>.tmp`, synced, renamed into place and the directory
// synced: it exists complete or not at all. The format is
// proto/replay_storage.proto `SnapshotRecord`, one trajectory or dedupe
// stream per framed record (replay/record_io.h), so no message approaches
// the protobuf limit whatever the table size.
#ifndef LEDGFN_REPLAY_SNAPSHOT_H_
#define LEDGFN_REPLAY_SNAPSHOT_H_

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "tasks/task.h"
#include "common/trajectory.h"
#include "proto/ledgfn.pb.h"
#include "replay/replay_state.h"
#include "replay/validation.h"

namespace ledgfn {

inline constexpr char kSnapshotPrefix[] = "snapshot-";
inline constexpr char kSnapshotSuffix[] = ".snap";

// Writes `state` as `dir`/snapshot-<end_index>.snap (see the file comment)
// and returns the file's name.
absl::StatusOr<std::string> WriteSnapshot(const std::string& dir,
                                          const ReplayState& state);

// Recovery's step for every stored trajectory read back (snapshots and
// write-ahead log): validates `t` against `task` (FAILED_PRECONDITION
// naming where() otherwise: the replay was restarted with other task
// flags), then appends it to state->items, dropping the oldest beyond
// `capacity` (first_index follows; end_index is the caller's).
absl::Status AppendRecovered(const proto::Trajectory& t, const Task& task,
                             const ValidationLimits& limits, int64_t capacity,
                             absl::FunctionRef<std::string()> where,
                             ReplayState* state);

// Reads a snapshot file. Every trajectory is validated against `task` (a
// replay restarted with different task flags must not serve trajectories
// of another task): FAILED_PRECONDITION naming the file and the reason.
// DATA_LOSS if the file is torn or lacks its footer; at most `capacity`
// newest items are kept.
absl::StatusOr<ReplayState> ReadSnapshot(const std::string& path,
                                         const Task& task,
                                         const ValidationLimits& limits,
                                         int64_t capacity);

}  // namespace ledgfn

#endif  // LEDGFN_REPLAY_SNAPSHOT_H_
