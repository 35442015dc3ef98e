// The Replay gRPC service (DESIGN §2.4, proto/ledgfn.proto `service Replay`):
// a bounded Table (replay/table.h) behind a RateLimiter
// (replay/rate_limiter.h), with validation (replay/validation.h) and
// idempotent inserts.
//
// Insert (bidirectional stream). The handler reads ONE InsertRequest, stores
// or rejects each of its trajectories in order, writes one InsertResponse
// with one Ack per trajectory (arrival order), and only then reads the next
// request. A trajectory that the rate limiter does not admit yet makes the
// handler wait, so it stops reading the stream; gRPC's HTTP/2 flow control
// then fills up and the actor's Write() blocks. That is the backpressure:
// the service holds at most `capacity` stored trajectories plus, per stream,
// the request being processed and what the transport's flow-control window
// buffers. Per trajectory, in order:
//   1. validation: an invalid trajectory is acked with code 3
//      (INVALID_ARGUMENT) and the reason, counted by category
//      (RejectCategoryName), and the table is unchanged. Its key then counts
//      as seen for deduplication (validation is deterministic, so a resend
//      is rejected again anyway).
//   2. deduplication: a key already stored (see DedupeIndex for the bounded
//      rule) is acked OK with duplicate = true, at once and without waiting
//      on the limiter, and is not stored again.
//   3. admission: wait (in slices of `wait_slice`, so shutdown and client
//      cancellation are noticed promptly) until the limiter allows one
//      insert; then, atomically with respect to other inserts and FRESH
//      samples: store in the table, record an eviction as a limiter delete
//      (the insert that got key k evicted k - capacity iff k >= capacity),
//      then record the insert in the limiter, so the limiter never counts an
//      item the table does not hold. Ack OK.
// If the call ends early (client cancelled: CANCELLED; Shutdown():
// UNAVAILABLE) the current request gets no InsertResponse, although some of
// its trajectories may have been stored; a reconnecting actor resends its
// unacked tail and deduplication acks those as duplicates.
//
// Sample (unary).
//   * count must be in [1, max_sample_batch], else INVALID_ARGUMENT.
//   * FRESH: waits (up to the call's deadline; DEADLINE_EXCEEDED after it,
//     UNAVAILABLE on Shutdown(), CANCELLED if the client cancels) until the
//     limiter allows `count` samples; then, in one step with respect to
//     inserts, records them and takes the up to `count` oldest
//     not-yet-FRESH-sampled items (Table::TakeFresh), so no insert can
//     evict the items it was granted for. Items more than `max_policy_lag`
//     (> 0) versions behind `learner_version` are dropped from the answer
//     and counted in dropped_for_lag (they are consumed: a later FRESH
//     sample does not see them). The batch holds exactly `count` items
//     minus the dropped ones when samples_per_insert == 1, min_diff >= 0
//     (error_buffer <= min_size_to_sample) and capacity >= max_diff (no
//     fresh item is ever evicted); otherwise the limiter may allow samples
//     ahead of the fresh items and the batch can be shorter. The limiter is
//     charged `count` either way, so it can never wedge. INVALID_ARGUMENT for
//     max_policy_lag < 0 or a count the limiter could starve forever
//     (RateLimiterOptions::ValidateBatchSizes(count, 1) fails).
//   * UNIFORM, NEWEST_WINDOW (window >= 1, else INVALID_ARGUMENT),
//     PRIORITIZED: `count` draws with replacement, answered at once;
//     FAILED_PRECONDITION while the table is empty. They do not touch the
//     limiter. SELECTOR_UNSPECIFIED or an unknown value: INVALID_ARGUMENT.
//
// Info (unary): every InfoResponse field; see ReplayServiceInfo.
//
// Lookup (unary): whether the table holds each given key now, for tests and
// operators checking what survived a restart.
//
// Durability (ReplayServiceOptions::durability, docs/reliability.md): with
// kWal, step 3 also appends the trajectory to the write-ahead log under
// mu_ (so the log's order is the table's), and the InsertResponse is
// written only after the log holds the whole request on disk; a duplicate
// waits for everything logged before it (the original may still be in
// flight). FRESH samples log where the cursor stands (not waited for: after
// a crash, items sampled since the last synced mark may be served again).
// Snapshots capture the table, the dedupe index and the FRESH cursor under
// mu_ and are written outside it. On restart the limiter is restored from
// the recovered counts (RateLimiter::Restore, which cannot wedge).
//
// Thread-safe. Lock order: snapshot_mu_ before mu_ before counters_mu_;
// rng_mu_ and counters_mu_ are never held together; the table's, limiter's
// and log's own locks are innermost.
#ifndef LEDGFN_REPLAY_REPLAY_SERVICE_H_
#define LEDGFN_REPLAY_REPLAY_SERVICE_H_

#include <grpcpp/grpcpp.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/container/btree_set.h"
#include "absl/container/flat_hash_map.h"
#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "common/task.h"
#include "proto/ledgfn.grpc.pb.h"
#include "proto/ledgfn.pb.h"
#include "proto/token_checker.h"
#include "replay/dedupe_index.h"
#include "replay/rate_limiter.h"
#include "replay/recovery.h"
#include "replay/table.h"
#include "replay/validation.h"
#include "replay/write_ahead_log.h"

namespace ledgfn {

// What survives a restart of the replay service (docs/reliability.md).
//   kNone:     nothing; the table starts empty.
//   kSnapshot: the state as of the newest snapshot (taken every
//              `snapshot_every` and at Close()); inserts acknowledged since
//              the last snapshot are lost by a crash (kill -9, power).
//   kWal:      every acknowledged insert: an insert is acknowledged only
//              once its write-ahead log record is on disk (group commit);
//              snapshots bound the log and the recovery time.
enum class Durability { kNone, kSnapshot, kWal };
// "none", "snapshot", "wal".
absl::StatusOr<Durability> ParseDurability(absl::string_view name);
absl::string_view DurabilityName(Durability durability);

// Most trajectories one InsertRequest may carry. A request with more ends
// the stream with INVALID_ARGUMENT before any of it is processed, so the
// answer to one request (an Ack with a reason of a few hundred bytes at most
// per trajectory) stays far below kMaxMessageBytes, and a request of tiny
// trajectories cannot make the service build a huge response.
inline constexpr int kMaxInsertBatch = 4096;

struct ReplayServiceOptions {
  // The table (capacity, priority_alpha) and the limiter. capacity must be
  // >= limiter.min_size_to_sample, or FRESH samples could never proceed.
  TableOptions table;
  RateLimiterOptions limiter;
  // Largest `count` of one Sample call, in [1, 1 << 20].
  int max_sample_batch = 4096;
  // Blocked inserts and FRESH samples wait on the limiter in slices of this
  // length, re-checking client cancellation in between (Shutdown() wakes
  // them at once regardless). Finite and > 0.
  absl::Duration wait_slice = absl::Milliseconds(100);
  ValidationLimits validation;
  // DedupeIndex parameters, both >= 1.
  int64_t dedupe_window = 1024;
  int64_t dedupe_max_incarnations = 4096;
  // Seed of the samplers' random engine (UNIFORM, NEWEST_WINDOW,
  // PRIORITIZED): the same seed and call sequence give the same draws.
  uint64_t seed = 0;
  // Durability (see Durability). `data_dir` is required unless kNone; it is
  // created if missing and holds snapshot-*.snap and wal-*.log files.
  // snapshot_every > 0; absl::InfiniteDuration() snapshots only at Close().
  Durability durability = Durability::kNone;
  std::string data_dir;
  absl::Duration snapshot_every = absl::Seconds(60);
  // Checked first by every RPC (UNAUTHENTICATED without the bearer token);
  // null: no token required.
  std::shared_ptr<TokenChecker> auth;

  // INVALID_ARGUMENT with the reason unless the constraints above hold.
  absl::Status Validate() const;
};

// A snapshot of the service's state. Each group (table, limiter, counters)
// is read consistently on its own; the groups are read one after another.
struct ReplayServiceInfo {
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
  int64_t rejected = 0;    // acked INVALID_ARGUMENT, = sum of the below
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
  Durability durability = Durability::kNone;
  int64_t recovered = 0;          // trajectories restored at start
  WriteAheadLogStats wal;         // zero unless kWal
  int64_t snapshots = 0;          // written by this process
  int64_t snapshot_failures = 0;
  absl::Time last_snapshot = absl::InfinitePast();
  // Limiter counters, configuration and wait statistics.
  RateLimiterInfo limiter;

  // Fills every field of `out` (blocked seconds include current waits).
  void ToProto(proto::InfoResponse* out) const;
};

class ReplayServiceImpl final : public proto::Replay::Service {
 public:
  // `task` must outlive the service. INVALID_ARGUMENT if
  // `options.Validate()` fails. With durability, first recovers the state
  // from `options.data_dir` (replay/recovery.h; its errors are returned,
  // e.g. FAILED_PRECONDITION for data of another task), then opens the
  // write-ahead log (kWal) and starts the periodic snapshots.
  static absl::StatusOr<std::unique_ptr<ReplayServiceImpl>> Create(
      const Task& task, const ReplayServiceOptions& options);

  // Shutdown(), stops the snapshots, flushes and closes the write-ahead log
  // (no final snapshot: call Close() for that). Stop the gRPC server (and
  // so every handler) before destroying the service.
  ~ReplayServiceImpl() override;

  ReplayServiceImpl(const ReplayServiceImpl&) = delete;
  ReplayServiceImpl& operator=(const ReplayServiceImpl&) = delete;

  // RPCs; see the file comment and proto/ledgfn.proto.
  grpc::Status Insert(
      grpc::ServerContext* context,
      grpc::ServerReaderWriter<proto::InsertResponse, proto::InsertRequest>*
          stream) override;
  grpc::Status Sample(grpc::ServerContext* context,
                      const proto::SampleRequest* request,
                      proto::SampleResponse* response) override;
  grpc::Status Info(grpc::ServerContext* context,
                    const proto::InfoRequest* request,
                    proto::InfoResponse* response) override;
  grpc::Status Lookup(grpc::ServerContext* context,
                      const proto::LookupRequest* request,
                      proto::LookupResponse* response) override;

  // In-process equivalents of the RPCs (the handlers are thin wrappers).
  //
  // Validates, deduplicates and stores one trajectory as described in the
  // file comment, filling *ack, and returns OK once the ack may be sent
  // (with kWal: once the insert, or for a duplicate everything logged
  // before it, is on disk); or, with *ack unspecified: UNAVAILABLE after
  // Shutdown() or when the write-ahead log failed, CANCELLED once
  // `cancelled()` returns true, DEADLINE_EXCEEDED at `deadline`
  // (absl::InfiniteFuture() waits as long as needed). Nothing is stored on
  // those errors, except that a trajectory stored before its log write
  // failed or timed out stays in memory (a resend is then acked as a
  // duplicate only after the log is durable, which a failed log never is).
  absl::Status InsertTrajectory(const proto::Trajectory& trajectory,
                                absl::Time deadline,
                                absl::FunctionRef<bool()> cancelled,
                                proto::Ack* ack);
  // The trajectories of one InsertRequest, in order, with a single wait for
  // the disk at the end (group commit): fills response->acks() (one per
  // trajectory) and returns OK, or the first error as InsertTrajectory
  // (then the response must not be sent).
  absl::Status InsertRequestTrajectories(const proto::InsertRequest& request,
                                         absl::Time deadline,
                                         absl::FunctionRef<bool()> cancelled,
                                         proto::InsertResponse* response);
  // One Sample call with the given deadline (FRESH only waits).
  absl::StatusOr<proto::SampleResponse> SampleTrajectories(
      const proto::SampleRequest& request, absl::Time deadline,
      absl::FunctionRef<bool()> cancelled);
  ReplayServiceInfo Info() const;
  // For each key, whether the table holds a trajectory with it now.
  // O(size + keys). INVALID_ARGUMENT for more than kMaxLookupKeys keys.
  absl::StatusOr<proto::LookupResponse> LookupKeys(
      const proto::LookupRequest& request) const;
  static constexpr int kMaxLookupKeys = 1 << 20;

  // Writes a snapshot now and deletes the files it covers (one snapshot at
  // a time; inserts and samples continue meanwhile, blocked only while the
  // state is captured: O(size) pointer copies). FAILED_PRECONDITION
  // without durability.
  absl::Status WriteSnapshotNow() ABSL_LOCKS_EXCLUDED(mu_, snapshot_mu_);
  // For a graceful exit, after the server stopped: Shutdown(), a final
  // snapshot (with durability; nothing acknowledged is lost) and the
  // write-ahead log closed. Returns the first error. Idempotent.
  absl::Status Close();
  // How the state was recovered at Create (empty report without
  // durability).
  const RecoveryReport& recovery() const { return recovery_; }

  // Cancels the rate limiter: every blocked and future insert and FRESH
  // sample returns UNAVAILABLE promptly; UNIFORM, NEWEST_WINDOW,
  // PRIORITIZED and Info keep working. Idempotent, irreversible. Call it
  // before grpc::Server::Shutdown so that handlers blocked on the limiter do
  // not hold the server's shutdown up.
  void Shutdown();
  bool shutting_down() const { return shutting_down_.load(); }

  const Task& task() const { return task_; }

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

  ReplayServiceImpl(const Task& task, const ReplayServiceOptions& options,
                    std::unique_ptr<Table> table,
                    std::unique_ptr<RateLimiter> limiter);

  // Restores a recovered state into the empty table, limiter and dedupe
  // index (Create only, before serving).
  void Restore(const ReplayState& state) ABSL_LOCKS_EXCLUDED(mu_);
  // Starts the write-ahead log and the snapshot thread (Create only).
  absl::Status StartDurability();
  void SnapshotLoop();
  // Steps 1-3 of the file comment; *wal_sequence is the log record to wait
  // for before the ack may be sent (0: none).
  absl::Status Store(const proto::Trajectory& trajectory, absl::Time deadline,
                     absl::FunctionRef<bool()> cancelled, proto::Ack* ack,
                     int64_t* wal_sequence) ABSL_LOCKS_EXCLUDED(mu_);
  // The wait shared by inserts and FRESH samples: calls `attempt` (one try
  // under mu_: true when done, false when the limiter does not allow it
  // yet, or an error to return) until it is done, waiting in between with
  // `await_slice` for at most wait_slice at a time, counted in
  // `waiting_field` meanwhile. Ends with CANCELLED once `cancelled()`,
  // `deadline_error()` at `deadline` (a slice that ran into the deadline is
  // not followed by another try), UNAVAILABLE after Shutdown().
  absl::Status RetryOnLimiter(
      absl::FunctionRef<absl::StatusOr<bool>()> attempt,
      absl::FunctionRef<absl::Status(absl::Duration)> await_slice,
      int64_t Counters::*waiting_field, absl::Time deadline,
      absl::FunctionRef<bool()> cancelled,
      absl::FunctionRef<absl::Status()> deadline_error);
  // Waits for the log up to `sequence` (OK at once without a log).
  absl::Status AwaitDurable(int64_t sequence, absl::Time deadline);
  // Global insertion index of the next insert (proto/replay_storage.proto).
  int64_t end_index() const ABSL_SHARED_LOCKS_REQUIRED(mu_) {
    return index_offset_ + table_->total_inserted();
  }

  absl::StatusOr<proto::SampleResponse> SampleFresh(
      const proto::SampleRequest& request, absl::Time deadline,
      absl::FunctionRef<bool()> cancelled);
  // Adds `delta` to one of the waiting counts reported by Info().
  void AddWaiting(int64_t Counters::*field, int64_t delta)
      ABSL_LOCKS_EXCLUDED(counters_mu_);

  const Task& task_;
  const std::string task_name_;
  const ReplayServiceOptions options_;
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

  // Durability. wal_ is set in Create before serving, then only used.
  std::unique_ptr<WriteAheadLog> wal_;
  RecoveryReport recovery_;
  int64_t recovered_ = 0;
  // Serialises snapshots (held while one is written).
  absl::Mutex snapshot_mu_ ABSL_ACQUIRED_BEFORE(mu_);
  absl::Notification stop_snapshots_;
  std::thread snapshot_thread_;
  std::atomic<bool> closed_{false};

  // The samplers' engine (the table does not protect it).
  absl::Mutex rng_mu_;
  std::mt19937_64 rng_ ABSL_GUARDED_BY(rng_mu_);

  mutable absl::Mutex counters_mu_;
  Counters counters_ ABSL_GUARDED_BY(counters_mu_);
};

}  // namespace ledgfn

#endif  // LEDGFN_REPLAY_REPLAY_SERVICE_H_
