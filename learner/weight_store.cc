#include "learner/weight_store.h"

namespace ledgfn {

int64_t WeightStore::Publish(std::vector<float> values) {
  auto next = std::make_shared<PolicyWeights>();
  next->values = std::move(values);
  absl::MutexLock lock(&mu_);
  next->version = latest_ ? latest_->version + 1 : 1;
  latest_ = std::move(next);
  return latest_->version;
}

std::shared_ptr<const PolicyWeights> WeightStore::Latest() {
  absl::MutexLock lock(&mu_);
  return latest_;
}

}  // namespace ledgfn
