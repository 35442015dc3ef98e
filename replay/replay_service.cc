#include "replay/replay_service.h"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/cleanup/cleanup.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "proto/server_util.h"
#include "proto/trajectory_codec.h"

namespace ledgfn {
namespace {

constexpr int kMaxSampleBatchLimit = 1 << 20;

// The call's deadline as an absl::Time; InfiniteFuture for "none" (gRPC
// reports that as a time point centuries away).
absl::Time DeadlineOf(const grpc::ServerContext& context) {
  const auto deadline = context.deadline();
  const auto now = std::chrono::system_clock::now();
  if (deadline <= now) return absl::Now();
  const auto left = deadline - now;
  if (left > std::chrono::hours(24 * 365)) return absl::InfiniteFuture();
  return absl::Now() + absl::FromChrono(
                           std::chrono::duration_cast<std::chrono::nanoseconds>(
                               left));
}

absl::Status ShutdownError() {
  return absl::UnavailableError("replay service is shutting down");
}

void FillKey(const proto::Trajectory& t, proto::TrajectoryKey* key) {
  key->set_actor_id(t.actor_id());
  key->set_incarnation(t.incarnation());
  key->set_sequence(t.sequence());
}

}  // namespace

// DedupeIndex -------------------------------------------------------------

DedupeIndex::DedupeIndex(int64_t window, int64_t max_incarnations)
    : window_(static_cast<uint64_t>(std::max<int64_t>(window, 1))),
      max_incarnations_(std::max<int64_t>(max_incarnations, 1)) {}

bool DedupeIndex::Contains(int32_t actor_id, uint64_t incarnation,
                           uint64_t sequence) const {
  auto it = streams_.find(StreamId(actor_id, incarnation));
  if (it == streams_.end()) return false;
  const Stream& s = it->second;
  return sequence < s.floor || s.recent.contains(sequence);
}

void DedupeIndex::Add(int32_t actor_id, uint64_t incarnation,
                      uint64_t sequence) {
  const StreamId id(actor_id, incarnation);
  auto it = streams_.find(id);
  if (it == streams_.end()) {
    if (static_cast<int64_t>(streams_.size()) >= max_incarnations_) {
      // Forget the least recently used stream. O(streams), but only when a
      // new incarnation appears while the index is full.
      auto oldest = streams_.begin();
      for (auto s = streams_.begin(); s != streams_.end(); ++s) {
        if (s->second.last_used < oldest->second.last_used) oldest = s;
      }
      streams_.erase(oldest);
    }
    it = streams_.emplace(id, Stream()).first;
  }
  Stream& s = it->second;
  s.last_used = ++tick_;
  if (sequence < s.floor || s.recent.contains(sequence)) return;
  if (sequence - s.floor >= window_) {
    // Keep `recent` within [floor, floor + window): forfeit the gap below.
    s.floor = sequence - window_ + 1;
    s.recent.erase(s.recent.begin(), s.recent.lower_bound(s.floor));
  }
  s.recent.insert(sequence);
  while (!s.recent.empty() && *s.recent.begin() == s.floor) {
    s.recent.erase(s.recent.begin());
    ++s.floor;
  }
}

// Options and info --------------------------------------------------------

absl::Status ReplayServiceOptions::Validate() const {
  if (absl::Status s = table.Validate(); !s.ok()) return s;
  if (absl::Status s = limiter.Validate(); !s.ok()) return s;
  if (table.capacity < limiter.min_size_to_sample) {
    return absl::InvalidArgumentError(absl::StrCat(
        "capacity (", table.capacity, ") must be >= min_size_to_sample (",
        limiter.min_size_to_sample, "), or sampling could never start"));
  }
  if (max_sample_batch < 1 || max_sample_batch > kMaxSampleBatchLimit) {
    return absl::InvalidArgumentError(
        absl::StrCat("max_sample_batch (", max_sample_batch,
                     ") must be in [1, ", kMaxSampleBatchLimit, "]"));
  }
  if (!(wait_slice > absl::ZeroDuration()) ||
      wait_slice == absl::InfiniteDuration()) {
    return absl::InvalidArgumentError(
        absl::StrCat("wait_slice (", absl::FormatDuration(wait_slice),
                     ") must be finite and > 0"));
  }
  if (dedupe_window < 1 || dedupe_max_incarnations < 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "dedupe_window (", dedupe_window, ") and dedupe_max_incarnations (",
        dedupe_max_incarnations, ") must be >= 1"));
  }
  return absl::OkStatus();
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
}

// Service -------------------------------------------------------------------

absl::StatusOr<std::unique_ptr<ReplayServiceImpl>> ReplayServiceImpl::Create(
    const Task& task, const ReplayServiceOptions& options) {
  if (absl::Status s = options.Validate(); !s.ok()) return s;
  absl::StatusOr<std::unique_ptr<Table>> table = Table::Create(options.table);
  if (!table.ok()) return table.status();
  absl::StatusOr<std::unique_ptr<RateLimiter>> limiter =
      RateLimiter::Create(options.limiter);
  if (!limiter.ok()) return limiter.status();
  return std::unique_ptr<ReplayServiceImpl>(new ReplayServiceImpl(
      task, options, *std::move(table), *std::move(limiter)));
}

ReplayServiceImpl::ReplayServiceImpl(const Task& task,
                                     const ReplayServiceOptions& options,
                                     std::unique_ptr<Table> table,
                                     std::unique_ptr<RateLimiter> limiter)
    : task_(task),
      task_name_(task.name()),
      options_(options),
      table_(std::move(table)),
      limiter_(std::move(limiter)),
      dedupe_(options.dedupe_window, options.dedupe_max_incarnations),
      rng_(options.seed) {}

ReplayServiceImpl::~ReplayServiceImpl() { Shutdown(); }

void ReplayServiceImpl::Shutdown() {
  shutting_down_.store(true);
  limiter_->Cancel();
}

void ReplayServiceImpl::AddWaiting(int64_t Counters::*field, int64_t delta) {
  absl::MutexLock lock(&counters_mu_);
  counters_.*field += delta;
}

absl::Status ReplayServiceImpl::InsertTrajectory(
    const proto::Trajectory& trajectory, absl::Time deadline,
    absl::FunctionRef<bool()> cancelled, proto::Ack* ack) {
  ack->Clear();
  FillKey(trajectory, ack->mutable_key());
  const int32_t actor = trajectory.actor_id();
  const uint64_t incarnation = trajectory.incarnation();
  const uint64_t sequence = trajectory.sequence();

  // 1. Validation (outside the lock: replaying actions is the costly part).
  RejectCategory category = RejectCategory::kIllegalAction;
  if (absl::Status valid = ValidateTrajectory(task_, trajectory,
                                              options_.validation, &category);
      !valid.ok()) {
    {
      absl::MutexLock lock(&mu_);
      dedupe_.Add(actor, incarnation, sequence);
    }
    {
      absl::MutexLock lock(&counters_mu_);
      ++counters_.rejected_by_category[static_cast<int>(category)];
    }
    ack->set_code(static_cast<int>(absl::StatusCode::kInvalidArgument));
    ack->set_reason(std::string(valid.message()));
    return absl::OkStatus();
  }

  Trajectory decoded = DecodeTrajectory(trajectory);
  bool waiting = false;
  absl::Cleanup stop_waiting = [this, &waiting] {
    if (waiting) AddWaiting(&Counters::inserts_waiting, -1);
  };
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      // 2. Deduplication, before any wait: resends are acked at once.
      if (dedupe_.Contains(actor, incarnation, sequence)) {
        absl::MutexLock counters_lock(&counters_mu_);
        ++counters_.duplicates;
        ack->set_duplicate(true);
        return absl::OkStatus();
      }
      if (shutting_down_.load()) return ShutdownError();
      // 3. Admission. Under mu_ no other insert or eviction can
      // happen, and samples only make inserts more legal, so the check holds
      // until the insert is recorded below.
      if (limiter_->CanInsert(1)) {
        const int64_t key = table_->Insert(std::move(decoded));
        dedupe_.Add(actor, incarnation, sequence);
        // Delete before insert: the limiter's size never exceeds the
        // table's, even for an instant.
        if (key >= table_->capacity()) limiter_->Delete(1);
        limiter_->Insert(1);
        absl::MutexLock counters_lock(&counters_mu_);
        ++counters_.inserted;
        return absl::OkStatus();
      }
    }
    if (!waiting) {
      waiting = true;
      AddWaiting(&Counters::inserts_waiting, +1);
    }
    if (cancelled()) return absl::CancelledError("insert cancelled");
    const absl::Time now = absl::Now();
    if (now >= deadline) {
      return absl::DeadlineExceededError(
          "the rate limiter did not admit the insert before the deadline");
    }
    const absl::Status waited =
        limiter_->AwaitCanInsert(1, std::min(options_.wait_slice, deadline - now));
    if (absl::IsCancelled(waited)) return ShutdownError();
    // OK or a slice's DEADLINE_EXCEEDED: re-check under the lock.
  }
}

absl::StatusOr<proto::SampleResponse> ReplayServiceImpl::SampleTrajectories(
    const proto::SampleRequest& request, absl::Time deadline,
    absl::FunctionRef<bool()> cancelled) {
  const int count = request.count();
  if (count < 1 || count > options_.max_sample_batch) {
    return absl::InvalidArgumentError(
        absl::StrCat("count (", count, ") must be in [1, ",
                     options_.max_sample_batch, "]"));
  }
  std::vector<Table::Item> items;
  switch (request.selector()) {
    case proto::FRESH:
      return SampleFresh(request, deadline, cancelled);
    case proto::UNIFORM: {
      absl::MutexLock lock(&rng_mu_);
      items = table_->SampleUniform(count, rng_);
      break;
    }
    case proto::NEWEST_WINDOW: {
      if (request.window() < 1) {
        return absl::InvalidArgumentError(absl::StrCat(
            "NEWEST_WINDOW needs window >= 1, got ", request.window()));
      }
      absl::MutexLock lock(&rng_mu_);
      items = table_->SampleNewestWindow(count, request.window(), rng_);
      break;
    }
    case proto::PRIORITIZED: {
      absl::MutexLock lock(&rng_mu_);
      items = table_->SamplePrioritized(count, rng_);
      break;
    }
    default:
      return absl::InvalidArgumentError(absl::StrCat(
          "unknown or unspecified selector ", request.selector()));
  }
  // The table only grows, so empty here means empty at the call.
  if (items.empty()) {
    return absl::FailedPreconditionError(
        "the replay table is empty; nothing to sample");
  }
  proto::SampleResponse response;
  for (const Table::Item& item : items) {
    EncodeTrajectory(*item.trajectory, task_name_,
                     response.add_trajectories());
  }
  absl::MutexLock lock(&counters_mu_);
  counters_.sampled += static_cast<int64_t>(items.size());
  return response;
}

absl::StatusOr<proto::SampleResponse> ReplayServiceImpl::SampleFresh(
    const proto::SampleRequest& request, absl::Time deadline,
    absl::FunctionRef<bool()> cancelled) {
  const int count = request.count();
  if (request.max_policy_lag() < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "max_policy_lag must be >= 0, got ", request.max_policy_lag()));
  }
  if (absl::Status s = options_.limiter.ValidateBatchSizes(count, 1);
      !s.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("FRESH count ", count,
                     " is too large for this rate limiter: ", s.message()));
  }

  bool waiting = false;
  absl::Cleanup stop_waiting = [this, &waiting] {
    if (waiting) AddWaiting(&Counters::samples_waiting, -1);
  };
  std::vector<Table::Item> items;
  while (true) {
    if (shutting_down_.load()) return ShutdownError();
    {
      // Grant and take under mu_, so that no insert can evict the granted
      // fresh items in between (the limiter counted only stored items:
      // inserts are recorded after the store).
      absl::MutexLock lock(&mu_);
      if (limiter_->CanSample(count)) {
        limiter_->Sample(count);
        items = table_->TakeFresh(count);
        break;
      }
    }
    if (!waiting) {
      waiting = true;
      AddWaiting(&Counters::samples_waiting, +1);
    }
    if (cancelled()) return absl::CancelledError("sample cancelled");
    const absl::Time now = absl::Now();
    if (now >= deadline) {
      const RateLimiterInfo info = limiter_->Info();
      return absl::DeadlineExceededError(absl::StrCat(
          "the rate limiter did not allow ", count,
          " FRESH samples before the deadline (size ", info.size,
          ", min_size_to_sample ", info.min_size_to_sample, ", diff ",
          info.diff, ", min_diff ", info.min_diff, ")"));
    }
    const absl::Status waited = limiter_->AwaitCanSample(
        count, std::min(options_.wait_slice, deadline - now));
    if (absl::IsCancelled(waited)) return ShutdownError();
    // OK or a slice's DEADLINE_EXCEEDED: re-check under the lock.
  }

  proto::SampleResponse response;
  int64_t dropped = 0;
  const int64_t max_lag = request.max_policy_lag();
  for (const Table::Item& item : items) {
    if (max_lag > 0 &&
        request.learner_version() - item.trajectory->policy_version > max_lag) {
      ++dropped;
      continue;
    }
    EncodeTrajectory(*item.trajectory, task_name_,
                     response.add_trajectories());
  }
  response.set_dropped_for_lag(dropped);
  absl::MutexLock lock(&counters_mu_);
  counters_.sampled += response.trajectories_size();
  counters_.fresh_sampled += response.trajectories_size();
  counters_.dropped_for_lag += dropped;
  return response;
}

ReplayServiceInfo ReplayServiceImpl::Info() const {
  ReplayServiceInfo info;
  info.task = task_name_;
  info.size = table_->size();
  info.capacity = table_->capacity();
  info.evicted = table_->total_evicted();
  info.fresh = table_->num_fresh();
  info.fresh_evicted = table_->fresh_evicted();
  info.limiter = limiter_->Info();
  info.shutting_down = shutting_down_.load();
  {
    absl::MutexLock lock(&counters_mu_);
    info.inserted = counters_.inserted;
    info.duplicates = counters_.duplicates;
    info.rejected_by_category = counters_.rejected_by_category;
    info.sampled = counters_.sampled;
    info.fresh_sampled = counters_.fresh_sampled;
    info.dropped_for_lag = counters_.dropped_for_lag;
    info.inserts_waiting = counters_.inserts_waiting;
    info.samples_waiting = counters_.samples_waiting;
  }
  for (int64_t n : info.rejected_by_category) info.rejected += n;
  {
    absl::MutexLock lock(&mu_);
    info.dedupe_incarnations = dedupe_.num_incarnations();
  }
  return info;
}

// RPC edge ------------------------------------------------------------------

grpc::Status ReplayServiceImpl::Insert(
    grpc::ServerContext* context,
    grpc::ServerReaderWriter<proto::InsertResponse, proto::InsertRequest>*
        stream) {
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
    for (const proto::Trajectory& t : request.trajectories()) {
      absl::Status status = InsertTrajectory(t, DeadlineOf(*context),
                                             is_cancelled, response.add_acks());
      if (!status.ok()) return ToGrpcStatus(status);
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
  absl::StatusOr<proto::SampleResponse> result =
      SampleTrajectories(*request, DeadlineOf(*context),
                         [context] { return context->IsCancelled(); });
  if (!result.ok()) return ToGrpcStatus(result.status());
  *response = *std::move(result);
  return grpc::Status::OK;
}

grpc::Status ReplayServiceImpl::Info(grpc::ServerContext* context,
                                     const proto::InfoRequest* request,
                                     proto::InfoResponse* response) {
  Info().ToProto(response);
  return grpc::Status::OK;
}

}  // namespace ledgfn
