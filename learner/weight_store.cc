#include "learner/weight_store.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace ledgfn {

int64_t WeightStore::Publish(std::vector<float> values) {
  auto next = std::make_shared<PolicyWeights>();
  next->values = std::move(values);
  absl::MutexLock lock(&mu_);
  next->version = latest_ ? latest_->version + 1 : 1;
  latest_ = std::move(next);
  return latest_->version;
}

absl::Status WeightStore::Publish(int64_t version, std::vector<float> values) {
  auto next = std::make_shared<PolicyWeights>();
  next->version = version;
  next->values = std::move(values);
  absl::MutexLock lock(&mu_);
  if (version < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("policy version must be >= 1, got ", version));
  }
  if (latest_ != nullptr && version <= latest_->version) {
    return absl::InvalidArgumentError(
        absl::StrCat("policy version ", version,
                     " does not exceed the latest published version ",
                     latest_->version));
  }
  latest_ = std::move(next);
  return absl::OkStatus();
}

std::shared_ptr<const PolicyWeights> WeightStore::Latest() {
  absl::MutexLock lock(&mu_);
  return latest_;
}

std::shared_ptr<const PolicyWeights> WeightStore::WaitNewer(
    int64_t have_version, absl::Duration timeout) {
  absl::MutexLock lock(&mu_);
  auto ready = [this, have_version]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return closed_ || (latest_ != nullptr && latest_->version > have_version);
  };
  mu_.AwaitWithTimeout(absl::Condition(&ready), timeout);
  if (closed_ || latest_ == nullptr || latest_->version <= have_version) {
    return nullptr;
  }
  return latest_;
}

void WeightStore::Close() {
  absl::MutexLock lock(&mu_);
  closed_ = true;
}

bool WeightStore::closed() {
  absl::MutexLock lock(&mu_);
  return closed_;
}

}  // namespace ledgfn
