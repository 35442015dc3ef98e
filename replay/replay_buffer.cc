#include "replay/replay_buffer.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "absl/cleanup/cleanup.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/log.h"

namespace ledgfn {
namespace {

constexpr int kMaxSampleBatchLimit = 1 << 20;

absl::Status ShutdownError() {
  return absl::UnavailableError("replay is shutting down");
}

std::vector<TrajectoryRef> Refs(std::vector<Table::Item> items) {
  std::vector<TrajectoryRef> refs;
  refs.reserve(items.size());
  for (Table::Item& item : items) refs.push_back(std::move(item.trajectory));
  return refs;
}

// The one place a drawing selector becomes items (replay/selector.h).
std::vector<Table::Item> SelectItems(const Table& table, const SampleSpec& spec,
                                     std::mt19937_64& rng) {
  switch (spec.selector) {
    case Selector::kUniform:
      return table.SampleUniform(spec.count, rng);
    case Selector::kNewestWindow:
      return table.SampleNewestWindow(spec.count, spec.window, rng);
    case Selector::kPrioritized:
      return table.SamplePrioritized(spec.count, rng);
    case Selector::kFresh:
      break;  // not a drawing selector
  }
  return {};
}

}  // namespace

absl::Status ReplayBufferOptions::Validate() const {
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

absl::StatusOr<std::unique_ptr<ReplayBuffer>> ReplayBuffer::Create(
    const Task& task, const ReplayBufferOptions& options) {
  if (absl::Status s = options.Validate(); !s.ok()) return s;
  absl::StatusOr<std::unique_ptr<Table>> table = Table::Create(options.table);
  if (!table.ok()) return table.status();
  absl::StatusOr<std::unique_ptr<RateLimiter>> limiter =
      RateLimiter::Create(options.limiter);
  if (!limiter.ok()) return limiter.status();
  return std::unique_ptr<ReplayBuffer>(new ReplayBuffer(
      task, options, *std::move(table), *std::move(limiter)));
}

ReplayBuffer::ReplayBuffer(const Task& task, const ReplayBufferOptions& options,
                           std::unique_ptr<Table> table,
                           std::unique_ptr<RateLimiter> limiter)
    : task_(task),
      task_name_(task.name()),
      options_(options),
      table_(std::move(table)),
      limiter_(std::move(limiter)),
      dedupe_(options.dedupe_window, options.dedupe_max_incarnations),
      rng_(options.seed) {}

ReplayBuffer::~ReplayBuffer() {
  Shutdown();
  if (!stop_snapshots_.HasBeenNotified()) stop_snapshots_.Notify();
  if (snapshot_thread_.joinable()) snapshot_thread_.join();
  if (journal_ != nullptr) journal_->Close().IgnoreError();
}

void ReplayBuffer::Shutdown() {
  shutting_down_.store(true);
  limiter_->Cancel();
}

// Durability -----------------------------------------------------------------

void ReplayBuffer::Restore(const ReplayState& state) {
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

int64_t ReplayBuffer::end_index() const {
  absl::MutexLock lock(&mu_);
  return EndIndexLocked();
}

void ReplayBuffer::AttachJournal(std::unique_ptr<ReplayJournal> journal,
                                 absl::Duration snapshot_every) {
  journal_ = std::move(journal);
  if (snapshot_every != absl::InfiniteDuration()) {
    snapshot_thread_ =
        std::thread([this, snapshot_every] { SnapshotLoop(snapshot_every); });
  }
}

void ReplayBuffer::SnapshotLoop(absl::Duration every) {
  while (!stop_snapshots_.WaitForNotificationWithTimeout(every)) {
    if (absl::Status s = WriteSnapshotNow(); !s.ok()) {
      LogWarning("snapshot failed: %s", s.message());
    }
  }
}

absl::Status ReplayBuffer::WriteSnapshotNow() {
  if (journal_ == nullptr) {
    return absl::FailedPreconditionError("no durability: no snapshots");
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
    state.end_index = EndIndexLocked();
    state.first_index =
        state.end_index - static_cast<int64_t>(state.items.size());
    state.fresh_cursor = index_offset_ + contents.fresh_cursor;
    state.limiter_samples = limiter_->Info().samples;
    state.dedupe = dedupe_.Export();
    // Later records go where the snapshot does not cover.
    rotation = journal_->BeginSnapshot(state.end_index);
  }
  const absl::Status written = journal_->WriteSnapshot(state, rotation);
  absl::MutexLock lock(&counters_mu_);
  if (written.ok()) {
    ++counters_.snapshots;
    counters_.last_snapshot = absl::Now();
  } else {
    ++counters_.snapshot_failures;
  }
  return written;
}

absl::Status ReplayBuffer::Close() {
  if (closed_.exchange(true)) return absl::OkStatus();
  Shutdown();
  stop_snapshots_.Notify();
  if (snapshot_thread_.joinable()) snapshot_thread_.join();
  if (journal_ == nullptr) return absl::OkStatus();
  absl::Status status = WriteSnapshotNow();
  if (absl::Status s = journal_->Close(); !s.ok() && status.ok()) status = s;
  return status;
}

absl::Status ReplayBuffer::AwaitDurable(int64_t sequence, absl::Time deadline) {
  if (journal_ == nullptr || sequence <= 0) return absl::OkStatus();
  return journal_->AwaitDurable(sequence, deadline);
}

// Insert ---------------------------------------------------------------------

void ReplayBuffer::AddWaiting(int64_t Counters::*field, int64_t delta) {
  absl::MutexLock lock(&counters_mu_);
  counters_.*field += delta;
}

absl::StatusOr<InsertOutcome> ReplayBuffer::Insert(
    const TrajectoryView& view, absl::FunctionRef<Trajectory()> materialize,
    absl::Time deadline, absl::FunctionRef<bool()> cancelled) {
  InsertOutcome outcome;
  // 1. Validation (outside the lock: replaying actions is the costly part).
  std::vector<State> visited;
  if (absl::Status valid = ValidateTrajectory(task_, view, options_.validation,
                                              &outcome.category, &visited);
      !valid.ok()) {
    {
      absl::MutexLock lock(&mu_);
      dedupe_.Add(view.actor_id, view.incarnation, view.sequence);
    }
    {
      absl::MutexLock lock(&counters_mu_);
      ++counters_.rejected_by_category[static_cast<int>(outcome.category)];
    }
    outcome.status = valid;
    return outcome;
  }
  outcome.terminal = visited.back();

  // Materialised outside the lock (decoding the wire form is O(size)); only
  // the view's key fields are read from here on.
  std::optional<Trajectory> decoded = materialize();
  if (options_.keep_replayed_states) {
    decoded->states = std::make_shared<const std::vector<State>>(std::move(visited));
  }
  auto attempt = [&]() -> absl::StatusOr<bool> {
    absl::MutexLock lock(&mu_);
    // Never acknowledge (not even as a duplicate) what a failed journal
    // may not hold.
    if (journal_ != nullptr) {
      if (absl::Status s = journal_->status(); !s.ok()) return s;
    }
    // 2. Deduplication, before any wait: resends are acknowledged at once
    // (with a journal, once everything recorded so far, the original
    // included, is durable).
    if (dedupe_.Contains(view.actor_id, view.incarnation, view.sequence)) {
      if (journal_ != nullptr) {
        outcome.durable_sequence = journal_->last_sequence();
      }
      absl::MutexLock counters_lock(&counters_mu_);
      ++counters_.duplicates;
      outcome.duplicate = true;
      return true;
    }
    if (shutting_down_.load()) return ShutdownError();
    // 3. Admission. Under mu_ no other insert or eviction can happen, and
    // samples only make inserts more legal, so the check holds until the
    // insert is recorded below.
    if (!limiter_->CanInsert(1)) return false;
    if (journal_ != nullptr) {
      outcome.durable_sequence = journal_->RecordInsert(*decoded);
    }
    const int64_t key = table_->Insert(*std::move(decoded));
    dedupe_.Add(view.actor_id, view.incarnation, view.sequence);
    // Delete before insert: the limiter's size never exceeds the table's,
    // even for an instant.
    if (key >= table_->capacity()) limiter_->Delete(1);
    limiter_->Insert(1);
    absl::MutexLock counters_lock(&counters_mu_);
    ++counters_.inserted;
    return true;
  };
  if (absl::Status s = RetryOnLimiter(
          attempt,
          [&](absl::Duration slice) {
            return limiter_->AwaitCanInsert(1, slice);
          },
          &Counters::inserts_waiting, deadline, cancelled,
          [] {
            return absl::DeadlineExceededError(
                "the rate limiter did not admit the insert before the "
                "deadline");
          });
      !s.ok()) {
    return s;
  }
  if (outcome.duplicate) outcome.terminal.clear();
  outcome.status = absl::OkStatus();
  return outcome;
}

absl::Status ReplayBuffer::RetryOnLimiter(
    absl::FunctionRef<absl::StatusOr<bool>()> attempt,
    absl::FunctionRef<absl::Status(absl::Duration)> await_slice,
    int64_t Counters::*waiting_field, absl::Time deadline,
    absl::FunctionRef<bool()> cancelled,
    absl::FunctionRef<absl::Status()> deadline_error) {
  bool waiting = false;
  absl::Cleanup stop_waiting = [this, &waiting, waiting_field] {
    if (waiting) AddWaiting(waiting_field, -1);
  };
  if (cancelled()) return absl::CancelledError("cancelled by the client");
  if (deadline == absl::InfinitePast()) return deadline_error();
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
    // A wait that reached the deadline ends the call here, whether or not
    // the limiter now allows it: admitting after the deadline would act for
    // a caller that has given up (whose gRPC context may not read as
    // cancelled yet).
    if (cancelled()) return absl::CancelledError("cancelled by the client");
    if (absl::Now() >= deadline) return deadline_error();
    // Before the deadline: try again under the lock.
  }
}

// Sample ---------------------------------------------------------------------

void ReplayBuffer::CountSampled(const SampleResult& result, bool fresh) {
  const auto n = static_cast<int64_t>(result.trajectories.size());
  absl::MutexLock lock(&counters_mu_);
  counters_.sampled += n;
  if (fresh) {
    counters_.fresh_sampled += n;
    counters_.dropped_for_lag += result.dropped_for_lag;
  }
}

absl::StatusOr<SampleResult> ReplayBuffer::Sample(
    const SampleSpec& spec, absl::Time deadline,
    absl::FunctionRef<bool()> cancelled) {
  if (spec.count < 1 || spec.count > options_.max_sample_batch) {
    return absl::InvalidArgumentError(
        absl::StrCat("count (", spec.count, ") must be in [1, ",
                     options_.max_sample_batch, "]"));
  }
  if (spec.selector == Selector::kFresh) {
    return SampleFresh(spec, deadline, cancelled);
  }
  return Draw(spec);
}

absl::StatusOr<SampleResult> ReplayBuffer::Draw(const SampleSpec& spec) {
  if (spec.selector == Selector::kNewestWindow && spec.window < 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "newest_window needs window >= 1, got ", spec.window));
  }
  SampleResult result;
  {
    absl::MutexLock lock(&rng_mu_);
    result.trajectories = Refs(SelectItems(*table_, spec, rng_));
  }
  // The table only grows, so empty here means empty at the call.
  if (result.trajectories.empty()) {
    return absl::FailedPreconditionError(
        "the replay table is empty; nothing to sample");
  }
  CountSampled(result, /*fresh=*/false);
  return result;
}

absl::StatusOr<SampleResult> ReplayBuffer::SampleFresh(
    const SampleSpec& spec, absl::Time deadline,
    absl::FunctionRef<bool()> cancelled) {
  const int count = spec.count;
  if (spec.max_policy_lag < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "max_policy_lag must be >= 0, got ", spec.max_policy_lag));
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
    if (journal_ != nullptr) {
      journal_->RecordFreshCursor(EndIndexLocked() - table_->num_fresh(),
                                  limiter_->Info().samples);
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
          [&](absl::Duration slice) {
            return limiter_->AwaitCanSample(count, slice);
          },
          &Counters::samples_waiting, deadline, cancelled, deadline_error);
      !s.ok()) {
    return s;
  }

  SampleResult result;
  for (Table::Item& item : items) {
    if (spec.max_policy_lag > 0 &&
        spec.learner_version - item.trajectory->policy_version >
            spec.max_policy_lag) {
      ++result.dropped_for_lag;
      continue;
    }
    result.trajectories.push_back(std::move(item.trajectory));
  }
  CountSampled(result, /*fresh=*/true);
  return result;
}

absl::StatusOr<SampleResult> ReplayBuffer::SamplePolicyBatch(
    const SampleSpec& fresh, int replayed, Selector replay_selector,
    absl::Time deadline, absl::FunctionRef<bool()> cancelled) {
  if (fresh.selector != Selector::kFresh || replay_selector == Selector::kFresh) {
    return absl::InvalidArgumentError(
        "a policy batch is FRESH items plus items of a drawing selector");
  }
  if (replayed < 0 || replayed > options_.max_sample_batch) {
    return absl::InvalidArgumentError(
        absl::StrCat("replayed count (", replayed, ") must be in [0, ",
                     options_.max_sample_batch, "]"));
  }
  absl::StatusOr<SampleResult> batch = Sample(fresh, deadline, cancelled);
  if (!batch.ok() || replayed == 0) return batch;
  SampleSpec spec;
  spec.selector = replay_selector;
  spec.count = replayed;
  absl::StatusOr<SampleResult> more = Draw(spec);
  if (!more.ok()) return more.status();
  for (TrajectoryRef& t : more->trajectories) {
    batch->trajectories.push_back(std::move(t));
  }
  return batch;
}

// Info -------------------------------------------------------------------------

ReplayBufferInfo ReplayBuffer::Info() const {
  ReplayBufferInfo info;
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
  info.recovered = recovered_;
  if (journal_ != nullptr) info.wal = journal_->stats();
  return info;
}

std::vector<bool> ReplayBuffer::Contains(
    const std::vector<TrajectoryKey>& keys) const {
  absl::flat_hash_set<TrajectoryKey> stored;
  for (const Table::Item& item : table_->Snapshot().items) {
    const Trajectory& t = *item.trajectory;
    stored.insert(TrajectoryKey(t.actor_id, t.incarnation, t.sequence));
  }
  std::vector<bool> answer;
  answer.reserve(keys.size());
  for (const TrajectoryKey& key : keys) answer.push_back(stored.contains(key));
  return answer;
}

}  // namespace ledgfn
