#include "replay/replay_service.h"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "proto/server_util.h"
#include "proto/trajectory_codec.h"

namespace ledgfn {
namespace {

// The call's deadline as an absl::Time; InfiniteFuture for "none" (gRPC
// reports that as a time point centuries away), InfinitePast when it has
// already passed (ReplayBuffer then does not try at all).
absl::Time DeadlineOf(const grpc::ServerContext& context) {
  const auto deadline = context.deadline();
  const auto now = std::chrono::system_clock::now();
  // Gone before the call began (a handler scheduled late): no try at all.
  if (deadline <= now) return absl::InfinitePast();
  const auto left = deadline - now;
  if (left > std::chrono::hours(24 * 365)) return absl::InfiniteFuture();
  return absl::Now() + absl::FromChrono(
                           std::chrono::duration_cast<std::chrono::nanoseconds>(
                               left));
}

void FillKey(const proto::Trajectory& t, proto::TrajectoryKey* key) {
  key->set_actor_id(t.actor_id());
  key->set_incarnation(t.incarnation());
  key->set_sequence(t.sequence());
}

}  // namespace

// Options and info --------------------------------------------------------

absl::Status ReplayServiceOptions::Validate() const {
  if (absl::Status s = ReplayBufferOptions::Validate(); !s.ok()) return s;
  if (durability != Durability::kNone && data_dir.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "durability ", DurabilityName(durability), " needs a data directory"));
  }
  if (!(snapshot_every > absl::ZeroDuration())) {
    return absl::InvalidArgumentError(
        absl::StrCat("snapshot_every (", absl::FormatDuration(snapshot_every),
                     ") must be > 0"));
  }
  return absl::OkStatus();
}

absl::StatusOr<Selector> SelectorFromProto(int selector) {
  switch (selector) {
    case proto::FRESH: return Selector::kFresh;
    case proto::UNIFORM: return Selector::kUniform;
    case proto::NEWEST_WINDOW: return Selector::kNewestWindow;
    case proto::PRIORITIZED: return Selector::kPrioritized;
    default:
      return absl::InvalidArgumentError(
          absl::StrCat("unknown or unspecified selector ", selector));
  }
}

void ReplayServiceInfo::ToProto(proto::InfoResponse* out) const {
  out->set_task(task);
  out->set_size(size);
  out->set_capacity(capacity);
  out->set_inserted(inserted);
  out->set_duplicates(duplicates);
  out->set_rejected(rejected);
  out->set_evicted(evicted);
  out->set_sampled(sampled);
  out->set_fresh_sampled(fresh_sampled);
  out->set_limiter_inserts(limiter.inserts);
  out->set_limiter_samples(limiter.samples);
  out->set_samples_per_insert(limiter.samples_per_insert);
  out->set_min_size_to_sample(limiter.min_size_to_sample);
  out->set_error_buffer(limiter.error_buffer);
  out->set_insert_blocked_seconds(absl::ToDoubleSeconds(
      limiter.insert_stats.blocked_time + limiter.insert_stats.pending_time));
  out->set_sample_blocked_seconds(absl::ToDoubleSeconds(
      limiter.sample_stats.blocked_time + limiter.sample_stats.pending_time));
  out->set_dropped_for_lag(dropped_for_lag);
  out->set_durability(std::string(DurabilityName(durability)));
  out->set_recovered(recovered);
  out->set_wal_syncs(wal.syncs);
  out->set_snapshots(snapshots);
}

// Service -------------------------------------------------------------------

absl::StatusOr<std::unique_ptr<ReplayServiceImpl>> ReplayServiceImpl::Create(
    const Task& task, const ReplayServiceOptions& options) {
  if (absl::Status s = options.Validate(); !s.ok()) return s;
  absl::StatusOr<std::unique_ptr<ReplayBuffer>> buffer =
      ReplayBuffer::Create(task, options);
  if (!buffer.ok()) return buffer.status();
  std::unique_ptr<ReplayServiceImpl> service(
      new ReplayServiceImpl(options, *std::move(buffer)));
  if (options.durability == Durability::kNone) return service;
  RecoveryOptions recovery;
  recovery.dir = options.data_dir;
  recovery.capacity = options.table.capacity;
  recovery.validation = options.validation;
  recovery.dedupe_window = options.dedupe_window;
  recovery.dedupe_max_incarnations = options.dedupe_max_incarnations;
  absl::StatusOr<ReplayState> state =
      RecoverReplayState(task, recovery, &service->recovery_);
  if (!state.ok()) return state.status();
  service->buffer_->Restore(*state);
  absl::StatusOr<std::unique_ptr<WalJournal>> journal =
      WalJournal::Open(task.name(), options.durability, options.data_dir,
                       service->buffer_->end_index());
  if (!journal.ok()) return journal.status();
  service->buffer_->AttachJournal(*std::move(journal), options.snapshot_every);
  return service;
}

ReplayServiceImpl::ReplayServiceImpl(const ReplayServiceOptions& options,
                                     std::unique_ptr<ReplayBuffer> buffer)
    : options_(options), buffer_(std::move(buffer)) {}

absl::Status ReplayServiceImpl::InsertTrajectory(
    const proto::Trajectory& trajectory, absl::Time deadline,
    absl::FunctionRef<bool()> cancelled, proto::Ack* ack) {
  int64_t sequence = 0;
  if (absl::Status s = Store(trajectory, deadline, cancelled, ack, &sequence);
      !s.ok()) {
    return s;
  }
  return buffer_->AwaitDurable(sequence, deadline);
}

absl::Status ReplayServiceImpl::InsertRequestTrajectories(
    const proto::InsertRequest& request, absl::Time deadline,
    absl::FunctionRef<bool()> cancelled, proto::InsertResponse* response) {
  int64_t last = 0;
  for (const proto::Trajectory& t : request.trajectories()) {
    int64_t sequence = 0;
    if (absl::Status s =
            Store(t, deadline, cancelled, response->add_acks(), &sequence);
        !s.ok()) {
      return s;
    }
    last = std::max(last, sequence);
  }
  return buffer_->AwaitDurable(last, deadline);
}

absl::Status ReplayServiceImpl::Store(const proto::Trajectory& trajectory,
                                      absl::Time deadline,
                                      absl::FunctionRef<bool()> cancelled,
                                      proto::Ack* ack,
                                      int64_t* durable_sequence) {
  *durable_sequence = 0;
  ack->Clear();
  FillKey(trajectory, ack->mutable_key());
  absl::StatusOr<InsertOutcome> outcome = buffer_->Insert(
      ViewOf(trajectory), [&] { return DecodeTrajectory(trajectory); },
      deadline, cancelled);
  if (!outcome.ok()) return outcome.status();
  if (!outcome->status.ok()) {
    ack->set_code(static_cast<int>(outcome->status.code()));
    ack->set_reason(std::string(outcome->status.message()));
    return absl::OkStatus();
  }
  ack->set_duplicate(outcome->duplicate);
  *durable_sequence = outcome->durable_sequence;
  return absl::OkStatus();
}

absl::StatusOr<proto::SampleResponse> ReplayServiceImpl::SampleTrajectories(
    const proto::SampleRequest& request, absl::Time deadline,
    absl::FunctionRef<bool()> cancelled) {
  absl::StatusOr<Selector> selector = SelectorFromProto(request.selector());
  if (!selector.ok()) return selector.status();
  SampleSpec spec;
  spec.selector = *selector;
  spec.count = request.count();
  spec.window = request.window();
  spec.max_policy_lag = request.max_policy_lag();
  spec.learner_version = request.learner_version();
  absl::StatusOr<SampleResult> result;
  if (request.replay_count() != 0) {
    if (spec.selector != Selector::kFresh) {
      return absl::InvalidArgumentError(
          "replay_count is for FRESH samples only");
    }
    absl::StatusOr<Selector> replay_selector =
        SelectorFromProto(request.replay_selector());
    if (!replay_selector.ok()) return replay_selector.status();
    result = buffer_->SamplePolicyBatch(spec, request.replay_count(),
                                        *replay_selector, deadline, cancelled);
  } else {
    result = buffer_->Sample(spec, deadline, cancelled);
  }
  if (!result.ok()) return result.status();
  proto::SampleResponse response;
  const std::string& task_name = buffer_->task().name();
  for (const TrajectoryRef& t : result->trajectories) {
    EncodeTrajectory(*t, task_name, response.add_trajectories());
  }
  response.set_dropped_for_lag(result->dropped_for_lag);
  return response;
}

ReplayServiceInfo ReplayServiceImpl::Info() const {
  ReplayServiceInfo info;
  static_cast<ReplayBufferInfo&>(info) = buffer_->Info();
  info.durability = options_.durability;
  return info;
}

absl::StatusOr<proto::LookupResponse> ReplayServiceImpl::LookupKeys(
    const proto::LookupRequest& request) const {
  if (request.keys_size() > kMaxLookupKeys) {
    return absl::InvalidArgumentError(absl::StrCat(
        "at most ", kMaxLookupKeys, " keys per Lookup, got ", request.keys_size()));
  }
  std::vector<TrajectoryKey> keys;
  keys.reserve(request.keys_size());
  for (const proto::TrajectoryKey& key : request.keys()) {
    keys.emplace_back(key.actor_id(), key.incarnation(), key.sequence());
  }
  proto::LookupResponse response;
  for (bool stored : buffer_->Contains(keys)) response.add_stored(stored);
  return response;
}

// RPC edge ------------------------------------------------------------------

grpc::Status ReplayServiceImpl::Insert(
    grpc::ServerContext* context,
    grpc::ServerReaderWriter<proto::InsertResponse, proto::InsertRequest>*
        stream) {
  if (grpc::Status s = CheckToken(options_.auth.get(), *context); !s.ok()) return s;
  auto is_cancelled = [context] { return context->IsCancelled(); };
  proto::InsertRequest request;
  // Read one request, finish it, answer it, and only then read the next:
  // while a trajectory waits on the limiter nothing more is read, which is
  // the backpressure (see the file comment of the header).
  while (stream->Read(&request)) {
    if (request.trajectories_size() > kMaxInsertBatch) {
      return grpc::Status(
          grpc::StatusCode::INVALID_ARGUMENT,
          absl::StrCat("InsertRequest carries ", request.trajectories_size(),
                       " trajectories, more than the limit of ",
                       kMaxInsertBatch));
    }
    proto::InsertResponse response;
    if (absl::Status status = InsertRequestTrajectories(
            request, DeadlineOf(*context), is_cancelled, &response);
        !status.ok()) {
      return ToGrpcStatus(status);
    }
    if (!stream->Write(response)) {
      return grpc::Status(grpc::StatusCode::CANCELLED,
                          "the client stopped reading acks");
    }
  }
  return grpc::Status::OK;
}

grpc::Status ReplayServiceImpl::Sample(grpc::ServerContext* context,
                                       const proto::SampleRequest* request,
                                       proto::SampleResponse* response) {
  if (grpc::Status s = CheckToken(options_.auth.get(), *context); !s.ok()) return s;
  absl::StatusOr<proto::SampleResponse> result =
      SampleTrajectories(*request, DeadlineOf(*context),
                         [context] { return context->IsCancelled(); });
  if (!result.ok()) return ToGrpcStatus(result.status());
  *response = *std::move(result);
  return grpc::Status::OK;
}

grpc::Status ReplayServiceImpl::Lookup(grpc::ServerContext* context,
                                       const proto::LookupRequest* request,
                                       proto::LookupResponse* response) {
  if (grpc::Status s = CheckToken(options_.auth.get(), *context); !s.ok()) return s;
  absl::StatusOr<proto::LookupResponse> result = LookupKeys(*request);
  if (!result.ok()) return ToGrpcStatus(result.status());
  *response = *std::move(result);
  return grpc::Status::OK;
}

grpc::Status ReplayServiceImpl::Info(grpc::ServerContext* context,
                                     const proto::InfoRequest* request,
                                     proto::InfoResponse* response) {
  if (grpc::Status s = CheckToken(options_.auth.get(), *context); !s.ok()) return s;
  Info().ToProto(response);
  return grpc::Status::OK;
}

}  // namespace ledgfn
