// Exponential backoff between reconnect attempts, shared by the actor's
// clients (PolicyWatcher, ReplayWriter).
//
// Contract: Next() returns `initial`, then twice the previous delay on each
// call, capped at `max` (raised to `initial` if below it; a non-positive
// `initial` is taken as 1 ms, so a loop can never spin). Reset() makes the
// next delay `initial` again; when to reset (e.g. after an attempt that made
// progress) is the caller's documented rule, not this class's. Wait() sleeps
// the next delay on the caller's mutex and returns early, true, once the
// caller's stop condition holds, so Stop()/Close() never wait out a backoff.
//
// Not thread-safe: one loop owns one backoff.
#ifndef LEDGFN_COMMON_BACKOFF_H_
#define LEDGFN_COMMON_BACKOFF_H_

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace ledgfn {

class ExponentialBackoff {
 public:
  ExponentialBackoff(absl::Duration initial, absl::Duration max);

  // The delay before the next attempt; doubles the one after it.
  absl::Duration Next();
  // The next delay is `initial` again.
  void Reset();

  // Waits Next() on `mu` (held by the caller) unless `stop` holds or comes to
  // hold meanwhile; returns whether it holds.
  bool Wait(absl::Mutex& mu, const absl::Condition& stop)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu);

  absl::Duration initial() const { return initial_; }
  absl::Duration max() const { return max_; }

 private:
  absl::Duration initial_;
  absl::Duration max_;
  absl::Duration next_;
};

}  // namespace ledgfn

#endif  // LEDGFN_COMMON_BACKOFF_H_
