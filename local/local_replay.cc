#include "local/local_replay.h"

#include <string>
#include <utility>

#include "absl/time/time.h"

namespace ledgfn {
namespace {

bool Never() { return false; }

}  // namespace

absl::Status LocalSink::Write(std::vector<Trajectory> trajectories) {
  const Task& task = buffer_.task();
  const std::string task_name = task.name();  // the views borrow it
  for (Trajectory& t : trajectories) {
    const double energy = t.energy;
    absl::StatusOr<InsertOutcome> outcome = buffer_.Insert(
        ViewOf(t, task_name), [&t] { return std::move(t); },
        absl::InfiniteFuture(), Never);
    if (absl::IsUnavailable(outcome.status()) && buffer_.shutting_down()) {
      return absl::CancelledError("the embedded run is shutting down");
    }
    if (!outcome.ok()) return outcome.status();
    if (!outcome->status.ok()) return outcome->status;
    if (outcome->duplicate) continue;
    if (task.instances() == nullptr) {
      tracker_.Add(task, outcome->terminal, energy);
    }
    ++inserted_;
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<TrajectoryRef>> LocalSource::PolicyBatch() {
  SampleSpec fresh;
  fresh.selector = Selector::kFresh;
  fresh.count = options_.batch_size;
  absl::StatusOr<SampleResult> batch = buffer_.SamplePolicyBatch(
      fresh, options_.replay_batch_size, options_.replay_selector,
      absl::InfiniteFuture(), Never);
  if (!batch.ok()) return batch.status();
  if (static_cast<int>(batch->trajectories.size()) <=
      options_.replay_batch_size) {
    return absl::InternalError(
        "no fresh trajectory although the limiter allowed a sample");
  }
  return std::move(batch->trajectories);
}

absl::StatusOr<std::vector<TrajectoryRef>> LocalSource::PotentialBatch() {
  SampleSpec spec;
  spec.selector = Selector::kNewestWindow;
  spec.count = options_.batch_size;
  spec.window = options_.window;
  absl::StatusOr<SampleResult> batch =
      buffer_.Sample(spec, absl::InfiniteFuture(), Never);
  if (!batch.ok()) return batch.status();
  return std::move(batch->trajectories);
}

}  // namespace ledgfn
