// The replay core (DESIGN §2.4): one class that owns the bounded Table
// (replay/table.h), its RateLimiter (replay/rate_limiter.h), validation
// (replay/validation.h), deduplication (replay/dedupe_index.h) and
// durability (a ReplayJournal, replay/replay_journal.h), and makes an
// insert with its acknowledgement and every selector's sample atomic, as
// Reverb's Table owns its limiter. Every transport uses it: the Replay gRPC
// service (replay/replay_service.h) only translates proto to these calls,
// the embedded run (`ledgfn train`) calls it in process.
//
// Insert, per trajectory, in order:
//   1. validation: an invalid trajectory gets an outcome with
//      INVALID_ARGUMENT and the reason, counted by category
//      (RejectCategoryName), and the table is unchanged. Its key then counts
//      as seen for deduplication (validation is deterministic, so a resend
//      is rejected again anyway).
//   2. deduplication: a key already stored (see DedupeIndex for the bounded
//      rule) gets an OK outcome with duplicate = true, at once and without
//      waiting on the limiter, and is not stored again.
//   3. admission: wait (in slices of `wait_slice`, so shutdown and
//      cancellation are noticed promptly) until the limiter allows one
//      insert; then, atomically with respect to other inserts and FRESH
//      samples: store in the table, record an eviction as a limiter delete
//      (the insert that got key k evicted k - capacity iff k >= capacity),
//      then record the insert in the limiter, so the limiter never counts an
//      item the table does not hold, and record it in the journal.
// Several threads may insert at once: admission and store happen under one
// lock, so the limiter's bound holds whatever the number of inserters.
//
// Sample:
//   * kFresh: waits (up to `deadline`; DEADLINE_EXCEEDED after it,
//     UNAVAILABLE after Shutdown(), CANCELLED once `cancelled()`) until the
//     limiter allows `count` samples; then, in one step with respect to
//     inserts, records them and takes the up to `count` oldest
//     not-yet-FRESH-sampled items (Table::TakeFresh), so no insert can
//     evict the items it was granted for. Items more than `max_policy_lag`
//     (> 0) versions behind `learner_version` are dropped from the answer
//     and counted (they are consumed: a later FRESH sample does not see
//     them). The batch holds exactly `count` items minus the dropped ones
//     when samples_per_insert == 1, min_diff >= 0 (error_buffer <=
//     min_size_to_sample) and capacity >= max_diff (no fresh item is ever
//     evicted); otherwise the limiter may allow samples ahead of the fresh
//     items and the batch can be shorter. The limiter is charged `count`
//     either way, so it can never wedge. INVALID_ARGUMENT for
//     max_policy_lag < 0 or a count the limiter could starve forever
//     (RateLimiterOptions::ValidateBatchSizes(count, 1) fails).
//   * kUniform, kNewestWindow (window >= 1, else INVALID_ARGUMENT),
//     kPrioritized: `count` draws with replacement from the buffer's one
//     seeded engine, answered at once; FAILED_PRECONDITION while the table
//     is empty. They do not touch the limiter.
//   * count must be in [1, max_sample_batch], else INVALID_ARGUMENT.
// SamplePolicyBatch is the policy step's batch for every transport: FRESH
// items, then replayed ones drawn with another selector.
//
// Durability (AttachJournal): step 3 records the trajectory in the journal
// under the lock (so the journal's order is the table's), and Insert's
// outcome names the journal record to AwaitDurable before acknowledging; a
// duplicate waits for everything recorded before it (the original may
// still be in flight). FRESH samples record where the cursor stands (not
// waited for: after a crash, items sampled since the last durable mark may
// be served again). Snapshots capture the table, the dedupe index and the
// FRESH cursor under the lock and are written outside it.
//
// Thread-safe. Lock order: snapshot_mu_ before mu_ before counters_mu_;
// rng_mu_ and counters_mu_ are never held together; the table's, limiter's
// and journal's own locks are innermost.
#ifndef LEDGFN_REPLAY_REPLAY_BUFFER_H_
#define LEDGFN_REPLAY_REPLAY_BUFFER_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "tasks/task.h"
#include "common/trajectory.h"
#include "replay/dedupe_index.h"
#include "replay/rate_limiter.h"
#include "replay/replay_journal.h"
#include "replay/replay_state.h"
#include "replay/selector.h"
#include "replay/table.h"
#include "replay/validation.h"

namespace ledgfn {

struct ReplayBufferOptions {
  // The table (capacity, priority_alpha) and the limiter. capacity must be
  // >= limiter.min_size_to_sample, or FRESH samples could never proceed.
  TableOptions table;
  RateLimiterOptions limiter;
  // Largest `count` of one sample, in [1, 1 << 20].
  int max_sample_batch = 4096;
  // Blocked inserts and FRESH samples wait on the limiter in slices of this
  // length, re-checking cancellation in between (Shutdown() wakes them at
  // once regardless). Finite and > 0.
  absl::Duration wait_slice = absl::Milliseconds(100);
  ValidationLimits validation;
  // DedupeIndex parameters, both >= 1.
  int64_t dedupe_window = 1024;
  int64_t dedupe_max_incarnations = 4096;
  // Seed of the one engine every drawing selector uses: the same seed and
  // call sequence give the same draws.
  uint64_t seed = 0;
  // Store each trajectory with the states its validation replayed
  // (Trajectory::states) until a FRESH sample hands it out (Table keeps
  // them until then): an in-process learner then builds its batch without
  // replaying again. Off for the gRPC service, whose answers go on the wire
  // without states and are validated again by the learner.
  bool keep_replayed_states = false;

  // INVALID_ARGUMENT with the reason unless the constraints above hold.
  absl::Status Validate() const;
};

// What Insert did with one trajectory.
struct InsertOutcome {
  // OK: stored, or acknowledged as a duplicate; INVALID_ARGUMENT: rejected
  // with the reason (`category` says which check failed).
  absl::Status status;
  bool duplicate = false;
  RejectCategory category = RejectCategory::kIllegalAction;
  // The object x the trajectory reaches (stored trajectories only).
  State terminal;
  // The journal record to AwaitDurable before acknowledging (0: none).
  int64_t durable_sequence = 0;
};

struct SampleSpec {
  Selector selector = Selector::kUniform;
  int count = 0;
  int64_t window = 0;           // kNewestWindow
  int64_t max_policy_lag = 0;   // kFresh; 0 keeps all
  int64_t learner_version = 0;  // kFresh, for the lag filter
};

struct SampleResult {
  std::vector<TrajectoryRef> trajectories;
  int64_t dropped_for_lag = 0;
};

// The key of a trajectory: (actor_id, incarnation, sequence).
using TrajectoryKey = std::tuple<int32_t, uint64_t, uint64_t>;

// A snapshot of the buffer's state. Each group (table, limiter, counters)
// is read consistently on its own; the groups are read one after another.
struct ReplayBufferInfo {
  std::string task;
  // Table.
  int64_t size = 0;
  int64_t capacity = 0;
  int64_t evicted = 0;
  int64_t fresh = 0;          // stored, not yet FRESH-sampled, not evicted
  int64_t fresh_evicted = 0;  // evicted before a FRESH sample took them
  // Counters.
  int64_t inserted = 0;    // stored, ever (acked OK, not duplicate)
  int64_t duplicates = 0;  // acked OK with duplicate = true
  int64_t rejected = 0;    // rejected, = sum of the below
  std::array<int64_t, kNumRejectCategories> rejected_by_category{};
  int64_t sampled = 0;        // returned by Sample, any selector
  int64_t fresh_sampled = 0;  // of which FRESH
  int64_t dropped_for_lag = 0;
  // Calls waiting on the limiter right now.
  int64_t inserts_waiting = 0;
  int64_t samples_waiting = 0;
  int64_t dedupe_incarnations = 0;
  bool shutting_down = false;
  // Durability.
  int64_t recovered = 0;          // trajectories restored at start
  WriteAheadLogStats wal;         // zero without a journal that logs
  int64_t snapshots = 0;          // written by this process
  int64_t snapshot_failures = 0;
  absl::Time last_snapshot = absl::InfinitePast();
  // Limiter counters, configuration and wait statistics.
  RateLimiterInfo limiter;
};

class ReplayBuffer {
 public:
  // `task` must outlive the buffer. INVALID_ARGUMENT if
  // `options.Validate()` fails.
  static absl::StatusOr<std::unique_ptr<ReplayBuffer>> Create(
      const Task& task, const ReplayBufferOptions& options);
  // Shutdown(), stops the snapshots, closes the journal (no final snapshot:
  // call Close() for that).
  ~ReplayBuffer();

  ReplayBuffer(const ReplayBuffer&) = delete;
  ReplayBuffer& operator=(const ReplayBuffer&) = delete;

  // Steps 1-3 of the file comment for one trajectory: validates `view`;
  // `materialize()` gives the Trajectory to store: it is called once, after
  // validation passed and outside the lock, and the view's spans are not
  // read after it (so it may move from what they borrow). Returns the outcome, or, with nothing stored: UNAVAILABLE
  // after Shutdown() or when the journal failed, CANCELLED once
  // `cancelled()` returns true, DEADLINE_EXCEEDED at `deadline`
  // (absl::InfiniteFuture() waits as long as needed).
  absl::StatusOr<InsertOutcome> Insert(
      const TrajectoryView& view, absl::FunctionRef<Trajectory()> materialize,
      absl::Time deadline, absl::FunctionRef<bool()> cancelled);
  // Waits until the journal holds `sequence` on disk (OK at once for 0 or
  // without a journal); the journal's error, or DEADLINE_EXCEEDED.
  absl::Status AwaitDurable(int64_t sequence, absl::Time deadline);

  // One sample as in the file comment.
  absl::StatusOr<SampleResult> Sample(const SampleSpec& spec,
                                      absl::Time deadline,
                                      absl::FunctionRef<bool()> cancelled);
  // The policy step's batch: `fresh` (kFresh, waiting as Sample does, with
  // its lag filter) followed by `replayed` items drawn with
  // `replay_selector` (none when replayed == 0). The one place a policy
  // batch is put together, for every transport.
  absl::StatusOr<SampleResult> SamplePolicyBatch(
      const SampleSpec& fresh, int replayed, Selector replay_selector,
      absl::Time deadline, absl::FunctionRef<bool()> cancelled);

  // Waits until the limiter would allow a FRESH sample of `count` (for a
  // consumer that must not start before the first batch is there);
  // CANCELLED after Shutdown().
  absl::Status AwaitCanSample(int count) {
    return limiter_->AwaitCanSample(count, absl::InfiniteDuration());
  }

  ReplayBufferInfo Info() const;
  // For each key, whether the table holds a trajectory with it now.
  // O(size + keys).
  std::vector<bool> Contains(const std::vector<TrajectoryKey>& keys) const;

  // Durability. Restore fills the empty buffer from a recovered state
  // (before serving); AttachJournal then starts recording in `journal`
  // (whose records continue at end_index()) and, unless `snapshot_every`
  // is absl::InfiniteDuration(), writes a snapshot every `snapshot_every`.
  void Restore(const ReplayState& state) ABSL_LOCKS_EXCLUDED(mu_);
  void AttachJournal(std::unique_ptr<ReplayJournal> journal,
                     absl::Duration snapshot_every);
  // Global insertion index of the next insert.
  int64_t end_index() const ABSL_LOCKS_EXCLUDED(mu_);
  // Writes a snapshot now (one at a time; inserts and samples continue
  // meanwhile, blocked only while the state is captured: O(size) pointer
  // copies). FAILED_PRECONDITION without a journal.
  absl::Status WriteSnapshotNow() ABSL_LOCKS_EXCLUDED(mu_, snapshot_mu_);
  // For a graceful exit: Shutdown(), a final snapshot (with a journal:
  // nothing acknowledged is lost) and the journal closed. Returns the first
  // error. Idempotent.
  absl::Status Close();

  // Cancels the rate limiter: every blocked and future insert and FRESH
  // sample returns UNAVAILABLE promptly; the drawing selectors and Info
  // keep working. Idempotent, irreversible.
  void Shutdown();
  bool shutting_down() const { return shutting_down_.load(); }

  const Task& task() const { return task_; }
  const ReplayBufferOptions& options() const { return options_; }

 private:
  struct Counters {
    int64_t inserted = 0;
    int64_t duplicates = 0;
    std::array<int64_t, kNumRejectCategories> rejected_by_category{};
    int64_t sampled = 0;
    int64_t fresh_sampled = 0;
    int64_t dropped_for_lag = 0;
    int64_t inserts_waiting = 0;
    int64_t samples_waiting = 0;
    int64_t snapshots = 0;
    int64_t snapshot_failures = 0;
    absl::Time last_snapshot = absl::InfinitePast();
  };

  ReplayBuffer(const Task& task, const ReplayBufferOptions& options,
               std::unique_ptr<Table> table,
               std::unique_ptr<RateLimiter> limiter);

  void SnapshotLoop(absl::Duration every);
  // The wait shared by inserts and FRESH samples: calls `attempt` (one try
  // under mu_: true when done, false when the limiter does not allow it
  // yet, or an error to return) until it is done, waiting in between with
  // `await_slice` for at most wait_slice at a time, counted in
  // `waiting_field` meanwhile. Ends with CANCELLED once `cancelled()`,
  // `deadline_error()` at `deadline` (no try once a wait has reached it: a
  // FRESH sample granted then would hand items to a caller that has given
  // up, and they would never be trained on as fresh; with a deadline of
  // InfinitePast(), a caller gone before the call began, not even the
  // first try), UNAVAILABLE after Shutdown().
  absl::Status RetryOnLimiter(
      absl::FunctionRef<absl::StatusOr<bool>()> attempt,
      absl::FunctionRef<absl::Status(absl::Duration)> await_slice,
      int64_t Counters::*waiting_field, absl::Time deadline,
      absl::FunctionRef<bool()> cancelled,
      absl::FunctionRef<absl::Status()> deadline_error);
  absl::StatusOr<SampleResult> SampleFresh(const SampleSpec& spec,
                                           absl::Time deadline,
                                           absl::FunctionRef<bool()> cancelled);
  // The drawing selectors: `count` items with replacement from the one
  // engine (FAILED_PRECONDITION while the table is empty).
  absl::StatusOr<SampleResult> Draw(const SampleSpec& spec);
  int64_t EndIndexLocked() const ABSL_SHARED_LOCKS_REQUIRED(mu_) {
    return index_offset_ + table_->total_inserted();
  }
  void AddWaiting(int64_t Counters::*field, int64_t delta)
      ABSL_LOCKS_EXCLUDED(counters_mu_);
  void CountSampled(const SampleResult& result, bool fresh)
      ABSL_LOCKS_EXCLUDED(counters_mu_);

  const Task& task_;
  const std::string task_name_;
  const ReplayBufferOptions options_;
  const std::unique_ptr<Table> table_;
  const std::unique_ptr<RateLimiter> limiter_;
  std::atomic<bool> shutting_down_{false};

  // Serialises every change of the table and of the limiter's counts: the
  // dedupe check, limiter check, store and record of an insert, and the
  // grant and take of a FRESH sample. So an admitted insert stays admitted
  // until it is recorded, and a granted FRESH sample takes the fresh items
  // that were there when it was granted (no insert can evict them in
  // between). Nobody waits while holding it.
  mutable absl::Mutex mu_;
  DedupeIndex dedupe_ ABSL_GUARDED_BY(mu_);
  // Global index of table key 0: trajectories stored before the restart.
  int64_t index_offset_ ABSL_GUARDED_BY(mu_) = 0;

  // Durability. journal_ is set by AttachJournal before serving, then only
  // used.
  std::unique_ptr<ReplayJournal> journal_;
  int64_t recovered_ = 0;
  // Serialises snapshots (held while one is written).
  absl::Mutex snapshot_mu_ ABSL_ACQUIRED_BEFORE(mu_);
  absl::Notification stop_snapshots_;
  std::thread snapshot_thread_;
  std::atomic<bool> closed_{false};

  // The drawing selectors' engine (the table does not protect it).
  absl::Mutex rng_mu_;
  std::mt19937_64 rng_ ABSL_GUARDED_BY(rng_mu_);

  mutable absl::Mutex counters_mu_;
  Counters counters_ ABSL_GUARDED_BY(counters_mu_);
};

}  // namespace ledgfn

#endif  // LEDGFN_REPLAY_REPLAY_BUFFER_H_
