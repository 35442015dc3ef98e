#include "replay/recovery.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "common/file_util.h"
#include "proto/replay_storage.pb.h"
#include "proto/trajectory_codec.h"
#include "replay/dedupe_index.h"
#include "replay/record_io.h"

namespace ledgfn {
namespace {

// Replays one WAL segment onto `state`; `dedupe` learns every key.
absl::Status ReplaySegment(const std::string& path, const Task& task,
                           const RecoveryOptions& options, ReplayState& state,
                           DedupeIndex& dedupe, RecoveryReport& report) {
  absl::StatusOr<RecordReader> reader = RecordReader::Open(path);
  if (!reader.ok()) return reader.status();
  proto::WalRecord record;
  while (reader->Next(&record)) {
    if (record.has_insert()) {
      const proto::Trajectory& t = record.insert();
      if (absl::Status s = AppendRecovered(
              t, task, options.validation, options.capacity,
              [&] { return absl::StrCat(path, ": trajectory ", state.end_index); },
              &state);
          !s.ok()) {
        return s;
      }
      dedupe.Add(t.actor_id(), t.incarnation(), t.sequence());
      ++state.end_index;
      ++report.wal_inserts;
    } else if (record.has_sample()) {
      state.fresh_cursor = std::max(state.fresh_cursor, record.sample().fresh_cursor());
      state.limiter_samples =
          std::max(state.limiter_samples, record.sample().limiter_samples());
    }
  }
  report.torn_bytes += reader->torn_bytes();
  ++report.wal_segments;
  return absl::OkStatus();
}

}  // namespace

std::string RecoveryReport::Summary() const {
  std::string out = snapshot.empty()
                        ? std::string("no snapshot")
                        : absl::StrCat("snapshot ", snapshot, " (", snapshot_items,
                                       " trajectories)");
  absl::StrAppend(&out, ", ", wal_inserts, " trajectories from ", wal_segments,
                  " WAL segment(s)");
  if (torn_bytes > 0) absl::StrAppend(&out, ", ", torn_bytes, " torn bytes ignored");
  for (const std::string& s : skipped) absl::StrAppend(&out, "; skipped ", s);
  absl::StrAppend(&out, absl::StrFormat(", in %.3f s", absl::ToDoubleSeconds(took)));
  return out;
}

absl::StatusOr<ReplayState> RecoverReplayState(const Task& task,
                                               const RecoveryOptions& options,
                                               RecoveryReport* report) {
  const absl::Time start = absl::Now();
  *report = RecoveryReport();
  ReplayState state;
  state.task = task.name();

  absl::StatusOr<std::vector<std::string>> snapshots =
      ListDir(options.dir, kSnapshotPrefix, kSnapshotSuffix);
  if (absl::IsNotFound(snapshots.status())) {
    report->took = absl::Now() - start;
    return state;  // a new data directory
  }
  if (!snapshots.ok()) return snapshots.status();
  for (auto name = snapshots->rbegin(); name != snapshots->rend(); ++name) {
    if (ParseIndexName(*name, kSnapshotPrefix, kSnapshotSuffix) < 0) continue;
    absl::StatusOr<ReplayState> read = ReadSnapshot(
        options.dir + "/" + *name, task, options.validation, options.capacity);
    if (absl::IsFailedPrecondition(read.status())) return read.status();
    if (!read.ok()) {
      report->skipped.push_back(std::string(read.status().message()));
      continue;
    }
    state = *std::move(read);
    report->snapshot = *name;
    report->snapshot_items = static_cast<int64_t>(state.items.size());
    break;
  }

  DedupeIndex dedupe(options.dedupe_window, options.dedupe_max_incarnations);
  dedupe.Import(state.dedupe);
  absl::StatusOr<std::vector<std::string>> segments =
      ListDir(options.dir, kWalPrefix, kWalSuffix);
  if (!segments.ok()) return segments.status();
  for (const std::string& name : *segments) {
    const int64_t first = ParseIndexName(name, kWalPrefix, kWalSuffix);
    if (first < 0 || first < state.end_index) continue;  // covered
    if (first != state.end_index) {
      return absl::DataLossError(absl::StrCat(
          options.dir, "/", name, " starts at trajectory ", first,
          " but the recovered data ends at ", state.end_index,
          ": a segment is missing"));
    }
    if (absl::Status s = ReplaySegment(options.dir + "/" + name, task, options,
                                       state, dedupe, *report);
        !s.ok()) {
      return s;
    }
  }
  state.dedupe = dedupe.Export();
  state.fresh_cursor = std::clamp(state.fresh_cursor, state.first_index, state.end_index);
  report->took = absl::Now() - start;
  return state;
}

absl::Status DeleteCoveredFiles(const std::string& dir, int64_t keep_end_index) {
  absl::Status status = absl::OkStatus();
  auto remove = [&](const std::string& name) {
    const std::string path = dir + "/" + name;
    if (::unlink(path.c_str()) != 0 && errno != ENOENT && status.ok()) {
      status = absl::InternalError(
          absl::StrCat("cannot delete ", path, ": ", std::strerror(errno)));
    }
  };
  auto snapshots = ListDir(dir, kSnapshotPrefix, kSnapshotSuffix);
  if (!snapshots.ok()) return snapshots.status();
  for (const std::string& name : *snapshots) {
    const int64_t end = ParseIndexName(name, kSnapshotPrefix, kSnapshotSuffix);
    if (end >= 0 && end < keep_end_index) remove(name);
  }
  auto temporaries = ListDir(dir, kSnapshotPrefix, ".tmp");
  if (!temporaries.ok()) return temporaries.status();
  for (const std::string& name : *temporaries) remove(name);
  auto segments = ListDir(dir, kWalPrefix, kWalSuffix);
  if (!segments.ok()) return segments.status();
  for (const std::string& name : *segments) {
    const int64_t first = ParseIndexName(name, kWalPrefix, kWalSuffix);
    if (first >= 0 && first < keep_end_index) remove(name);
  }
  return status;
}

}  // namespace ledgfn
