#include "replay/table.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <random>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/trajectory.h"

namespace ledgfn {
namespace {

// Largest capacity accepted; keeps the sum tree's size arithmetic far from
// overflow and the allocation within reason.
constexpr int64_t kMaxCapacity = int64_t{1} << 30;

// Bounds on the sanitised log-weight x = -alpha * E (see Table::Insert).
constexpr double kMaxAbsLogWeight = 1e300;
constexpr double kNoWeight = -std::numeric_limits<double>::infinity();

// Stored weights are exp(x - shift). An insert whose x - shift exceeds
// kHighShift, or a total weight below exp(-kLowShift), triggers a rebuild
// with shift = max x, after which the largest stored weight is exactly 1.
// With x - shift <= 300 every weight is <= 2e130, so even 2^30 of them sum
// to far below the double range; a total >= exp(-300) keeps the largest
// weight far from the denormals, so relative weights stay exact to double
// precision for every item that has a practical chance of being drawn.
constexpr double kHighShift = 300.0;
constexpr double kLowShift = 300.0;

int64_t NextPowerOfTwo(int64_t n) {
  int64_t p = 1;
  while (p < n) p <<= 1;
  return p;
}

}  // namespace

absl::Status TableOptions::Validate() const {
  if (capacity < 1 || capacity > kMaxCapacity) {
    return absl::InvalidArgumentError(absl::StrCat(
        "capacity (", capacity, ") must be in [1, ", kMaxCapacity, "]"));
  }
  if (!std::isfinite(priority_alpha)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "priority_alpha (", priority_alpha, ") must be finite"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<Table>> Table::Create(
    const TableOptions& options) {
  if (absl::Status status = options.Validate(); !status.ok()) return status;
  return std::unique_ptr<Table>(new Table(options));
}

Table::Table(const TableOptions& options)
    : capacity_(options.capacity),
      alpha_(options.priority_alpha),
      num_leaves_(NextPowerOfTwo(options.capacity)),
      slots_(static_cast<size_t>(options.capacity)),
      tree_(static_cast<size_t>(2 * num_leaves_), 0.0) {}

double Table::LogWeight(const Trajectory& trajectory) const {
  const double x = -alpha_ * trajectory.energy;
  if (std::isnan(x)) return kNoWeight;
  return std::clamp(x, -kMaxAbsLogWeight, kMaxAbsLogWeight);
}

void Table::SetLeaf(int64_t slot, double weight) {
  int64_t node = num_leaves_ + slot;
  tree_[node] = weight;
  // Recompute (rather than add a delta to) each ancestor so the tree never
  // accumulates rounding drift.
  for (node /= 2; node >= 1; node /= 2) {
    tree_[node] = tree_[2 * node] + tree_[2 * node + 1];
  }
}

void Table::RebuildTree() {
  double shift = kNoWeight;
  for (int64_t key = oldest_key(); key < next_key_; ++key) {
    shift = std::max(shift, slots_[key % capacity_].log_weight);
  }
  if (shift == kNoWeight) shift = 0.0;  // no live item has a weight
  log_shift_ = shift;

  std::fill(tree_.begin(), tree_.end(), 0.0);
  for (int64_t key = oldest_key(); key < next_key_; ++key) {
    const int64_t slot = key % capacity_;
    const double x = slots_[slot].log_weight;
    tree_[num_leaves_ + slot] = x == kNoWeight ? 0.0 : std::exp(x - shift);
  }
  for (int64_t node = num_leaves_ - 1; node >= 1; --node) {
    tree_[node] = tree_[2 * node] + tree_[2 * node + 1];
  }
}

void Table::MaybeRebuildTree() {
  // With only unweighted items live a rebuild cannot help; skipping it
  // keeps inserts O(log capacity) in that degenerate case.
  if (size_ == num_unweighted_) return;
  const double total = tree_[1];
  if (!(total >= std::exp(-kLowShift)) || !std::isfinite(total)) {
    RebuildTree();
  }
}

int64_t Table::Insert(Trajectory trajectory) {
  auto item = std::make_shared<const Trajectory>(std::move(trajectory));
  const double x = LogWeight(*item);
  // Destroyed after the lock is released, so freeing a large evicted
  // trajectory does not stall other callers.
  std::shared_ptr<const Trajectory> evicted;

  absl::MutexLock lock(&mu_);
  const int64_t key = next_key_;
  const int64_t slot = key % capacity_;
  if (size_ == capacity_) {
    // FIFO: the oldest key, key - capacity_, occupies exactly this slot.
    const int64_t evicted_key = oldest_key();
    evicted = std::move(slots_[slot].trajectory);
    if (slots_[slot].log_weight == kNoWeight) --num_unweighted_;
    --size_;
    if (fresh_cursor_ <= evicted_key) {
      ++fresh_evicted_;
      fresh_cursor_ = evicted_key + 1;
    }
  }
  slots_[slot].key = key;
  slots_[slot].trajectory = std::move(item);
  slots_[slot].log_weight = x;
  ++next_key_;
  ++size_;
  if (x == kNoWeight) ++num_unweighted_;

  if (x != kNoWeight && x - log_shift_ > kHighShift) {
    RebuildTree();
  } else {
    SetLeaf(slot, x == kNoWeight ? 0.0 : std::exp(x - log_shift_));
    MaybeRebuildTree();
  }
  return key;
}

Table::Item Table::ItemAt(int64_t key) const {
  const Slot& slot = slots_[key % capacity_];
  return Item{slot.key, slot.trajectory};
}

std::vector<Table::Item> Table::SampleUniform(int n,
                                              std::mt19937_64& rng) const {
  std::vector<Item> out;
  if (n <= 0) return out;
  absl::ReaderMutexLock lock(&mu_);
  if (size_ == 0) return out;
  out.reserve(n);
  std::uniform_int_distribution<int64_t> offset(0, size_ - 1);
  const int64_t oldest = oldest_key();
  for (int i = 0; i < n; ++i) out.push_back(ItemAt(oldest + offset(rng)));
  return out;
}

std::vector<Table::Item> Table::SampleNewestWindow(int n, int64_t window,
                                                   std::mt19937_64& rng) const {
  std::vector<Item> out;
  if (n <= 0 || window <= 0) return out;
  absl::ReaderMutexLock lock(&mu_);
  if (size_ == 0) return out;
  out.reserve(n);
  std::uniform_int_distribution<int64_t> back(0, std::min(window, size_) - 1);
  const int64_t newest = next_key_ - 1;
  for (int i = 0; i < n; ++i) out.push_back(ItemAt(newest - back(rng)));
  return out;
}

int64_t Table::FindSlot(double u) const {
  int64_t node = 1;
  while (node < num_leaves_) {
    const double left = tree_[2 * node];
    const double right = tree_[2 * node + 1];
    // Descend left when u falls there, or when the right subtree is empty
    // (u can reach a node's total through rounding); either way the child
    // taken has positive weight whenever its parent has.
    if (u < left || !(right > 0.0)) {
      node = 2 * node;
    } else {
      u -= left;
      node = 2 * node + 1;
    }
  }
  return node - num_leaves_;
}

std::vector<Table::Item> Table::SamplePrioritized(int n,
                                                  std::mt19937_64& rng) const {
  std::vector<Item> out;
  if (n <= 0) return out;
  absl::ReaderMutexLock lock(&mu_);
  if (size_ == 0) return out;
  const double total = tree_[1];
  out.reserve(n);
  if (!(total > 0.0)) {
    // Every live item has weight 0 (NaN log-weights): uniform fallback.
    std::uniform_int_distribution<int64_t> offset(0, size_ - 1);
    const int64_t oldest = oldest_key();
    for (int i = 0; i < n; ++i) out.push_back(ItemAt(oldest + offset(rng)));
    return out;
  }
  std::uniform_real_distribution<double> uniform(0.0, total);
  for (int i = 0; i < n; ++i) {
    const int64_t slot = FindSlot(uniform(rng));
    out.push_back(Item{slots_[slot].key, slots_[slot].trajectory});
  }
  return out;
}

std::vector<Table::Item> Table::TakeFresh(int n) {
  std::vector<Item> out;
  if (n <= 0) return out;
  absl::MutexLock lock(&mu_);
  const int64_t count = std::min<int64_t>(n, next_key_ - fresh_cursor_);
  out.reserve(count);
  for (int64_t i = 0; i < count; ++i) {
    Slot& slot = slots_[(fresh_cursor_ + i) % capacity_];
    out.push_back(Item{slot.key, slot.trajectory});
    if (slot.trajectory->states != nullptr) {  // see the file comment
      auto kept = std::make_shared<Trajectory>(*slot.trajectory);
      kept->states = nullptr;
      slot.trajectory = std::move(kept);
    }
  }
  fresh_cursor_ += count;
  return out;
}

Table::Contents Table::Snapshot() const {
  Contents contents;
  absl::ReaderMutexLock lock(&mu_);
  contents.items.reserve(size_);
  for (int64_t key = oldest_key(); key < next_key_; ++key) {
    contents.items.push_back(ItemAt(key));
  }
  contents.fresh_cursor = fresh_cursor_;
  return contents;
}

int64_t Table::size() const {
  absl::ReaderMutexLock lock(&mu_);
  return size_;
}

int64_t Table::total_inserted() const {
  absl::ReaderMutexLock lock(&mu_);
  return next_key_;
}

int64_t Table::total_evicted() const {
  absl::ReaderMutexLock lock(&mu_);
  return next_key_ - size_;
}

int64_t Table::num_fresh() const {
  absl::ReaderMutexLock lock(&mu_);
  return next_key_ - fresh_cursor_;
}

int64_t Table::fresh_evicted() const {
  absl::ReaderMutexLock lock(&mu_);
  return fresh_evicted_;
}

}  // namespace ledgfn
