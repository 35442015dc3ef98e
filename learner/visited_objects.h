// The distinct terminal objects the learner has trained on, with their
// energies: the pool the paper's offline batches draw from (the reference
// code's allXtoR: every object of every online batch, first visit kept).
//
// Contract: Add replays a trajectory's actions on the task, unless it
// carries its states (validated trajectories only reach the learner, but a
// failing replay is returned, not assumed away), and records its object x
// under task.ObjectKey(x) if it is new. Draw returns n objects uniformly with replacement (the reference
// code's random.choices). Not thread-safe: the learner's round owns it.
#ifndef LEDGFN_LEARNER_VISITED_OBJECTS_H_
#define LEDGFN_LEARNER_VISITED_OBJECTS_H_

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "common/trajectory.h"
#include "tasks/task.h"

namespace ledgfn {

struct VisitedObject {
  State x;
  double energy = 0;
  // E(s) of x's states are not kept: FL's offline trajectories get theirs
  // from the task (learner/backward_sampler.h).
};

class VisitedObjects {
 public:
  absl::Status Add(const Task& task, const Trajectory& trajectory);
  size_t size() const { return objects_.size(); }
  // Requires size() > 0.
  std::vector<const VisitedObject*> Draw(int n, std::mt19937_64& rng) const;

 private:
  absl::flat_hash_set<std::string> keys_;
  std::vector<VisitedObject> objects_;
};

}  // namespace ledgfn

#endif  // LEDGFN_LEARNER_VISITED_OBJECTS_H_
