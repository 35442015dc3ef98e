#include "replay/wal_journal.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/file_util.h"
#include "proto/trajectory_codec.h"
#include "replay/recovery.h"
#include "replay/snapshot.h"

namespace ledgfn {

absl::StatusOr<Durability> ParseDurability(absl::string_view name) {
  if (name == "none") return Durability::kNone;
  if (name == "snapshot") return Durability::kSnapshot;
  if (name == "wal") return Durability::kWal;
  return absl::InvalidArgumentError(absl::StrCat(
      "unknown durability '", name, "' (expected none, snapshot or wal)"));
}

absl::string_view DurabilityName(Durability durability) {
  switch (durability) {
    case Durability::kNone: return "none";
    case Durability::kSnapshot: return "snapshot";
    case Durability::kWal: return "wal";
  }
  return "none";
}

absl::StatusOr<std::unique_ptr<WalJournal>> WalJournal::Open(
    std::string task_name, Durability durability, const std::string& dir,
    int64_t first_index) {
  std::unique_ptr<WriteAheadLog> wal;
  switch (durability) {
    case Durability::kNone:
      return absl::InvalidArgumentError("durability none has no journal");
    case Durability::kSnapshot:
      if (absl::Status s = MakeDirs(dir); !s.ok()) return s;
      break;
    case Durability::kWal: {
      absl::StatusOr<std::unique_ptr<WriteAheadLog>> opened =
          WriteAheadLog::Open(dir, first_index);
      if (!opened.ok()) return opened.status();
      wal = *std::move(opened);
      break;
    }
  }
  return std::unique_ptr<WalJournal>(
      new WalJournal(std::move(task_name), dir, std::move(wal)));
}

WalJournal::WalJournal(std::string task_name, std::string dir,
                       std::unique_ptr<WriteAheadLog> wal)
    : task_name_(std::move(task_name)),
      dir_(std::move(dir)),
      wal_(std::move(wal)) {}

WalJournal::~WalJournal() {
  if (wal_ != nullptr) wal_->Close().IgnoreError();
}

absl::Status WalJournal::status() {
  return wal_ == nullptr ? absl::OkStatus() : wal_->status();
}

int64_t WalJournal::RecordInsert(const Trajectory& t) {
  if (wal_ == nullptr) return 0;
  proto::WalRecord record;
  EncodeTrajectory(t, task_name_, record.mutable_insert());
  return wal_->Append(record);
}

void WalJournal::RecordFreshCursor(int64_t fresh_cursor,
                                   int64_t limiter_samples) {
  if (wal_ == nullptr) return;
  proto::WalRecord record;
  record.mutable_sample()->set_fresh_cursor(fresh_cursor);
  record.mutable_sample()->set_limiter_samples(limiter_samples);
  wal_->Append(record);
}

int64_t WalJournal::last_sequence() {
  return wal_ == nullptr ? 0 : wal_->last_sequence();
}

int64_t WalJournal::BeginSnapshot(int64_t end_index) {
  return wal_ == nullptr ? 0 : wal_->Rotate(end_index);
}

absl::Status WalJournal::AwaitDurable(int64_t sequence, absl::Time deadline) {
  if (wal_ == nullptr || sequence <= 0) return absl::OkStatus();
  return wal_->AwaitDurable(sequence, deadline);
}

absl::Status WalJournal::WriteSnapshot(const ReplayState& state,
                                       int64_t rotation) {
  absl::StatusOr<std::string> written = ledgfn::WriteSnapshot(dir_, state);
  if (!written.ok()) return written.status();
  if (wal_ != nullptr) {
    // The rotation closes the covered segments; their deletion is safe
    // either way (the snapshot holds their records).
    wal_->AwaitDurable(rotation, absl::Now() + absl::Seconds(10)).IgnoreError();
  }
  return DeleteCoveredFiles(dir_, state.end_index);
}

absl::Status WalJournal::Close() {
  return wal_ == nullptr ? absl::OkStatus() : wal_->Close();
}

WriteAheadLogStats WalJournal::stats() {
  return wal_ == nullptr ? WriteAheadLogStats{} : wal_->stats();
}

}  // namespace ledgfn
