// Durability behind the replay core (replay/replay_buffer.h): what the
// buffer tells its journal so that every insert it acknowledges survives a
// restart. The buffer owns its journal and decides when to call it; the
// journal owns the storage format and the files (replay/wal_journal.h: the
// write-ahead log and snapshots, docs/reliability.md).
//
// Calls marked "under the buffer's lock" are made in table order, so the
// journal's order is the table's; they must not wait for the disk.
#ifndef LEDGFN_REPLAY_REPLAY_JOURNAL_H_
#define LEDGFN_REPLAY_REPLAY_JOURNAL_H_

#include <cstdint>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "common/trajectory.h"
#include "replay/replay_state.h"

namespace ledgfn {

struct WriteAheadLogStats {
  int64_t records = 0;  // appended
  int64_t bytes = 0;    // written to segment files
  int64_t syncs = 0;    // fdatasync calls (group commits)
  absl::Duration sync_time = absl::ZeroDuration();
};

class ReplayJournal {
 public:
  virtual ~ReplayJournal() = default;

  // Under the buffer's lock. OK while what is recorded can still become
  // durable; once it fails, the buffer refuses inserts (and does not even
  // acknowledge duplicates) with this status.
  virtual absl::Status status() = 0;
  // Under the buffer's lock: `t` was stored as the newest item. Returns the
  // sequence to AwaitDurable before acknowledging it (0: nothing to wait
  // for).
  virtual int64_t RecordInsert(const Trajectory& t) = 0;
  // Under the buffer's lock: FRESH sampling now stands at `fresh_cursor`
  // (global index of the next item it returns) and the limiter has
  // recorded `limiter_samples` samples. Never waited for.
  virtual void RecordFreshCursor(int64_t fresh_cursor,
                                 int64_t limiter_samples) = 0;
  // Under the buffer's lock: the newest sequence recorded (a duplicate is
  // acknowledged once this is durable: its original may still be in
  // flight).
  virtual int64_t last_sequence() = 0;
  // Under the buffer's lock, while a snapshot of the state up to
  // `end_index` is captured: later records go where the snapshot does not
  // cover. Returns the sequence that closes the covered records.
  virtual int64_t BeginSnapshot(int64_t end_index) = 0;

  // Without the buffer's lock: waits until `sequence` is durable (OK at once
  // for 0), or `deadline`.
  virtual absl::Status AwaitDurable(int64_t sequence, absl::Time deadline) = 0;
  // Without the buffer's lock: writes the captured `state` (BeginSnapshot's
  // `rotation` returned with it) and deletes what it covers.
  virtual absl::Status WriteSnapshot(const ReplayState& state,
                                     int64_t rotation) = 0;
  // Flushes and closes; later calls may fail. Idempotent.
  virtual absl::Status Close() = 0;
  virtual WriteAheadLogStats stats() = 0;
};

}  // namespace ledgfn

#endif  // LEDGFN_REPLAY_REPLAY_JOURNAL_H_
