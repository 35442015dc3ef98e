// Running record of the distinct terminal objects found so far, for the
// "modes" and "top-100" metrics (DESIGN §2.6).
//
// Contract:
//  * Thread-safe: actors and the learner may Add and query concurrently.
//  * Objects are deduplicated by task.ObjectKey(x) (the molecule task: one
//    molecule built in different block orders is one object); the first
//    state and energy seen for a key are kept (energies are deterministic
//    per object, so later ones agree). task.IsMode is evaluated only for an
//    object not seen before.
//  * num_modes counts distinct objects with task.IsMode.
//  * The top k are the top_k lowest-energy distinct objects (all of them
//    when fewer were seen), ties broken by the smaller ObjectKey. They are
//    kept incrementally, so a query costs O(k), not a sort.
//    TopKMeanReward is the mean of exp(-E) over them (0 when none); TopK
//    returns them with their energies, lowest energy first.
//  * An object with a NaN energy is not recorded (it would break the
//    ordering of the top k); Add returns false for it.
//  * Export returns every recorded object with its energy; Adding them to an
//    empty tracker (learner checkpoints) restores the counts and the top k
//    exactly, since both depend only on the set of objects, not their order.
#ifndef LEDGFN_TASKS_OBJECT_TRACKER_H_
#define LEDGFN_TASKS_OBJECT_TRACKER_H_

#include <cstdint>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "tasks/task.h"

namespace ledgfn {

class ObjectTracker {
 public:
  static constexpr int kDefaultTopK = 100;

  // Precondition: top_k >= 1.
  explicit ObjectTracker(int top_k = kDefaultTopK);

  ObjectTracker(const ObjectTracker&) = delete;
  ObjectTracker& operator=(const ObjectTracker&) = delete;

  // Records object x with energy E(x). Returns true when x was not seen
  // before (and its energy is not NaN).
  bool Add(const Task& task, const State& x, double energy)
      ABSL_LOCKS_EXCLUDED(mu_);

  int64_t num_distinct() const ABSL_LOCKS_EXCLUDED(mu_);
  int64_t num_modes() const ABSL_LOCKS_EXCLUDED(mu_);
  int top_k() const { return top_k_; }
  double TopKMeanReward() const ABSL_LOCKS_EXCLUDED(mu_);
  // The top k objects and their energies, lowest energy first.
  std::vector<std::pair<State, double>> TopK() const ABSL_LOCKS_EXCLUDED(mu_);

  // Every recorded object and its energy, in no particular order.
  std::vector<std::pair<State, double>> Export() const ABSL_LOCKS_EXCLUDED(mu_);

 private:
  const int top_k_;
  mutable absl::Mutex mu_;
  // Each distinct object's key -> its first state and energy.
  absl::flat_hash_map<std::string, std::pair<State, double>> seen_
      ABSL_GUARDED_BY(mu_);
  int64_t num_modes_ ABSL_GUARDED_BY(mu_) = 0;
  // (energy, key) of the best (lowest-energy) top_k_ distinct objects; the
  // worst of them is *rbegin(), the one a better newcomer evicts.
  std::set<std::pair<double, std::string>> best_ ABSL_GUARDED_BY(mu_);
};

}  // namespace ledgfn

#endif  // LEDGFN_TASKS_OBJECT_TRACKER_H_
