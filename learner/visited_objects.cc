#include "learner/visited_objects.h"

#include <utility>

namespace ledgfn {

absl::Status VisitedObjects::Add(const Task& task, const Trajectory& trajectory) {
  State x;
  if (trajectory.states != nullptr) {
    x = trajectory.states->back();
  } else {
    absl::StatusOr<std::vector<State>> states = task.Replay(trajectory.actions);
    if (!states.ok()) return states.status();
    x = std::move(states->back());
  }
  if (!keys_.insert(task.ObjectKey(x)).second) return absl::OkStatus();
  objects_.push_back(VisitedObject{std::move(x), trajectory.energy});
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
