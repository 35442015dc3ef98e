// The bounded in-memory trajectory table of the replay service (DESIGN §2.4).
//
// A FIFO ring buffer of immutable trajectories. Every insert gets the next
// key (0, 1, 2, ...); when the table is full the oldest item is evicted, so
// the live keys are always the contiguous range
// [total_inserted() - size(), total_inserted()).
//
// Items are handed out as `std::shared_ptr<const Trajectory>`: eviction drops
// the table's reference only, so a sampled item stays valid for as long as
// the caller holds it. A trajectory inserted with its states
// (Trajectory::states) keeps them until TakeFresh hands it out; the table
// then holds a copy without them (states cost far more memory than actions,
// and the on-policy consumer is the one that uses them).
//
// Selectors (the samplers draw with replacement; O(log capacity) per item or
// better):
//   * SampleUniform:       uniform over the live items;
//   * SampleNewestWindow:  uniform over the newest min(window, size) items;
//   * SamplePrioritized:   P(item) ∝ exp(-priority_alpha * energy);
//   * TakeFresh:           each item at most once, oldest first (for on-policy
//                          consumers), without removing it from the table.
//
// Callers supply the random engine, so they control determinism: the same
// table contents, arguments and engine state give the same draws. The engine
// is used under the table's lock but is not protected by it: do not share one
// engine between threads without your own synchronisation.
//
// The table does no admission control; pair it with a RateLimiter
// (replay/rate_limiter.h) and call its Delete() for each eviction: the insert
// that returned key k evicted key k - capacity() iff k >= capacity().
//
// Thread-safe.
#ifndef LEDGFN_REPLAY_TABLE_H_
#define LEDGFN_REPLAY_TABLE_H_

#include <cstdint>
#include <memory>
#include <random>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "common/trajectory.h"

namespace ledgfn {

struct TableOptions {
  // Maximum number of items held; inserting into a full table evicts the
  // oldest. In [1, 2^30].
  int64_t capacity = 0;
  // Temperature of SamplePrioritized: P(item) ∝ exp(-priority_alpha * E).
  // Finite; 0 makes it uniform, negative values favour high energies.
  double priority_alpha = 1.0;

  // INVALID_ARGUMENT with the reason unless the constraints above hold.
  absl::Status Validate() const;
};

class Table {
 public:
  struct Item {
    int64_t key = -1;
    std::shared_ptr<const Trajectory> trajectory;
  };

  // INVALID_ARGUMENT if `options.Validate()` fails. Memory for `capacity`
  // slots (at most 64 bytes each, plus the trajectories) is allocated here.
  static absl::StatusOr<std::unique_ptr<Table>> Create(
      const TableOptions& options);

  Table(const Table&) = delete;
  Table& operator=(const Table&) = delete;

  // Stores `trajectory` under the next key and returns that key. If the
  // table was full (exactly when the returned key is >= capacity()), first
  // evicts the oldest item, key - capacity() (which, if TakeFresh had not
  // returned it yet, counts in fresh_evicted()). Never fails and never
  // blocks on anything but the table's lock.
  //
  // Priority: the item's log-weight is x = -priority_alpha * energy. A NaN x
  // (NaN energy, or 0 * inf) has weight 0, and x is clamped to ±1e300 so
  // infinite energies get weight 0 (E = +inf with alpha > 0) or dominate
  // (E = -inf). Validate energies upstream; these rules only keep a bad item
  // from poisoning the table.
  int64_t Insert(Trajectory trajectory) ABSL_LOCKS_EXCLUDED(mu_);

  // `n` items drawn uniformly with replacement from the live items. Empty if
  // n <= 0 or the table is empty.
  std::vector<Item> SampleUniform(int n, std::mt19937_64& rng) const
      ABSL_LOCKS_EXCLUDED(mu_);

  // `n` items drawn uniformly with replacement from the newest
  // min(window, size()) items. Empty if n <= 0, window <= 0 or the table is
  // empty.
  std::vector<Item> SampleNewestWindow(int n, int64_t window,
                                       std::mt19937_64& rng) const
      ABSL_LOCKS_EXCLUDED(mu_);

  // `n` items drawn with replacement, item i with probability
  // exp(x_i) / sum_j exp(x_j), x_i = -priority_alpha * E_i (see Insert for
  // non-finite energies). Empty if n <= 0 or the table is empty. Falls back
  // to uniform if every live item has weight 0 (only when all have NaN
  // log-weights).
  //
  // Implementation: a sum tree over the ring-buffer slots holding
  // w_i = exp(x_i - s) in double, with a shift s shared by all items. s is
  // reset to max_i x_i (making the largest weight exactly 1) and the tree
  // rebuilt in O(capacity) whenever an insert has x - s > 300 or the total
  // weight drops below exp(-300) (e.g. the heavy items were evicted). So the
  // sum never overflows and relative weights stay exact to double precision
  // for every item with a practical chance of being drawn; an item whose
  // weight is below about exp(-745) of the largest has weight 0. Inserts,
  // evictions and draws are O(log capacity) apart from those rebuilds, which
  // need log-weights of live items hundreds apart. Parent sums are
  // recomputed from their children on every update, so there is no drift.
  std::vector<Item> SamplePrioritized(int n, std::mt19937_64& rng) const
      ABSL_LOCKS_EXCLUDED(mu_);

  // The up to `n` oldest items that no TakeFresh call has returned yet, in
  // insertion (key) order, and advances the cursor past them. Items evicted
  // before being taken are skipped (and counted in fresh_evicted()). Taken
  // items stay in the table for the samplers, without their states (see the
  // file comment). Empty if n <= 0 or nothing is fresh.
  std::vector<Item> TakeFresh(int n) ABSL_LOCKS_EXCLUDED(mu_);

  // Every live item, oldest first, and the key TakeFresh would return next,
  // read in one consistent step. O(size) pointer copies under the lock; the
  // trajectories are shared, not copied (a snapshot writer serialises them
  // later without holding any lock).
  struct Contents {
    std::vector<Item> items;
    int64_t fresh_cursor = 0;
  };
  Contents Snapshot() const ABSL_LOCKS_EXCLUDED(mu_);

  // Items currently held, <= capacity().
  int64_t size() const ABSL_LOCKS_EXCLUDED(mu_);
  int64_t capacity() const { return capacity_; }
  // Items ever inserted; also the key the next insert will get.
  int64_t total_inserted() const ABSL_LOCKS_EXCLUDED(mu_);
  // Items ever evicted (= total_inserted() - size()).
  int64_t total_evicted() const ABSL_LOCKS_EXCLUDED(mu_);
  // Items inserted, not yet returned by TakeFresh, and not evicted.
  int64_t num_fresh() const ABSL_LOCKS_EXCLUDED(mu_);
  // Items evicted before TakeFresh returned them. Always
  // taken + fresh_evicted() + num_fresh() == total_inserted().
  int64_t fresh_evicted() const ABSL_LOCKS_EXCLUDED(mu_);

 private:
  struct Slot {
    int64_t key = -1;
    std::shared_ptr<const Trajectory> trajectory;
    // Log-weight x = -alpha * E, sanitised (see Insert).
    double log_weight = 0.0;
  };

  explicit Table(const TableOptions& options);

  int64_t oldest_key() const ABSL_SHARED_LOCKS_REQUIRED(mu_) {
    return next_key_ - size_;
  }
  Item ItemAt(int64_t key) const ABSL_SHARED_LOCKS_REQUIRED(mu_);
  double LogWeight(const Trajectory& trajectory) const;
  // Sets the leaf of `slot` to `weight` and recomputes its ancestors.
  void SetLeaf(int64_t slot, double weight) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Re-centres the weights on the largest live log-weight and rebuilds the
  // whole tree in O(capacity).
  void RebuildTree() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Calls RebuildTree() if the total weight left the safe band.
  void MaybeRebuildTree() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The slot of the leaf where the prefix sum of weights crosses `u`, for
  // 0 <= u < total; never a zero-weight leaf while the total is positive.
  int64_t FindSlot(double u) const ABSL_SHARED_LOCKS_REQUIRED(mu_);

  const int64_t capacity_;
  const double alpha_;
  // Number of leaves of the sum tree: the smallest power of two >= capacity.
  const int64_t num_leaves_;

  mutable absl::Mutex mu_;
  // Key k lives in slots_[k % capacity_].
  std::vector<Slot> slots_ ABSL_GUARDED_BY(mu_);
  // Implicit binary tree: node 1 is the root, node i has children 2i and
  // 2i + 1, leaf of slot s is node num_leaves_ + s. Empty slots weigh 0.
  std::vector<double> tree_ ABSL_GUARDED_BY(mu_);
  // Shift s of the stored weights exp(x - s).
  double log_shift_ ABSL_GUARDED_BY(mu_) = 0.0;
  int64_t next_key_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t size_ ABSL_GUARDED_BY(mu_) = 0;
  // Next key TakeFresh returns; oldest_key() <= fresh_cursor_ <= next_key_.
  int64_t fresh_cursor_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t fresh_evicted_ ABSL_GUARDED_BY(mu_) = 0;
  // Live items whose log-weight is NaN (stored as -inf, weight 0).
  int64_t num_unweighted_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace ledgfn

#endif  // LEDGFN_REPLAY_TABLE_H_
