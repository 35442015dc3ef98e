// Restart recovery of the replay service's state from its data directory:
// the newest complete snapshot, then the write-ahead log segments after it.
//
// Rules:
//   * Snapshots are tried newest first; one that is incomplete or damaged
//     is skipped (reported) and the next older one is used. FAILED_PRECONDITION
//     (not skipped) if a snapshot belongs to another task or holds
//     trajectories this task rejects: the flags changed, and silently
//     dropping data would be worse than refusing to start.
//   * WAL segments whose first index is below the snapshot's end index are
//     covered by it and skipped. The others must continue exactly where the
//     recovered data ends; a gap is DATA_LOSS (a segment was deleted by
//     hand). Within a segment, records are applied up to the first torn or
//     corrupt frame (a crash during a write); those bytes were never
//     acknowledged.
//   * At most `capacity` newest trajectories are kept (older ones would
//     have been evicted), but the dedupe index learns every key.
//   * An empty or missing directory recovers an empty state.
#ifndef LEDGFN_REPLAY_RECOVERY_H_
#define LEDGFN_REPLAY_RECOVERY_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "tasks/task.h"
#include "replay/snapshot.h"
#include "replay/validation.h"
#include "replay/write_ahead_log.h"

namespace ledgfn {

struct RecoveryOptions {
  std::string dir;
  int64_t capacity = 0;
  ValidationLimits validation;
  int64_t dedupe_window = 1024;
  int64_t dedupe_max_incarnations = 4096;
};

struct RecoveryReport {
  std::string snapshot;                  // the snapshot used, "" if none
  std::vector<std::string> skipped;      // damaged snapshots, with reasons
  int64_t snapshot_items = 0;            // trajectories it held
  int64_t wal_segments = 0;              // segments replayed
  int64_t wal_inserts = 0;               // trajectories recovered from them
  int64_t torn_bytes = 0;                // ignored at torn segment ends
  absl::Duration took = absl::ZeroDuration();

  // One line for the log.
  std::string Summary() const;
};

absl::StatusOr<ReplayState> RecoverReplayState(const Task& task,
                                               const RecoveryOptions& options,
                                               RecoveryReport* report);

// Deletes the snapshots older than `keep_end_index`, the WAL segments that
// the snapshot at `keep_end_index` covers (first index below it) and
// leftover temporary snapshot files.
// Errors are returned but leave only extra files behind, never a gap.
absl::Status DeleteCoveredFiles(const std::string& dir, int64_t keep_end_index);

}  // namespace ledgfn

#endif  // LEDGFN_REPLAY_RECOVERY_H_
