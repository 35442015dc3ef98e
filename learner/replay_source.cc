#include "learner/replay_source.h"

#include <algorithm>

#include <chrono>

#include "absl/strings/str_cat.h"
#include "proto/server_util.h"
#include "proto/trajectory_codec.h"
#include "replay/validation.h"

namespace ledgfn {
namespace {

// The wire name of a drawing selector (the service maps it back with
// SelectorFromProto, replay/replay_service.h).
proto::Selector SelectorToProto(Selector selector) {
  switch (selector) {
    case Selector::kFresh: return proto::FRESH;
    case Selector::kUniform: return proto::UNIFORM;
    case Selector::kNewestWindow: return proto::NEWEST_WINDOW;
    case Selector::kPrioritized: return proto::PRIORITIZED;
  }
  return proto::SELECTOR_UNSPECIFIED;
}

}  // namespace

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

absl::StatusOr<std::vector<TrajectoryRef>> ReplaySource::CheckResponse(
    const proto::SampleRequest& request,
    const proto::SampleResponse& response) const {
  if (response.trajectories_size() > request.count() + request.replay_count()) {
    return absl::DataLossError(absl::StrCat(
        "the replay service at ", options_.address, " answered ",
        response.trajectories_size(), " trajectories to a request for ",
        request.count() + request.replay_count()));
  }
  // A policy batch answers its fresh trajectories first.
  const int fresh = request.selector() == proto::FRESH
                        ? response.trajectories_size() - request.replay_count()
                        : 0;
  std::vector<TrajectoryRef> out;
  out.reserve(response.trajectories_size());
  for (int i = 0; i < response.trajectories_size(); ++i) {
    const proto::Trajectory& t = response.trajectories(i);
    std::vector<State> visited;
    if (absl::Status s = ValidateTrajectory(task_, ViewOf(t), ValidationLimits(),
                                            nullptr, &visited);
        !s.ok()) {
      return absl::DataLossError(absl::StrCat(
          "the replay service at ", options_.address,
          " sent an invalid trajectory: ", s.message()));
    }
    if (i < fresh && options_.on_fresh) options_.on_fresh(t.energy(), visited.back());
    Trajectory decoded = DecodeTrajectory(t);
    decoded.states = std::make_shared<const std::vector<State>>(std::move(visited));
    out.push_back(std::make_shared<const Trajectory>(std::move(decoded)));
  }
  return out;
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
      auto checked = CheckResponse(request, response);
      if (checked.ok()) ++counters_.batches;
      return checked;
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
  // One call for the whole batch: FRESH, then the replayed ones
  // (ReplayBuffer::SamplePolicyBatch on the service's side).
  proto::SampleRequest request;
  request.set_selector(proto::FRESH);
  request.set_count(options_.batch_size);
  request.set_max_policy_lag(options_.max_policy_lag);
  request.set_replay_count(options_.replay_batch_size);
  if (options_.replay_batch_size > 0) {
    request.set_replay_selector(SelectorToProto(options_.replay_selector));
  }
  while (true) {
    request.set_learner_version(current_version_());
    auto batch = SampleWithRetry(request);
    // Every fresh one may have been dropped for lag: ask again for fresher
    // data.
    if (!batch.ok() ||
        static_cast<int>(batch->size()) > options_.replay_batch_size) {
      return batch;
    }
  }
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
