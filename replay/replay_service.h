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
// Thread-safe. Lock order: mu_ before counters_mu_; rng_mu_ and
// counters_mu_ are never held together; the table's and limiter's own locks
// are innermost.
#ifndef LEDGFN_REPLAY_REPLAY_SERVICE_H_
#define LEDGFN_REPLAY_REPLAY_SERVICE_H_

#include <grpcpp/grpcpp.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/container/btree_set.h"
#include "absl/container/flat_hash_map.h"
#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/task.h"
#include "proto/ledgfn.grpc.pb.h"
#include "proto/ledgfn.pb.h"
#include "replay/rate_limiter.h"
#include "replay/table.h"
#include "replay/validation.h"

namespace ledgfn {

// Most trajectories one InsertRequest may carry. A request with more ends
// the stream with INVALID_ARGUMENT before any of it is processed, so the
// answer to one request (an Ack with a reason of a few hundred bytes at most
// per trajectory) stays far below kMaxMessageBytes, and a request of tiny
// trajectories cannot make the service build a huge response.
inline constexpr int kMaxInsertBatch = 4096;

// Remembers which trajectory keys (actor_id, incarnation, sequence) were
// seen, in bounded memory. Rule, per (actor_id, incarnation) "stream":
//   * `floor`: every sequence < floor counts as seen;
//   * `recent`: the seen sequences >= floor, always within
//     [floor, floor + window);
//   * Add(s): ignored if already seen; otherwise s joins `recent`, and
//     `floor` then advances over every contiguous seen sequence. If s >=
//     floor + window, `floor` first jumps to s - window + 1: the unseen
//     sequences below it are forfeited, i.e. they count as seen from now on
//     (a later arrival is acked as a duplicate and NOT stored: at most once
//     wins over at least once).
// An actor that numbers its trajectories 0, 1, 2, ... per incarnation, sends
// them in order and after a reconnect resends only its unacked tail never
// leaves a gap, so `recent` stays empty and nothing is forfeited; the state
// is then O(1) per incarnation. At most `max_incarnations` streams are kept;
// creating one more forgets the least recently added-to stream (an actor
// process that stopped long ago does not resend). Not thread-safe.
class DedupeIndex {
 public:
  // window >= 1, max_incarnations >= 1 (clamped up to 1).
  DedupeIndex(int64_t window, int64_t max_incarnations);

  bool Contains(int32_t actor_id, uint64_t incarnation,
                uint64_t sequence) const;
  void Add(int32_t actor_id, uint64_t incarnation, uint64_t sequence);
  // Streams (incarnations) remembered now.
  int64_t num_incarnations() const {
    return static_cast<int64_t>(streams_.size());
  }

 private:
  struct Stream {
    uint64_t floor = 0;
    absl::btree_set<uint64_t> recent;
    uint64_t last_used = 0;
  };
  using StreamId = std::pair<int32_t, uint64_t>;

  const uint64_t window_;
  const int64_t max_incarnations_;
  uint64_t tick_ = 0;
  absl::flat_hash_map<StreamId, Stream> streams_;
};

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
  // Limiter counters, configuration and wait statistics.
  RateLimiterInfo limiter;

  // Fills every field of `out` (blocked seconds include current waits).
  void ToProto(proto::InfoResponse* out) const;
};

class ReplayServiceImpl final : public proto::Replay::Service {
 public:
  // `task` must outlive the service. INVALID_ARGUMENT if
  // `options.Validate()` fails.
  static absl::StatusOr<std::unique_ptr<ReplayServiceImpl>> Create(
      const Task& task, const ReplayServiceOptions& options);

  // Calls Shutdown(). Stop the gRPC server (and so every handler) before
  // destroying the service.
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

  // In-process equivalents of the RPCs (the handlers are thin wrappers).
  //
  // Validates, deduplicates and stores one trajectory as described in the
  // file comment, filling *ack, and returns OK; or, with *ack unspecified
  // and nothing stored: UNAVAILABLE after Shutdown(), CANCELLED once
  // `cancelled()` returns true, DEADLINE_EXCEEDED at `deadline`
  // (absl::InfiniteFuture() waits as long as needed).
  absl::Status InsertTrajectory(const proto::Trajectory& trajectory,
                                absl::Time deadline,
                                absl::FunctionRef<bool()> cancelled,
                                proto::Ack* ack);
  // One Sample call with the given deadline (FRESH only waits).
  absl::StatusOr<proto::SampleResponse> SampleTrajectories(
      const proto::SampleRequest& request, absl::Time deadline,
      absl::FunctionRef<bool()> cancelled);
  ReplayServiceInfo Info() const;

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
  };

  ReplayServiceImpl(const Task& task, const ReplayServiceOptions& options,
                    std::unique_ptr<Table> table,
                    std::unique_ptr<RateLimiter> limiter);

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

  // The samplers' engine (the table does not protect it).
  absl::Mutex rng_mu_;
  std::mt19937_64 rng_ ABSL_GUARDED_BY(rng_mu_);

  mutable absl::Mutex counters_mu_;
  Counters counters_ ABSL_GUARDED_BY(counters_mu_);
};

}  // namespace ledgfn

#endif  // LEDGFN_REPLAY_REPLAY_SERVICE_H_
