// Rate limiter for the replay table (DESIGN §2.4), with Reverb's algebra.
//
// The limiter keeps three counters: `inserts`, `samples` and `deletes`
// (size = inserts - deletes) and the "diff"
//
//   diff = inserts * samples_per_insert - samples,
//
// which must stay within [min_diff, max_diff] where
//
//   min_diff = samples_per_insert * min_size_to_sample - error_buffer
//   max_diff = samples_per_insert * min_size_to_sample + error_buffer.
//
// Semantics follow deepmind/reverb reverb/cc/rate_limiter.cc exactly:
//
//   CanInsert(n):  (inserts + n - deletes <= min_size_to_sample)   // warm-up
//                  || ((inserts + n) * spi - samples <= max_diff)
//   CanSample(n):  (inserts - deletes >= min_size_to_sample)
//                  && (inserts * spi - samples - n >= min_diff)
//
// i.e. inserts are free until the table holds `min_size_to_sample` items
// (the size *after* the insert may equal, not exceed, the minimum), and after
// that they may not push the diff above max_diff; samples need the minimum
// size and may not pull the diff below min_diff. `Validate()` applies Reverb's
// `SampleToInsertRatio` checks, in particular error_buffer >=
// max(1, samples_per_insert), which guarantees that for single-item calls at
// least one side can always proceed (no state blocks both).
//
// Differences from Reverb (extensions, not changes of the algebra):
//   * The limiter owns its mutex (Reverb borrows the table's): callers hold no
//     lock of ours. Because a separate check and record could race, the
//     `AwaitAndInsert` / `AwaitAndSample` variants check and record under one
//     lock acquisition (Reverb's AwaitAndFinalizeSample, plus the insert
//     analogue). `AwaitCanInsert` / `AwaitCanSample` only wait (like Reverb's
//     AwaitCanInsert) and are suitable for a single producer / consumer.
//   * Calls take a count `n` (Reverb uses 1). Liveness with batches needs a
//     wider buffer; see `RateLimiterOptions::ValidateBatchSizes`.
//   * `Restore` clamps the diff into [min_diff, max_diff] (see there); Reverb
//     restores checkpointed counters verbatim.
//   * Stats are totals (count, blocked count, blocked time, pending), not
//     Reverb's per-event history.
//
// Thread-safe.
#ifndef LEDGFN_REPLAY_RATE_LIMITER_H_
#define LEDGFN_REPLAY_RATE_LIMITER_H_

#include <cstdint>
#include <memory>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace ledgfn {

struct RateLimiterOptions {
  // Target average number of times each inserted item is sampled. > 0.
  double samples_per_insert = 1.0;
  // Samples are blocked while the table holds fewer items than this. >= 1.
  int64_t min_size_to_sample = 1;
  // Allowed deviation of `diff` around samples_per_insert * min_size_to_sample
  // (Reverb's scalar `error_buffer`). >= max(1, samples_per_insert).
  double error_buffer = 1.0;

  // OK iff the options are usable: samples_per_insert finite and > 0,
  // min_size_to_sample >= 1, error_buffer finite and >= max(1,
  // samples_per_insert) (Reverb: max_diff - min_diff >= 2 * max(1, spi);
  // "smaller values could completely block samples and/or insert calls").
  // INVALID_ARGUMENT with the reason otherwise.
  absl::Status Validate() const;

  // OK iff callers that sample `sample_batch` items per call and insert
  // `insert_batch` items per call can never block each other forever, i.e.
  //   sample_batch + insert_batch * samples_per_insert <= 2 * error_buffer
  // (for every diff either the insert or the sample is allowed once the
  // warm-up is over). Validate() is the case 1, 1. Calls with larger batches
  // still work whenever the algebra allows them, but a mix of callers may
  // then reach a diff where neither side's call is legal. INVALID_ARGUMENT
  // otherwise (also when Validate() fails or a batch is < 1).
  absl::Status ValidateBatchSizes(int sample_batch, int insert_batch) const;

  double min_diff() const {
    return samples_per_insert * static_cast<double>(min_size_to_sample) -
           error_buffer;
  }
  double max_diff() const {
    return samples_per_insert * static_cast<double>(min_size_to_sample) +
           error_buffer;
  }
};

// Totals for one kind of call (insert or sample) through the Await* methods.
struct RateLimiterCallStats {
  // Calls that returned (OK, DEADLINE_EXCEEDED or CANCELLED).
  int64_t completed = 0;
  // Of those, calls that had to wait at all.
  int64_t blocked = 0;
  // Total time completed calls spent waiting. Concurrent waits add up, so
  // this can exceed wall time.
  absl::Duration blocked_time = absl::ZeroDuration();
  // Calls waiting right now, and how long they have waited so far in total.
  int64_t pending = 0;
  absl::Duration pending_time = absl::ZeroDuration();
};

struct RateLimiterInfo {
  // Configuration.
  double samples_per_insert = 0.0;
  int64_t min_size_to_sample = 0;
  double error_buffer = 0.0;
  double min_diff = 0.0;
  double max_diff = 0.0;
  // State.
  int64_t inserts = 0;
  int64_t samples = 0;
  int64_t deletes = 0;
  int64_t size = 0;   // inserts - deletes
  double diff = 0.0;  // inserts * samples_per_insert - samples
  bool cancelled = false;
  RateLimiterCallStats insert_stats;
  RateLimiterCallStats sample_stats;
};

class RateLimiter {
 public:
  // INVALID_ARGUMENT if `options.Validate()` fails. Counters start at zero.
  static absl::StatusOr<std::unique_ptr<RateLimiter>> Create(
      const RateLimiterOptions& options);

  RateLimiter(const RateLimiter&) = delete;
  RateLimiter& operator=(const RateLimiter&) = delete;

  // Whether `n` inserts / samples would be legal now (see the file comment).
  // False for n < 1. Cancellation is ignored. The answer may be stale as soon as
  // it is returned; use the Await* methods to act on it.
  bool CanInsert(int n) const ABSL_LOCKS_EXCLUDED(mu_);
  bool CanSample(int n) const ABSL_LOCKS_EXCLUDED(mu_);

  // Wait until `n` inserts (samples) are legal, without recording them.
  // Returns OK as soon as they are legal (immediately if they are now, even
  // with a zero or negative timeout), DEADLINE_EXCEEDED if `timeout` passes
  // first (absl::InfiniteDuration() waits forever), CANCELLED once Cancel()
  // has been called (even if the call would otherwise be legal, as in
  // Reverb), INVALID_ARGUMENT for n < 1. Between this returning and the
  // caller's Insert()/Sample() another thread may change the state; use
  // AwaitAndInsert/AwaitAndSample when several threads insert (sample).
  absl::Status AwaitCanInsert(int n, absl::Duration timeout)
      ABSL_LOCKS_EXCLUDED(mu_);
  absl::Status AwaitCanSample(int n, absl::Duration timeout)
      ABSL_LOCKS_EXCLUDED(mu_);

  // As AwaitCanInsert/AwaitCanSample, and on OK also records the `n`
  // inserts (samples) atomically with the check.
  absl::Status AwaitAndInsert(int n, absl::Duration timeout)
      ABSL_LOCKS_EXCLUDED(mu_);
  absl::Status AwaitAndSample(int n, absl::Duration timeout)
      ABSL_LOCKS_EXCLUDED(mu_);

  // Record `n` inserts / samples / deletes (evictions) unconditionally; they
  // are not checked against the limits. n <= 0 is a no-op. Waiters whose
  // condition becomes true are woken.
  void Insert(int64_t n = 1) ABSL_LOCKS_EXCLUDED(mu_);
  void Sample(int64_t n = 1) ABSL_LOCKS_EXCLUDED(mu_);
  void Delete(int64_t n = 1) ABSL_LOCKS_EXCLUDED(mu_);

  // Make every current and future Await* call return CANCELLED. Irreversible.
  void Cancel() ABSL_LOCKS_EXCLUDED(mu_);
  bool cancelled() const ABSL_LOCKS_EXCLUDED(mu_);

  // Replace the counters, e.g. with values checkpointed to disk, and wake
  // waiters. Never leaves the limiter blocked forever:
  //   * negative counters become 0 and deletes is capped at inserts, so the
  //     size is in [0, inserts];
  //   * `samples` is adjusted (to the nearest integer, never below 0) so that
  //     diff lies in [min_diff, max_diff] whenever it did not, which is the
  //     range a live limiter keeps it in after warm-up. A raw diff far above
  //     max_diff (e.g. a sample counter reset by a learner restart) would
  //     otherwise block inserts until arbitrarily many samples happened, and
  //     one far below min_diff would starve samplers for arbitrarily many
  //     inserts. When clamping up would need negative samples, samples
  //     becomes 0, the state of a fresh limiter after `inserts` inserts.
  // After Restore, for single-item calls with valid options (and no
  // deletes in between): at least one of insert/sample is legal, and a
  // blocked side becomes legal after at most ceil(samples_per_insert)
  // samples, or at most min_size_to_sample +
  // ceil((2 * error_buffer + 1) / samples_per_insert) inserts, by the other
  // side, each of which is legal when made. Callers should pass `deletes` so
  // that inserts - deletes equals the size of the restored table. Call
  // stats and cancellation are left unchanged.
  void Restore(int64_t inserts, int64_t samples, int64_t deletes)
      ABSL_LOCKS_EXCLUDED(mu_);

  RateLimiterInfo Info() const ABSL_LOCKS_EXCLUDED(mu_);

 private:
  // Mutable per-kind stats; pending start times are summed on demand.
  struct Stats {
    int64_t completed = 0;
    int64_t blocked = 0;
    absl::Duration blocked_time = absl::ZeroDuration();
    int64_t pending = 0;
    // Sum of the start times of pending calls, as durations since the epoch,
    // so pending_time = pending * now - pending_start_sum.
    absl::Duration pending_start_sum = absl::ZeroDuration();
  };
  enum class Kind { kInsert, kSample };

  explicit RateLimiter(const RateLimiterOptions& options);

  bool CanInsertLocked(int64_t n) const ABSL_SHARED_LOCKS_REQUIRED(mu_);
  bool CanSampleLocked(int64_t n) const ABSL_SHARED_LOCKS_REQUIRED(mu_);
  // The common body of the four Await* methods.
  absl::Status Await(Kind kind, int n, absl::Duration timeout, bool record)
      ABSL_LOCKS_EXCLUDED(mu_);
  static RateLimiterCallStats ToCallStats(const Stats& stats, absl::Time now);

  const RateLimiterOptions options_;
  const double min_diff_;
  const double max_diff_;

  mutable absl::Mutex mu_;
  int64_t inserts_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t samples_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t deletes_ ABSL_GUARDED_BY(mu_) = 0;
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
  Stats insert_stats_ ABSL_GUARDED_BY(mu_);
  Stats sample_stats_ ABSL_GUARDED_BY(mu_);
};

}  // namespace ledgfn

#endif  // LEDGFN_REPLAY_RATE_LIMITER_H_
