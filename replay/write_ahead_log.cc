#include "replay/write_ahead_log.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/file_util.h"
#include "replay/record_io.h"

namespace ledgfn {
namespace {

absl::StatusOr<int> CreateSegment(const std::string& path) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    return absl::PermissionDeniedError(
        absl::StrCat("cannot create ", path, ": ", std::strerror(errno)));
  }
  return fd;
}

std::string SegmentPath(const std::string& dir, int64_t first_index) {
  return dir + "/" + IndexName(kWalPrefix, first_index, kWalSuffix);
}

}  // namespace

absl::StatusOr<std::unique_ptr<WriteAheadLog>> WriteAheadLog::Open(
    const std::string& dir, int64_t first_index) {
  if (absl::Status s = MakeDirs(dir); !s.ok()) return s;
  const std::string path = SegmentPath(dir, first_index);
  absl::StatusOr<int> fd = CreateSegment(path);
  if (!fd.ok()) return fd.status();
  if (absl::Status s = SyncPath(dir); !s.ok()) {
    ::close(*fd);
    return s;
  }
  std::unique_ptr<WriteAheadLog> log(new WriteAheadLog(dir, *fd));
  log->segment_path_ = path;
  log->writer_ = std::thread([raw = log.get()] { raw->WriterLoop(); });
  return log;
}

WriteAheadLog::WriteAheadLog(std::string dir, int fd)
    : dir_(std::move(dir)), fd_(fd) {}

WriteAheadLog::~WriteAheadLog() { Close().IgnoreError(); }

int64_t WriteAheadLog::Append(const proto::WalRecord& record) {
  absl::MutexLock lock(&mu_);
  if (ops_.empty() || ops_.back().rotate_to >= 0) ops_.emplace_back();
  AppendRecord(record, &ops_.back().bytes);
  ++stats_.records;
  work_.Signal();
  return ++appended_;
}

int64_t WriteAheadLog::Rotate(int64_t first_index) {
  absl::MutexLock lock(&mu_);
  ops_.push_back(Op{std::string(), first_index});
  work_.Signal();
  return ++appended_;
}

int64_t WriteAheadLog::last_sequence() {
  absl::MutexLock lock(&mu_);
  return appended_;
}

absl::Status WriteAheadLog::AwaitDurable(int64_t sequence, absl::Time deadline) {
  absl::MutexLock lock(&mu_);
  while (durable_sequence_ < sequence && failure_.ok()) {
    if (closed_) {
      return absl::UnavailableError("the write-ahead log is closed");
    }
    if (durable_.WaitWithDeadline(&mu_, deadline) &&
        durable_sequence_ < sequence && failure_.ok()) {
      return absl::DeadlineExceededError(
          "the write-ahead log did not reach the disk before the deadline");
    }
  }
  return failure_;
}

absl::Status WriteAheadLog::status() {
  absl::MutexLock lock(&mu_);
  return failure_;
}

WriteAheadLogStats WriteAheadLog::stats() {
  absl::MutexLock lock(&mu_);
  return stats_;
}

absl::Status WriteAheadLog::SwitchSegment(int64_t first_index) {
  if (absl::Status s = SyncFile(fd_, segment_path_); !s.ok()) return s;
  ::close(fd_);
  fd_ = -1;
  segment_path_ = SegmentPath(dir_, first_index);
  absl::StatusOr<int> fd = CreateSegment(segment_path_);
  if (!fd.ok()) return fd.status();
  fd_ = *fd;
  return SyncPath(dir_);
}

void WriteAheadLog::WriterLoop() {
  while (true) {
    std::vector<Op> ops;
    int64_t last = 0;
    {
      absl::MutexLock lock(&mu_);
      while (ops_.empty() && !closing_) work_.Wait(&mu_);
      if (ops_.empty()) return;  // closing, everything written
      ops.swap(ops_);
      last = appended_;
    }
    absl::Status status = absl::OkStatus();
    int64_t bytes = 0;
    for (const Op& op : ops) {
      status = op.rotate_to >= 0 ? SwitchSegment(op.rotate_to)
                                 : WriteFully(fd_, op.bytes, segment_path_);
      if (!status.ok()) break;
      bytes += static_cast<int64_t>(op.bytes.size());
    }
    const absl::Time sync_start = absl::Now();
    if (status.ok()) status = SyncFile(fd_, segment_path_);
    const absl::Duration sync_time = absl::Now() - sync_start;

    absl::MutexLock lock(&mu_);
    if (!status.ok()) {
      failure_ = absl::UnavailableError(
          absl::StrCat("write-ahead log failed: ", status.message()));
      ops_.clear();
      durable_.SignalAll();
      return;
    }
    durable_sequence_ = last;
    stats_.bytes += bytes;
    ++stats_.syncs;
    stats_.sync_time += sync_time;
    durable_.SignalAll();
  }
}

absl::Status WriteAheadLog::Close() {
  {
    absl::MutexLock lock(&mu_);
    closing_ = true;
    work_.Signal();
  }
  // Close may be called from several threads (and the destructor); only
  // one joins.
  {
    absl::MutexLock join_lock(&close_mu_);
    if (writer_.joinable()) writer_.join();
    if (fd_ >= 0) {
      ::close(fd_);
      fd_ = -1;
    }
  }
  absl::MutexLock lock(&mu_);
  closed_ = true;
  durable_.SignalAll();
  return failure_;
}

}  // namespace ledgfn
