// libFuzzer target: the bytes of one Replay.Insert request, as a hostile
// actor could send them. Every trajectory goes through validation against
// each task of FuzzTasks() (as sent, and renamed to the task so the checks
// past the name are reached), under two sets of limits, and through the
// replay service's in-process insert path. Invariants, any input:
//   * validation terminates without a crash, and rejects with
//     INVALID_ARGUMENT, a category in range and a bounded reason; OK leaves
//     the category untouched;
//   * a valid trajectory decodes and re-encodes to the same message (unknown
//     fields aside), the result validates again, and it replays to states
//     that agree with the task's levels and its partial energies;
//   * the service acks exactly what validation accepts.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/clock.h"
#include "fuzz/fuzz_support.h"
#include "proto/ledgfn.pb.h"
#include "proto/trajectory_codec.h"
#include "replay/replay_service.h"
#include "replay/validation.h"

namespace ledgfn {
namespace {

// Reasons travel back in acks: they must stay short whatever the input.
constexpr size_t kMaxReasonBytes = 512;

// The task's own limits, and a tighter cap with partial energies required.
const ValidationLimits kLimits[] = {{0, false}, {5, true}};

void CheckValidTrajectory(const Task& task, const proto::Trajectory& t,
                          const ValidationLimits& limits) {
  const Trajectory decoded = DecodeTrajectory(t);
  proto::Trajectory encoded;
  EncodeTrajectory(decoded, task.name(), &encoded);
  proto::Trajectory known = t;
  known.DiscardUnknownFields();
  FuzzCheck(encoded.SerializeAsString() == known.SerializeAsString(),
            "decode then encode reproduces a valid trajectory");
  FuzzCheck(ValidateTrajectory(task, ViewOf(encoded), limits).ok(),
            "a re-encoded valid trajectory is valid");

  absl::StatusOr<std::vector<State>> states = task.Replay(decoded.actions);
  FuzzCheck(states.ok(), "a valid trajectory replays");
  FuzzCheck(!states->empty() && states->size() <= decoded.actions.size() + 1,
            "one state per non-stop action, plus s_0");
  FuzzCheck(task.Level(states->back()) ==
                static_cast<int>(states->size()) - 1,
            "the object's level is the number of non-stop transitions");
  FuzzCheck(decoded.partial_energies.empty() ||
                decoded.partial_energies.size() == states->size(),
            "partial energies: none or one per state");
}

void CheckTrajectory(const Task& task, const proto::Trajectory& t) {
  for (const ValidationLimits& limits : kLimits) {
    constexpr auto kUnset = static_cast<RejectCategory>(-1);
    RejectCategory category = kUnset;
    const absl::Status status = ValidateTrajectory(task, ViewOf(t), limits, &category);
    if (status.ok()) {
      FuzzCheck(category == kUnset, "OK leaves the category untouched");
      CheckValidTrajectory(task, t, limits);
      continue;
    }
    FuzzCheck(absl::IsInvalidArgument(status), "rejections are INVALID_ARGUMENT");
    const int c = static_cast<int>(category);
    FuzzCheck(c >= 0 && c < kNumRejectCategories, "category in range");
    FuzzCheck(status.message().size() <= kMaxReasonBytes, "bounded reason");
  }
}

// A replay service whose limiter never holds inserts back.
std::unique_ptr<ReplayServiceImpl> MakeService(const Task& task) {
  ReplayServiceOptions options;
  options.table.capacity = 16;
  options.limiter.error_buffer = 1e9;
  options.dedupe_window = 8;
  options.dedupe_max_incarnations = 4;
  absl::StatusOr<std::unique_ptr<ReplayServiceImpl>> service =
      ReplayServiceImpl::Create(task, options);
  FuzzCheck(service.ok(), "the fuzz replay service options are valid");
  return *std::move(service);
}

void CheckService(const Task& task, const proto::InsertRequest& request) {
  std::unique_ptr<ReplayServiceImpl> service = MakeService(task);
  for (const proto::Trajectory& sent : request.trajectories()) {
    proto::Trajectory t = sent;
    t.set_task(task.name());
    proto::Ack ack;
    const absl::Status status = service->InsertTrajectory(
        t, absl::Now(), [] { return false; }, &ack);
    FuzzCheck(status.ok(), "inserts are never held back here");
    const bool valid = ValidateTrajectory(task, ViewOf(t), ValidationLimits()).ok();
    FuzzCheck(valid == (ack.code() == 0), "acked OK iff valid");
    FuzzCheck(ack.key().actor_id() == t.actor_id() &&
                  ack.key().sequence() == t.sequence(),
              "the ack carries the trajectory's key");
  }
  const ReplayServiceInfo info = service->Info();
  FuzzCheck(info.inserted + info.duplicates + info.rejected ==
                request.trajectories_size(),
            "every trajectory is acked once");
  FuzzCheck(info.size <= 16, "the table stays within capacity");
}

}  // namespace
}  // namespace ledgfn

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace ledgfn;  // NOLINT: the entry point must be global
  proto::InsertRequest request;
  if (!request.ParseFromArray(data, static_cast<int>(size))) return 0;
  for (const auto& task : FuzzTasks()) {
    for (const proto::Trajectory& t : request.trajectories()) {
      CheckTrajectory(*task, t);
      proto::Trajectory named = t;
      named.set_task(task->name());
      CheckTrajectory(*task, named);
    }
    CheckService(*task, request);
  }
  return 0;
}
