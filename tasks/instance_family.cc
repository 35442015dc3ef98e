#include "tasks/instance_family.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "tasks/task.h"

namespace ledgfn {

absl::StatusOr<std::shared_ptr<const Task>> InstanceOf(const Task& task,
                                                       const InstanceId& id) {
  if (const InstanceFamily* family = task.instances()) {
    return family->Instance(id);
  }
  if (!id.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("task '", task.name(), "' has a single instance, but the ",
                     "trajectory names instance ", id.ToString()));
  }
  // Non-owning: the task outlives every caller by contract.
  return std::shared_ptr<const Task>(std::shared_ptr<const Task>(), &task);
}

bool IsTrainingInstanceOf(const Task& task, const InstanceId& id) {
  const InstanceFamily* family = task.instances();
  return family != nullptr ? family->IsTrainingInstance(id) : id.empty();
}

InstanceId DrawTrainingInstanceOf(const Task& task, std::mt19937_64& rng) {
  const InstanceFamily* family = task.instances();
  return family != nullptr ? family->DrawTrainingInstance(rng) : InstanceId{};
}

std::vector<InstanceId> TestInstancesOf(const Task& task) {
  const InstanceFamily* family = task.instances();
  return family != nullptr ? family->TestInstances()
                           : std::vector<InstanceId>();
}

}  // namespace ledgfn
