#include "actor/actor_loop.h"

#include "model/flat_weights.h"

namespace ledgfn {

ActorLoop::ActorLoop(PolicyNet policy, Sampler& sampler, WeightSource& weights,
                     TrajectorySink& sink, int batch_size)
    : policy_(std::move(policy)),
      sampler_(sampler),
      weights_(weights),
      sink_(sink),
      batch_size_(batch_size) {}

absl::Status ActorLoop::RefreshWeights() {
  std::shared_ptr<const PolicyWeights> latest = weights_.Latest();
  if (latest == nullptr || latest->version <= sampler_.policy_version()) {
    return absl::OkStatus();
  }
  if (absl::Status s = LoadFlatParameters(*policy_, latest->values); !s.ok()) {
    return s;
  }
  sampler_.set_policy_version(latest->version);
  return absl::OkStatus();
}

absl::Status ActorLoop::Run(const std::atomic<bool>& stop) {
  while (!stop.load()) {
    if (absl::Status s = RefreshWeights(); !s.ok()) return s;
    auto batch = sampler_.Sample(batch_size_);
    if (!batch.ok()) return batch.status();
    const int64_t n = static_cast<int64_t>(batch->size());
    absl::Status s = sink_.Write(*std::move(batch));
    if (absl::IsCancelled(s)) return absl::OkStatus();
    if (!s.ok()) return s;
    trajectories_ += n;
  }
  return absl::OkStatus();
}

}  // namespace ledgfn
