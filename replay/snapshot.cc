#include "replay/snapshot.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/file_util.h"
#include "proto/replay_storage.pb.h"
#include "proto/trajectory_codec.h"
#include "replay/record_io.h"

namespace ledgfn {
namespace {

// Snapshot files are written in chunks of about this size.
constexpr size_t kWriteChunkBytes = 1 << 20;

void ToProto(const DedupeIndex::StreamState& in, proto::DedupeStream* out) {
  out->set_actor_id(in.actor_id);
  out->set_incarnation(in.incarnation);
  out->set_floor(in.floor);
  for (uint64_t s : in.recent) out->add_recent(s);
}

DedupeIndex::StreamState FromProto(const proto::DedupeStream& in) {
  DedupeIndex::StreamState out;
  out.actor_id = in.actor_id();
  out.incarnation = in.incarnation();
  out.floor = in.floor();
  out.recent.assign(in.recent().begin(), in.recent().end());
  return out;
}

}  // namespace

absl::StatusOr<std::string> WriteSnapshot(const std::string& dir,
                                          const ReplayState& state) {
  if (absl::Status s = MakeDirs(dir); !s.ok()) return s;
  const std::string name = IndexName(kSnapshotPrefix, state.end_index, kSnapshotSuffix);
  const std::string path = dir + "/" + name;
  const std::string tmp = path + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    return absl::PermissionDeniedError(
        absl::StrCat("cannot create ", tmp, ": ", std::strerror(errno)));
  }
  std::string buffer;
  absl::Status status = absl::OkStatus();
  auto emit = [&](const proto::SnapshotRecord& record) {
    AppendRecord(record, &buffer);
    if (buffer.size() >= kWriteChunkBytes && status.ok()) {
      status = WriteFully(fd, buffer, tmp);
      buffer.clear();
    }
  };
  proto::SnapshotRecord record;
  auto* header = record.mutable_header();
  header->set_task(state.task);
  header->set_first_index(state.first_index);
  header->set_end_index(state.end_index);
  header->mutable_sample()->set_fresh_cursor(state.fresh_cursor);
  header->mutable_sample()->set_limiter_samples(state.limiter_samples);
  header->set_created_unix_ms(absl::ToUnixMillis(absl::Now()));
  emit(record);
  for (const auto& item : state.items) {
    record.Clear();
    EncodeTrajectory(*item, state.task, record.mutable_item());
    emit(record);
  }
  for (const auto& stream : state.dedupe) {
    record.Clear();
    ToProto(stream, record.mutable_dedupe());
    emit(record);
  }
  record.Clear();
  record.mutable_footer()->set_num_items(static_cast<int64_t>(state.items.size()));
  record.mutable_footer()->set_num_dedupe_streams(static_cast<int64_t>(state.dedupe.size()));
  AppendRecord(record, &buffer);
  if (status.ok()) status = WriteFully(fd, buffer, tmp);
  if (status.ok()) status = SyncFile(fd, tmp);
  ::close(fd);
  if (status.ok()) status = RenameDurably(tmp, path);
  if (!status.ok()) {
    ::unlink(tmp.c_str());
    return status;
  }
  return name;
}

absl::Status AppendRecovered(const proto::Trajectory& t, const Task& task,
                             const ValidationLimits& limits, int64_t capacity,
                             absl::FunctionRef<std::string()> where,
                             ReplayState* state) {
  if (absl::Status valid = ValidateTrajectory(task, ViewOf(t), limits); !valid.ok()) {
    return absl::FailedPreconditionError(absl::StrCat(
        where(), " is not valid for this task (", valid.message(),
        "); was the replay restarted with different task flags?"));
  }
  state->items.push_back(std::make_shared<const Trajectory>(DecodeTrajectory(t)));
  if (static_cast<int64_t>(state->items.size()) > capacity) {
    state->items.pop_front();
    ++state->first_index;
  }
  return absl::OkStatus();
}

absl::StatusOr<ReplayState> ReadSnapshot(const std::string& path,
                                         const Task& task,
                                         const ValidationLimits& limits,
                                         int64_t capacity) {
  absl::StatusOr<RecordReader> reader = RecordReader::Open(path);
  if (!reader.ok()) return reader.status();
  proto::SnapshotRecord record;
  if (!reader->Next(&record) || !record.has_header()) {
    return absl::DataLossError(absl::StrCat(path, ": no snapshot header"));
  }
  ReplayState state;
  state.task = record.header().task();
  if (state.task != task.name()) {
    return absl::FailedPreconditionError(absl::StrCat(
        path, " holds task '", state.task, "', but this replay serves '",
        task.name(), "'"));
  }
  state.first_index = record.header().first_index();
  const int64_t header_first = state.first_index;
  state.end_index = record.header().end_index();
  state.fresh_cursor = record.header().sample().fresh_cursor();
  state.limiter_samples = record.header().sample().limiter_samples();
  int64_t items = 0;
  while (reader->Next(&record)) {
    if (record.has_item()) {
      if (absl::Status s = AppendRecovered(record.item(), task, limits, capacity,
                                           [&] { return absl::StrCat(path, ": item ", items); },
                                           &state);
          !s.ok()) {
        return s;
      }
      ++items;    } else if (record.has_dedupe()) {
      state.dedupe.push_back(FromProto(record.dedupe()));
    } else if (record.has_footer()) {
      const auto& footer = record.footer();
      if (footer.num_items() != items ||
          footer.num_dedupe_streams() != static_cast<int64_t>(state.dedupe.size()) ||
          state.end_index - header_first != items) {
        return absl::DataLossError(absl::StrCat(path, ": counts do not match its footer"));
      }
      return state;
    }
  }
  return absl::DataLossError(absl::StrCat(path, ": incomplete (", reader->torn_bytes(),
                                          " bytes torn, no footer)"));
}

}  // namespace ledgfn
