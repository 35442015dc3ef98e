#include "replay/rate_limiter.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <memory>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace ledgfn {
namespace {

// `x` rounded towards zero and saturated to [0, INT64_MAX].
int64_t SaturateToNonNegativeInt64(double x) {
  // 2^63 is exactly representable; every double below it fits an int64_t.
  constexpr double kTwoTo63 = 9223372036854775808.0;
  if (!(x > 0.0)) return 0;
  if (x >= kTwoTo63) return INT64_MAX;
  return static_cast<int64_t>(x);
}

}  // namespace

absl::Status RateLimiterOptions::Validate() const {
  if (!std::isfinite(samples_per_insert) || samples_per_insert <= 0.0) {
    return absl::InvalidArgumentError(
        absl::StrCat("samples_per_insert (", samples_per_insert,
                     ") must be finite and > 0"));
  }
  if (min_size_to_sample < 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "min_size_to_sample (", min_size_to_sample, ") must be >= 1"));
  }
  if (!std::isfinite(error_buffer) || error_buffer < 0.0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "error_buffer (", error_buffer, ") must be finite and >= 0"));
  }
  // Reverb: max_diff - min_diff >= 2 * max(1, samples_per_insert).
  if (error_buffer < std::max(1.0, samples_per_insert)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "error_buffer (", error_buffer,
        ") must be >= max(1, samples_per_insert) = ",
        std::max(1.0, samples_per_insert),
        "; smaller values could completely block samples and/or inserts"));
  }
  return absl::OkStatus();
}

absl::Status RateLimiterOptions::ValidateBatchSizes(int sample_batch,
                                                    int insert_batch) const {
  if (absl::Status status = Validate(); !status.ok()) return status;
  if (sample_batch < 1 || insert_batch < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("batch sizes must be >= 1, got sample_batch=",
                     sample_batch, " insert_batch=", insert_batch));
  }
  const double needed = static_cast<double>(sample_batch) +
                        static_cast<double>(insert_batch) * samples_per_insert;
  if (needed > 2.0 * error_buffer) {
    return absl::InvalidArgumentError(absl::StrCat(
        "sample_batch + insert_batch * samples_per_insert = ", needed,
        " exceeds 2 * error_buffer = ", 2.0 * error_buffer,
        "; samplers and inserters could block each other forever"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<RateLimiter>> RateLimiter::Create(
    const RateLimiterOptions& options) {
  if (absl::Status status = options.Validate(); !status.ok()) return status;
  return std::unique_ptr<RateLimiter>(new RateLimiter(options));
}

RateLimiter::RateLimiter(const RateLimiterOptions& options)
    : options_(options),
      min_diff_(options.min_diff()),
      max_diff_(options.max_diff()) {}

bool RateLimiter::CanInsertLocked(int64_t n) const {
  if (n < 1) return false;
  // Until the min size is reached inserts are free to progress.
  if (inserts_ + n - deletes_ <= options_.min_size_to_sample) return true;
  const double diff =
      static_cast<double>(inserts_ + n) * options_.samples_per_insert -
      static_cast<double>(samples_);
  return diff <= max_diff_;
}

bool RateLimiter::CanSampleLocked(int64_t n) const {
  if (n < 1) return false;
  if (inserts_ - deletes_ < options_.min_size_to_sample) return false;
  const double diff =
      static_cast<double>(inserts_) * options_.samples_per_insert -
      static_cast<double>(samples_) - static_cast<double>(n);
  return diff >= min_diff_;
}

bool RateLimiter::CanInsert(int n) const {
  absl::ReaderMutexLock lock(&mu_);
  return CanInsertLocked(n);
}

bool RateLimiter::CanSample(int n) const {
  absl::ReaderMutexLock lock(&mu_);
  return CanSampleLocked(n);
}

absl::Status RateLimiter::Await(Kind kind, int n, absl::Duration timeout,
                                bool record) {
  if (n < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("RateLimiter: count must be >= 1, got ", n));
  }
  const absl::Time deadline = absl::Now() + timeout;
  const bool is_insert = kind == Kind::kInsert;

  absl::MutexLock lock(&mu_);
  Stats& stats = is_insert ? insert_stats_ : sample_stats_;
  auto ready = [this, is_insert, n]() {
    mu_.AssertReaderHeld();
    return cancelled_ || (is_insert ? CanInsertLocked(n) : CanSampleLocked(n));
  };

  bool reached = true;
  if (!ready()) {
    // Blocked: account the wait as pending until it ends, whatever the end.
    const absl::Time start = absl::Now();
    const absl::Duration since_epoch = start - absl::UnixEpoch();
    ++stats.pending;
    stats.pending_start_sum += since_epoch;
    reached = mu_.AwaitWithDeadline(absl::Condition(&ready), deadline);
    --stats.pending;
    stats.pending_start_sum -= since_epoch;
    ++stats.blocked;
    stats.blocked_time += absl::Now() - start;
  }
  ++stats.completed;

  if (cancelled_) {
    return absl::CancelledError("RateLimiter has been cancelled");
  }
  if (!reached) {
    return absl::DeadlineExceededError(absl::StrCat(
        "RateLimiter: timeout exceeded before the right to ",
        is_insert ? "insert " : "sample ", n, " item(s) was acquired"));
  }
  if (record) {
    if (is_insert) {
      inserts_ += n;
    } else {
      samples_ += n;
    }
  }
  return absl::OkStatus();
}

absl::Status RateLimiter::AwaitCanInsert(int n, absl::Duration timeout) {
  return Await(Kind::kInsert, n, timeout, /*record=*/false);
}

absl::Status RateLimiter::AwaitCanSample(int n, absl::Duration timeout) {
  return Await(Kind::kSample, n, timeout, /*record=*/false);
}

absl::Status RateLimiter::AwaitAndInsert(int n, absl::Duration timeout) {
  return Await(Kind::kInsert, n, timeout, /*record=*/true);
}

absl::Status RateLimiter::AwaitAndSample(int n, absl::Duration timeout) {
  return Await(Kind::kSample, n, timeout, /*record=*/true);
}

// Waiters use absl::Mutex conditions, which are re-evaluated whenever the
// mutex is released, so recording needs no explicit signalling.
void RateLimiter::Insert(int64_t n) {
  if (n <= 0) return;
  absl::MutexLock lock(&mu_);
  inserts_ += n;
}

void RateLimiter::Sample(int64_t n) {
  if (n <= 0) return;
  absl::MutexLock lock(&mu_);
  samples_ += n;
}

void RateLimiter::Delete(int64_t n) {
  if (n <= 0) return;
  absl::MutexLock lock(&mu_);
  deletes_ += n;
}

void RateLimiter::Cancel() {
  absl::MutexLock lock(&mu_);
  cancelled_ = true;
}

bool RateLimiter::cancelled() const {
  absl::ReaderMutexLock lock(&mu_);
  return cancelled_;
}

void RateLimiter::Restore(int64_t inserts, int64_t samples, int64_t deletes) {
  inserts = std::max<int64_t>(inserts, 0);
  samples = std::max<int64_t>(samples, 0);
  deletes = std::clamp<int64_t>(deletes, 0, inserts);

  const double credit =
      static_cast<double>(inserts) * options_.samples_per_insert;
  const double diff = credit - static_cast<double>(samples);
  if (diff > max_diff_) {
    // Smallest integer `samples` with credit - samples <= max_diff. Since
    // max_diff - min_diff >= 2 the result is also >= min_diff.
    samples = SaturateToNonNegativeInt64(std::ceil(credit - max_diff_));
  } else if (diff < min_diff_) {
    // Largest integer `samples` with credit - samples >= min_diff, but never
    // negative (then diff = credit >= 0, as for a fresh limiter).
    samples = SaturateToNonNegativeInt64(std::floor(credit - min_diff_));
  }

  absl::MutexLock lock(&mu_);
  inserts_ = inserts;
  samples_ = samples;
  deletes_ = deletes;
}

RateLimiterCallStats RateLimiter::ToCallStats(const Stats& stats,
                                              absl::Time now) {
  RateLimiterCallStats out;
  out.completed = stats.completed;
  out.blocked = stats.blocked;
  out.blocked_time = stats.blocked_time;
  out.pending = stats.pending;
  out.pending_time = stats.pending * (now - absl::UnixEpoch()) -
                     stats.pending_start_sum;
  return out;
}

RateLimiterInfo RateLimiter::Info() const {
  RateLimiterInfo info;
  info.samples_per_insert = options_.samples_per_insert;
  info.min_size_to_sample = options_.min_size_to_sample;
  info.error_buffer = options_.error_buffer;
  info.min_diff = min_diff_;
  info.max_diff = max_diff_;

  absl::ReaderMutexLock lock(&mu_);
  const absl::Time now = absl::Now();
  info.inserts = inserts_;
  info.samples = samples_;
  info.deletes = deletes_;
  info.size = inserts_ - deletes_;
  info.diff = static_cast<double>(inserts_) * options_.samples_per_insert -
              static_cast<double>(samples_);
  info.cancelled = cancelled_;
  info.insert_stats = ToCallStats(insert_stats_, now);
  info.sample_stats = ToCallStats(sample_stats_, now);
  return info;
}

}  // namespace ledgfn
