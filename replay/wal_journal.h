// The replay core's journal on disk (replay/replay_journal.h,
// docs/reliability.md): the write-ahead log (replay/write_ahead_log.h) and
// snapshot files (replay/snapshot.h) in one data directory, in the storage
// format of proto/replay_storage.proto.
//   kNone:     no journal (the buffer runs without one);
//   kSnapshot: snapshots only: inserts acknowledged since the newest
//              snapshot are lost by a crash (kill -9, power);
//   kWal:      every acknowledged insert survives: RecordInsert appends a
//              log record and the buffer acknowledges only once it is
//              durable (group commit); snapshots bound the log and the
//              recovery time.
#ifndef LEDGFN_REPLAY_WAL_JOURNAL_H_
#define LEDGFN_REPLAY_WAL_JOURNAL_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "replay/replay_journal.h"
#include "replay/write_ahead_log.h"

namespace ledgfn {

enum class Durability { kNone, kSnapshot, kWal };
// "none", "snapshot", "wal".
absl::StatusOr<Durability> ParseDurability(absl::string_view name);
absl::string_view DurabilityName(Durability durability);

class WalJournal final : public ReplayJournal {
 public:
  // Creates `dir` if needed; with kWal starts the log at `first_index` (the
  // buffer's end_index() after recovery). INVALID_ARGUMENT for kNone.
  static absl::StatusOr<std::unique_ptr<WalJournal>> Open(
      std::string task_name, Durability durability, const std::string& dir,
      int64_t first_index);
  ~WalJournal() override;

  absl::Status status() override;
  int64_t RecordInsert(const Trajectory& t) override;
  void RecordFreshCursor(int64_t fresh_cursor,
                         int64_t limiter_samples) override;
  int64_t last_sequence() override;
  int64_t BeginSnapshot(int64_t end_index) override;
  absl::Status AwaitDurable(int64_t sequence, absl::Time deadline) override;
  absl::Status WriteSnapshot(const ReplayState& state,
                             int64_t rotation) override;
  absl::Status Close() override;
  WriteAheadLogStats stats() override;

 private:
  WalJournal(std::string task_name, std::string dir,
             std::unique_ptr<WriteAheadLog> wal);

  const std::string task_name_;
  const std::string dir_;
  const std::unique_ptr<WriteAheadLog> wal_;  // null for kSnapshot
};

}  // namespace ledgfn

#endif  // LEDGFN_REPLAY_WAL_JOURNAL_H_
