#include "learner/visited_objects.h"

#include <utility>

#include "learner/trajectory_states.h"

namespace ledgfn {

absl::Status VisitedObjects::Add(const Task& task, const Trajectory& trajectory) {
  auto states = TrajectoryStates(task, trajectory);
  if (!states.ok()) return states.status();
  const State& x = (*states)->back();
  if (!keys_.insert(task.ObjectKey(x)).second) return absl::OkStatus();
  objects_.push_back(VisitedObject{x, trajectory.energy});
  return absl::OkStatus();
}

std::vector<const VisitedObject*> VisitedObjects::Draw(
    int n, std::mt19937_64& rng) const {
  std::uniform_int_distribution<size_t> pick(0, objects_.size() - 1);
  std::vector<const VisitedObject*> drawn;
  drawn.reserve(n);
  for (int i = 0; i < n; ++i) drawn.push_back(&objects_[pick(rng)]);
  return drawn;
}

}  // namespace ledgfn
