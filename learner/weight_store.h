// In-process store of the newest published policy version. The learner
// publishes; embedded actor threads (and, later, the Policy service) read.
// A reader always sees a complete version: versions are immutable once
// published and swapped in under a mutex.
#ifndef LEDGFN_LEARNER_WEIGHT_STORE_H_
#define LEDGFN_LEARNER_WEIGHT_STORE_H_

#include <memory>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "common/policy_weights.h"

namespace ledgfn {

class WeightStore : public WeightSource {
 public:
  // Publishes `values` as version latest+1 and returns that version.
  int64_t Publish(std::vector<float> values) ABSL_LOCKS_EXCLUDED(mu_);
  std::shared_ptr<const PolicyWeights> Latest() override
      ABSL_LOCKS_EXCLUDED(mu_);

 private:
  absl::Mutex mu_;
  std::shared_ptr<const PolicyWeights> latest_ ABSL_GUARDED_BY(mu_);
};

}  // namespace ledgfn

#endif  // LEDGFN_LEARNER_WEIGHT_STORE_H_
