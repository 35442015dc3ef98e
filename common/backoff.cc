#include "common/backoff.h"

#include <algorithm>

namespace ledgfn {

ExponentialBackoff::ExponentialBackoff(absl::Duration initial,
                                       absl::Duration max)
    : initial_(initial > absl::ZeroDuration() ? initial
                                              : absl::Milliseconds(1)),
      max_(std::max(max, initial_)),
      next_(initial_) {}

absl::Duration ExponentialBackoff::Next() {
  const absl::Duration delay = next_;
  next_ = std::min(next_ * 2, max_);
  return delay;
}

void ExponentialBackoff::Reset() { next_ = initial_; }

bool ExponentialBackoff::Wait(absl::Mutex& mu, const absl::Condition& stop) {
  return mu.AwaitWithTimeout(stop, Next());
}

}  // namespace ledgfn
