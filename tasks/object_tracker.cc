#include "tasks/object_tracker.h"

#include <cmath>
#include <iterator>

namespace ledgfn {

ObjectTracker::ObjectTracker(int top_k) : top_k_(top_k) {}

bool ObjectTracker::Add(const Task& task, const State& x, double energy) {
  if (!std::isfinite(energy)) return false;
  // The key and the mode predicate are evaluated outside the lock: both may
  // consult the task's chemistry. The mode only for a new key; two threads
  // racing on one new key both evaluate it and the first emplace wins.
  std::string key = task.ObjectKey(x);
  {
    absl::MutexLock lock(&mu_);
    if (seen_.contains(key)) return false;
  }
  const bool is_mode = task.IsModeOfEnergy(x, energy);
  absl::MutexLock lock(&mu_);
  if (!seen_.try_emplace(key, x, energy).second) return false;
  if (is_mode) ++num_modes_;
  std::pair<double, std::string> entry(energy, std::move(key));
  if (static_cast<int>(best_.size()) < top_k_) {
    best_.insert(std::move(entry));
  } else if (entry < *best_.rbegin()) {
    best_.erase(std::prev(best_.end()));
    best_.insert(std::move(entry));
  }
  return true;
}

int64_t ObjectTracker::num_distinct() const {
  absl::MutexLock lock(&mu_);
  return static_cast<int64_t>(seen_.size());
}

int64_t ObjectTracker::num_modes() const {
  absl::MutexLock lock(&mu_);
  return num_modes_;
}

double ObjectTracker::TopKMeanReward() const {
  absl::MutexLock lock(&mu_);
  if (best_.empty()) return 0.0;
  double sum = 0.0;
  for (const auto& [energy, key] : best_) sum += std::exp(-energy);
  return sum / static_cast<double>(best_.size());
}

std::vector<std::pair<State, double>> ObjectTracker::TopK() const {
  absl::MutexLock lock(&mu_);
  std::vector<std::pair<State, double>> out;
  out.reserve(best_.size());
  for (const auto& [energy, key] : best_) out.push_back(seen_.find(key)->second);
  return out;
}

std::vector<std::pair<State, double>> ObjectTracker::Export() const {
  absl::MutexLock lock(&mu_);
  std::vector<std::pair<State, double>> out;
  out.reserve(seen_.size());
  for (const auto& [key, object] : seen_) out.push_back(object);
  return out;
}

}  // namespace ledgfn
