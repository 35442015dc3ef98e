#include "replay/replay_service.h"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <memory>
#include <cstdio>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/cleanup/cleanup.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/file_util.h"
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

// Options and info --------------------------------------------------------

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
  if (durability != Durability::kNone && data_dir.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "durability ", DurabilityName(durability), " needs a data directory"));
  }
  if (!(snapshot_every > absl::ZeroDuration())) {
    return absl::InvalidArgumentError(
        absl::StrCat("snapshot_every (", absl::FormatDuration(snapshot_every),
                     ") must be > 0"));
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
  out->set_durability(std::string(DurabilityName(durability)));
  out->set_recovered(recovered);
  out->set_wal_syncs(wal.syncs);
  out->set_snapshots(snapshots);
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
  std::unique_ptr<ReplayServiceImpl> service(new ReplayServiceImpl(
      task, options, *std::move(table), *std::move(limiter)));
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
  service->Restore(*state);
  if (absl::Status s = service->StartDurability(); !s.ok()) return s;
  return service;
}

void ReplayServiceImpl::Restore(const ReplayState& state) {
  absl::MutexLock lock(&mu_);
  for (const auto& item : state.items) table_->Insert(Trajectory(*item));
  index_offset_ = state.end_index - table_->total_inserted();
  // Items FRESH had returned before the restart are not returned again.
  int64_t taken = std::clamp<int64_t>(state.fresh_cursor - state.first_index, 0,
                                      table_->size());
  while (taken > 0) {
    const int n = static_cast<int>(std::min<int64_t>(taken, 1 << 20));
    table_->TakeFresh(n);
    taken -= n;
  }
  limiter_->Restore(state.end_index, state.limiter_samples,
                    state.end_index - table_->size());
  dedupe_.Import(state.dedupe);
  recovered_ = table_->size();
}

absl::Status ReplayServiceImpl::StartDurability() {
  if (options_.durability == Durability::kWal) {
    int64_t first_index = 0;
    {
      absl::MutexLock lock(&mu_);
      first_index = end_index();
    }
    absl::StatusOr<std::unique_ptr<WriteAheadLog>> wal =
        WriteAheadLog::Open(options_.data_dir, first_index);
    if (!wal.ok()) return wal.status();
    wal_ = *std::move(wal);
  } else if (absl::Status s = MakeDirs(options_.data_dir); !s.ok()) {
    return s;
  }
  if (options_.snapshot_every != absl::InfiniteDuration()) {
    snapshot_thread_ = std::thread([this] { SnapshotLoop(); });
  }
  return absl::OkStatus();
}

void ReplayServiceImpl::SnapshotLoop() {
  while (!stop_snapshots_.WaitForNotificationWithTimeout(options_.snapshot_every)) {
    if (absl::Status s = WriteSnapshotNow(); !s.ok()) {
      std::fprintf(stderr, "ledgfn replay: snapshot failed: %s\n",
                   std::string(s.message()).c_str());
    }
  }
}

absl::Status ReplayServiceImpl::WriteSnapshotNow() {
  if (options_.durability == Durability::kNone) {
    return absl::FailedPreconditionError("durability is none: no snapshots");
  }
  absl::MutexLock snapshot_lock(&snapshot_mu_);
  ReplayState state;
  state.task = task_name_;
  int64_t rotation = 0;
  {
    absl::MutexLock lock(&mu_);
    Table::Contents contents = table_->Snapshot();
    for (Table::Item& item : contents.items) {
      state.items.push_back(std::move(item.trajectory));
    }
    state.end_index = end_index();
    state.first_index = state.end_index - static_cast<int64_t>(state.items.size());
    state.fresh_cursor = index_offset_ + contents.fresh_cursor;
    state.limiter_samples = limiter_->Info().samples;
    state.dedupe = dedupe_.Export();
    // Later records go to a segment the snapshot does not cover.
    if (wal_ != nullptr) rotation = wal_->Rotate(state.end_index);
  }
  absl::StatusOr<std::string> written = WriteSnapshot(options_.data_dir, state);
  {
    absl::MutexLock lock(&counters_mu_);
    if (written.ok()) {
      ++counters_.snapshots;
      counters_.last_snapshot = absl::Now();
    } else {
      ++counters_.snapshot_failures;
    }
  }
  if (!written.ok()) return written.status();
  if (wal_ != nullptr) {
    // The rotation closes the covered segments; their deletion is safe
    // either way (the snapshot holds their records).
    wal_->AwaitDurable(rotation, absl::Now() + absl::Seconds(10)).IgnoreError();
  }
  return DeleteCoveredFiles(options_.data_dir, state.end_index);
}

absl::Status ReplayServiceImpl::Close() {
  if (closed_.exchange(true)) return absl::OkStatus();
  Shutdown();
  stop_snapshots_.Notify();
  if (snapshot_thread_.joinable()) snapshot_thread_.join();
  absl::Status status = absl::OkStatus();
  if (options_.durability != Durability::kNone) status = WriteSnapshotNow();
  if (wal_ != nullptr) {
    if (absl::Status s = wal_->Close(); !s.ok() && status.ok()) status = s;
  }
  return status;
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

ReplayServiceImpl::~ReplayServiceImpl() {
  Shutdown();
  if (!stop_snapshots_.HasBeenNotified()) stop_snapshots_.Notify();
  if (snapshot_thread_.joinable()) snapshot_thread_.join();
  if (wal_ != nullptr) wal_->Close().IgnoreError();
}

void ReplayServiceImpl::Shutdown() {
  shutting_down_.store(true);
  limiter_->Cancel();
}

void ReplayServiceImpl::AddWaiting(int64_t Counters::*field, int64_t delta) {
  absl::MutexLock lock(&counters_mu_);
  counters_.*field += delta;
}

absl::Status ReplayServiceImpl::AwaitDurable(int64_t sequence,
                                             absl::Time deadline) {
  if (wal_ == nullptr || sequence <= 0) return absl::OkStatus();
  return wal_->AwaitDurable(sequence, deadline);
}

absl::Status ReplayServiceImpl::InsertTrajectory(
    const proto::Trajectory& trajectory, absl::Time deadline,
    absl::FunctionRef<bool()> cancelled, proto::Ack* ack) {
  int64_t sequence = 0;
  if (absl::Status s = Store(trajectory, deadline, cancelled, ack, &sequence);
      !s.ok()) {
    return s;
  }
  return AwaitDurable(sequence, deadline);
}

absl::Status ReplayServiceImpl::InsertRequestTrajectories(
    const proto::InsertRequest& request, absl::Time deadline,
    absl::FunctionRef<bool()> cancelled, proto::InsertResponse* response) {
  int64_t last = 0;
  for (const proto::Trajectory& t : request.trajectories()) {
    int64_t sequence = 0;
    if (absl::Status s = Store(t, deadline, cancelled, response->add_acks(), &sequence);
        !s.ok()) {
      return s;
    }
    last = std::max(last, sequence);
  }
  return AwaitDurable(last, deadline);
}

absl::Status ReplayServiceImpl::Store(const proto::Trajectory& trajectory,
                                      absl::Time deadline,
                                      absl::FunctionRef<bool()> cancelled,
                                      proto::Ack* ack, int64_t* wal_sequence) {
  *wal_sequence = 0;
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
  auto attempt = [&]() -> absl::StatusOr<bool> {
    absl::MutexLock lock(&mu_);
    // Never acknowledge (not even as a duplicate) what a failed log may
    // not hold.
    if (wal_ != nullptr) {
      if (absl::Status s = wal_->status(); !s.ok()) return s;
    }
    // 2. Deduplication, before any wait: resends are acked at once (with
    // a log, once everything logged so far, the original included, is
    // on disk).
    if (dedupe_.Contains(actor, incarnation, sequence)) {
      if (wal_ != nullptr) *wal_sequence = wal_->last_sequence();
      absl::MutexLock counters_lock(&counters_mu_);
      ++counters_.duplicates;
      ack->set_duplicate(true);
      return true;
    }
    if (shutting_down_.load()) return ShutdownError();
    // 3. Admission. Under mu_ no other insert or eviction can
    // happen, and samples only make inserts more legal, so the check holds
    // until the insert is recorded below.
    if (!limiter_->CanInsert(1)) return false;
    const int64_t key = table_->Insert(std::move(decoded));
    dedupe_.Add(actor, incarnation, sequence);
    // Delete before insert: the limiter's size never exceeds the
    // table's, even for an instant.
    if (key >= table_->capacity()) limiter_->Delete(1);
    limiter_->Insert(1);
    if (wal_ != nullptr) {
      proto::WalRecord record;
      *record.mutable_insert() = trajectory;
      *wal_sequence = wal_->Append(record);
    }
    absl::MutexLock counters_lock(&counters_mu_);
    ++counters_.inserted;
    return true;
  };
  return RetryOnLimiter(
      attempt,
      [&](absl::Duration slice) { return limiter_->AwaitCanInsert(1, slice); },
      &Counters::inserts_waiting, deadline, cancelled, [] {
        return absl::DeadlineExceededError(
            "the rate limiter did not admit the insert before the deadline");
      });
}

absl::Status ReplayServiceImpl::RetryOnLimiter(
    absl::FunctionRef<absl::StatusOr<bool>()> attempt,
    absl::FunctionRef<absl::Status(absl::Duration)> await_slice,
    int64_t Counters::*waiting_field, absl::Time deadline,
    absl::FunctionRef<bool()> cancelled,
    absl::FunctionRef<absl::Status()> deadline_error) {
  bool waiting = false;
  absl::Cleanup stop_waiting = [this, &waiting, waiting_field] {
    if (waiting) AddWaiting(waiting_field, -1);
  };
  while (true) {
    absl::StatusOr<bool> done = attempt();
    if (!done.ok()) return done.status();
    if (*done) return absl::OkStatus();
    if (!waiting) {
      waiting = true;
      AddWaiting(waiting_field, +1);
    }
    if (cancelled()) return absl::CancelledError("cancelled by the client");
    const absl::Time now = absl::Now();
    if (now >= deadline) return deadline_error();
    const absl::Status waited =
        await_slice(std::min(options_.wait_slice, deadline - now));
    if (absl::IsCancelled(waited)) return ShutdownError();
    // A slice that ran into the deadline ends the call here: admitting
    // after the deadline would act for a caller that has given up.
    if (cancelled()) return absl::CancelledError("cancelled by the client");
    if (!waited.ok() && absl::Now() >= deadline) return deadline_error();
    // OK or a slice's DEADLINE_EXCEEDED: try again under the lock.
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

  std::vector<Table::Item> items;
  auto attempt = [&]() -> absl::StatusOr<bool> {
    if (shutting_down_.load()) return ShutdownError();
    // Grant and take under mu_, so that no insert can evict the granted
    // fresh items in between (the limiter counted only stored items:
    // inserts are recorded after the store).
    absl::MutexLock lock(&mu_);
    if (!limiter_->CanSample(count)) return false;
    limiter_->Sample(count);
    items = table_->TakeFresh(count);
    if (wal_ != nullptr) {
      proto::WalRecord record;
      record.mutable_sample()->set_fresh_cursor(end_index() - table_->num_fresh());
      record.mutable_sample()->set_limiter_samples(limiter_->Info().samples);
      wal_->Append(record);
    }
    return true;
  };
  auto deadline_error = [&] {
    const RateLimiterInfo info = limiter_->Info();
    return absl::DeadlineExceededError(absl::StrCat(
        "the rate limiter did not allow ", count,
        " FRESH samples before the deadline (size ", info.size,
        ", min_size_to_sample ", info.min_size_to_sample, ", diff ", info.diff,
        ", min_diff ", info.min_diff, ")"));
  };
  if (absl::Status s = RetryOnLimiter(
          attempt,
          [&](absl::Duration slice) { return limiter_->AwaitCanSample(count, slice); },
          &Counters::samples_waiting, deadline, cancelled, deadline_error);
      !s.ok()) {
    return s;
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
    info.snapshots = counters_.snapshots;
    info.snapshot_failures = counters_.snapshot_failures;
    info.last_snapshot = counters_.last_snapshot;
  }
  for (int64_t n : info.rejected_by_category) info.rejected += n;
  {
    absl::MutexLock lock(&mu_);
    info.dedupe_incarnations = dedupe_.num_incarnations();
  }
  info.durability = options_.durability;
  info.recovered = recovered_;
  if (wal_ != nullptr) info.wal = wal_->stats();
  return info;
}

absl::StatusOr<proto::LookupResponse> ReplayServiceImpl::LookupKeys(
    const proto::LookupRequest& request) const {
  if (request.keys_size() > kMaxLookupKeys) {
    return absl::InvalidArgumentError(absl::StrCat(
        "at most ", kMaxLookupKeys, " keys per Lookup, got ", request.keys_size()));
  }
  using Key = std::tuple<int32_t, uint64_t, uint64_t>;
  absl::flat_hash_set<Key> stored;
  for (const Table::Item& item : table_->Snapshot().items) {
    const Trajectory& t = *item.trajectory;
    stored.insert(Key(t.actor_id, t.incarnation, t.sequence));
  }
  proto::LookupResponse response;
  for (const proto::TrajectoryKey& key : request.keys()) {
    response.add_stored(
        stored.contains(Key(key.actor_id(), key.incarnation(), key.sequence())));
  }
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
