#include "learner/replay_source.h"

#include <algorithm>

#include <chrono>

#include "absl/strings/str_cat.h"
#include "proto/server_util.h"
#include "proto/trajectory_codec.h"
#include "replay/validation.h"

namespace ledgfn {

ReplaySource::ReplaySource(const Task& task, const ReplaySourceOptions& options,
                           std::function<int64_t()> current_version)
    : task_(task),
      options_(options),
      current_version_(std::move(current_version)),
      stub_(proto::Replay::NewStub(MakeChannel(options.address, options.security))) {}

void ReplaySource::Cancel() {
  absl::MutexLock lock(&mu_);
  cancelled_ = true;
  if (context_ != nullptr) context_->TryCancel();
}

ReplaySourceCounters ReplaySource::counters() const {
  absl::MutexLock lock(&mu_);
  return counters_;
}

absl::Status ReplaySource::CheckResponse(
    const proto::SampleRequest& request,
    const proto::SampleResponse& response) const {
  if (response.trajectories_size() > request.count()) {
    return absl::DataLossError(absl::StrCat(
        "the replay service at ", options_.address, " answered ",
        response.trajectories_size(), " trajectories to a request for ",
        request.count()));
  }
  for (int i = 0; i < response.trajectories_size(); ++i) {
    if (absl::Status s = ValidateTrajectory(task_, response.trajectories(i),
                                            ValidationLimits());
        !s.ok()) {
      return absl::DataLossError(absl::StrCat(
          "the replay service at ", options_.address,
          " sent an invalid trajectory: ", s.message()));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<TrajectoryRef>> ReplaySource::SampleWithRetry(
    const proto::SampleRequest& request) {
  while (true) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() +
                         absl::ToChronoMilliseconds(options_.poll));
    {
      absl::MutexLock lock(&mu_);
      if (cancelled_) return absl::CancelledError("learner shutting down");
      context_ = &context;
    }
    proto::SampleResponse response;
    grpc::Status status = stub_->Sample(&context, request, &response);
    absl::MutexLock lock(&mu_);
    context_ = nullptr;
    if (cancelled_) return absl::CancelledError("learner shutting down");
    counters_.dropped_for_lag += response.dropped_for_lag();
    if (status.ok()) {
      if (absl::Status s = CheckResponse(request, response); !s.ok()) return s;
      ++counters_.batches;
      std::vector<TrajectoryRef> out;
      out.reserve(response.trajectories_size());
      for (const proto::Trajectory& t : response.trajectories()) {
        out.push_back(std::make_shared<const Trajectory>(DecodeTrajectory(t)));
      }
      return out;
    }
    switch (status.error_code()) {
      case grpc::StatusCode::DEADLINE_EXCEEDED:   // limiter: not enough fresh data
      case grpc::StatusCode::UNAVAILABLE:         // replay down or restarting
      case grpc::StatusCode::FAILED_PRECONDITION: // table still empty
        ++counters_.retries;
        if (status.error_code() == grpc::StatusCode::UNAVAILABLE) {
          auto cancelled = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
            return cancelled_;
          };
          mu_.AwaitWithTimeout(absl::Condition(&cancelled), options_.poll);
        }
        continue;
      default:
        return FromGrpcStatus(status);
    }
  }
}

absl::StatusOr<std::vector<TrajectoryRef>> ReplaySource::PolicyBatch() {
  proto::SampleRequest fresh;
  fresh.set_selector(proto::FRESH);
  fresh.set_count(options_.batch_size);
  fresh.set_learner_version(current_version_());
  fresh.set_max_policy_lag(options_.max_policy_lag);
  auto batch = SampleWithRetry(fresh);
  // Everything may have been dropped for lag: ask again for fresher data.
  while (batch.ok() && batch->empty()) {
    fresh.set_learner_version(current_version_());
    batch = SampleWithRetry(fresh);
  }
  if (!batch.ok() || options_.replay_batch_size == 0) return batch;
  proto::SampleRequest replayed;
  replayed.set_selector(options_.prioritized ? proto::PRIORITIZED
                                             : proto::UNIFORM);
  replayed.set_count(options_.replay_batch_size);
  auto more = SampleWithRetry(replayed);
  if (!more.ok()) return more.status();
  batch->insert(batch->end(), more->begin(), more->end());
  return batch;
}

absl::StatusOr<std::vector<TrajectoryRef>> ReplaySource::PotentialBatch() {
  if (potential_batches_.empty()) {
    const int batches = std::max(1, options_.potential_batches_per_call);
    proto::SampleRequest request;
    request.set_selector(proto::NEWEST_WINDOW);
    request.set_count(options_.batch_size * batches);
    request.set_window(options_.window);
    auto drawn = SampleWithRetry(request);
    if (!drawn.ok()) return drawn.status();
    // Consecutive slices of batch_size; a short answer gives fewer batches.
    for (size_t begin = 0; begin < drawn->size(); begin += options_.batch_size) {
      const size_t end = std::min(drawn->size(), begin + options_.batch_size);
      potential_batches_.emplace_back(drawn->begin() + begin, drawn->begin() + end);
    }
    if (potential_batches_.empty()) return std::vector<TrajectoryRef>{};
  }
  std::vector<TrajectoryRef> batch = std::move(potential_batches_.front());
  potential_batches_.pop_front();
  return batch;
}

}  // namespace ledgfn
