#include "common/object_tracker.h"

#include <cmath>
#include <iterator>

namespace ledgfn {

ObjectTracker::ObjectTracker(int top_k) : top_k_(top_k) {}

bool ObjectTracker::Add(const Task& task, const State& x, double energy) {
  if (std::isnan(energy)) return false;
  // Evaluated outside the lock: the mode predicate may hash the object.
  const bool is_mode = task.IsMode(x);
  absl::MutexLock lock(&mu_);
  if (!seen_.emplace(x, energy).second) return false;
  if (is_mode) ++num_modes_;
  if (static_cast<int>(best_energies_.size()) < top_k_) {
    best_energies_.insert(energy);
  } else if (energy < *best_energies_.rbegin()) {
    best_energies_.erase(std::prev(best_energies_.end()));
    best_energies_.insert(energy);
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
  if (best_energies_.empty()) return 0.0;
  double sum = 0.0;
  for (double e : best_energies_) sum += std::exp(-e);
  return sum / static_cast<double>(best_energies_.size());
}

std::vector<std::pair<State, double>> ObjectTracker::Export() const {
  absl::MutexLock lock(&mu_);
  return {seen_.begin(), seen_.end()};
}

}  // namespace ledgfn
