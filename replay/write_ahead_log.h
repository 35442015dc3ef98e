// The replay service's write-ahead log (--durability=wal) with group commit.
//
// Records are appended in memory (Append never waits for the disk) and a
// writer thread moves everything appended so far to the current segment
// file with one write and one fdatasync, then marks it durable; appends
// that arrive during a sync go out together with the next one. So an
// insert waits for at most about two syncs however many writers there are,
// and the number of syncs per second stays bounded by the disk, not by the
// insert rate. The service acknowledges an insert only after
// AwaitDurable() returned OK for its record.
//
// Segments: `wal-<first index>.log` in the log's directory
// (common/file_util.h IndexName); Rotate() starts a new one, after which
// the older segments can be deleted once a snapshot covers them. The
// record format is proto/replay_storage.proto `WalRecord`, framed by
// replay/record_io.h.
//
// Failure: the first write or sync error fails the log for good; every
// waiting and later AwaitDurable returns it (the service then refuses
// inserts rather than acknowledge what may not be on disk).
//
// Thread-safe.
#ifndef LEDGFN_REPLAY_WRITE_AHEAD_LOG_H_
#define LEDGFN_REPLAY_WRITE_AHEAD_LOG_H_

#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "proto/replay_storage.pb.h"
#include "replay/replay_journal.h"  // WriteAheadLogStats

namespace ledgfn {

inline constexpr char kWalPrefix[] = "wal-";
inline constexpr char kWalSuffix[] = ".log";

class WriteAheadLog {
 public:
  // Creates `dir` if needed and starts segment `wal-<first_index>.log`
  // (truncating a file of that name: recovery has read it, and it can hold
  // no complete record past first_index) and the writer thread.
  static absl::StatusOr<std::unique_ptr<WriteAheadLog>> Open(
      const std::string& dir, int64_t first_index);
  // Close().
  ~WriteAheadLog();

  WriteAheadLog(const WriteAheadLog&) = delete;
  WriteAheadLog& operator=(const WriteAheadLog&) = delete;

  // Queues `record` and returns its sequence number (1, 2, ...). Records
  // reach the file in the order of their sequence numbers.
  int64_t Append(const proto::WalRecord& record) ABSL_LOCKS_EXCLUDED(mu_);
  // Queues a switch to segment `wal-<first_index>.log`: records appended
  // after this call go there. Returns the switch's sequence number; once it
  // is durable, every earlier segment is complete and synced.
  int64_t Rotate(int64_t first_index) ABSL_LOCKS_EXCLUDED(mu_);
  // The sequence number of the newest Append or Rotate (0 before any).
  int64_t last_sequence() ABSL_LOCKS_EXCLUDED(mu_);

  // Waits until everything up to `sequence` is on disk. OK (at once for
  // sequence <= 0); DEADLINE_EXCEEDED at `deadline`; the log's failure.
  absl::Status AwaitDurable(int64_t sequence, absl::Time deadline)
      ABSL_LOCKS_EXCLUDED(mu_);
  // OK, or the error that failed the log.
  absl::Status status() ABSL_LOCKS_EXCLUDED(mu_);

  // Writes and syncs everything appended, then stops the writer thread.
  // Returns the log's status. Idempotent. Records appended after Close are
  // never written: AwaitDurable on them returns UNAVAILABLE.
  absl::Status Close() ABSL_LOCKS_EXCLUDED(mu_);

  WriteAheadLogStats stats() ABSL_LOCKS_EXCLUDED(mu_);
  const std::string& dir() const { return dir_; }

 private:
  // Bytes for the current segment, or (rotate_to >= 0) a segment switch.
  struct Op {
    std::string bytes;
    int64_t rotate_to = -1;
  };

  WriteAheadLog(std::string dir, int fd);
  void WriterLoop();
  // Writer thread only: syncs and closes the current segment, opens the
  // next one and makes its name durable.
  absl::Status SwitchSegment(int64_t first_index);

  const std::string dir_;
  // Writer thread only (and Close after the thread has stopped).
  int fd_;
  std::string segment_path_;

  absl::Mutex mu_;
  absl::CondVar work_;     // ops_ became non-empty, or closing_
  absl::CondVar durable_;  // durable_sequence_ advanced, or failure
  std::vector<Op> ops_ ABSL_GUARDED_BY(mu_);
  int64_t appended_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t durable_sequence_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Status failure_ ABSL_GUARDED_BY(mu_);
  bool closing_ ABSL_GUARDED_BY(mu_) = false;
  bool closed_ ABSL_GUARDED_BY(mu_) = false;  // the writer has stopped
  WriteAheadLogStats stats_ ABSL_GUARDED_BY(mu_);
  absl::Mutex close_mu_;  // one Close joins the writer
  std::thread writer_;
};

}  // namespace ledgfn

#endif  // LEDGFN_REPLAY_WRITE_AHEAD_LOG_H_
