// In-process store of the newest published policy version. The learner
// publishes; embedded actor threads and the Policy service
// (learner/policy_service.h) read. A reader always sees a complete version:
// versions are immutable once published and swapped in under a mutex.
//
// Versions strictly increase and are >= 1 (0 means "none" on the wire). The
// learner either numbers them implicitly (Publish(values): latest + 1) or
// explicitly, e.g. to continue from a version restored from a checkpoint
// (Publish(version, values)).
#ifndef LEDGFN_LEARNER_WEIGHT_STORE_H_
#define LEDGFN_LEARNER_WEIGHT_STORE_H_

#include <cstdint>
#include <memory>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/policy_weights.h"

namespace ledgfn {

class WeightStore : public WeightSource {
 public:
  WeightStore() = default;
  WeightStore(const WeightStore&) = delete;
  WeightStore& operator=(const WeightStore&) = delete;

  // Publishes `values` as version latest+1 (1 for the first) and returns
  // that version. Wakes all WaitNewer callers.
  int64_t Publish(std::vector<float> values) ABSL_LOCKS_EXCLUDED(mu_);

  // Publishes `values` as `version`, which must be >= 1 and greater than the
  // latest published version: INVALID_ARGUMENT otherwise (nothing changes).
  // Wakes all WaitNewer callers.
  absl::Status Publish(int64_t version, std::vector<float> values)
      ABSL_LOCKS_EXCLUDED(mu_);

  // The newest version, or null before the first Publish. Never blocks for
  // long. Keeps working after Close().
  std::shared_ptr<const PolicyWeights> Latest() override
      ABSL_LOCKS_EXCLUDED(mu_);

  // The newest version if its version is greater than `have_version`;
  // otherwise waits until one is published, up to `timeout`. Returns null on
  // timeout, and at once (also for waiters already blocked) after Close().
  std::shared_ptr<const PolicyWeights> WaitNewer(int64_t have_version,
                                                 absl::Duration timeout)
      ABSL_LOCKS_EXCLUDED(mu_);

  // For shutdown: wakes every WaitNewer caller and makes later calls return
  // null at once. Publish and Latest keep working. Idempotent.
  void Close() ABSL_LOCKS_EXCLUDED(mu_);
  bool closed() ABSL_LOCKS_EXCLUDED(mu_);

 private:
  absl::Mutex mu_;
  std::shared_ptr<const PolicyWeights> latest_ ABSL_GUARDED_BY(mu_);
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace ledgfn

#endif  // LEDGFN_LEARNER_WEIGHT_STORE_H_
