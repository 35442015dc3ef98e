// The capability of multi-instance tasks (Task::instances() != nullptr, e.g.
// MIS over many graphs): the task is a family of problem instances, each
// named by an InstanceId, and every trajectory names the instance it was
// sampled on. Replay, masks and features are evaluated on the instance's own
// task, which Instance(id) rebuilds; any process that knows the family
// rebuilds the same instance from the id alone.
//
// A task without the capability has one instance, the empty id, which is the
// task itself. The free functions below are the view of code that handles
// both kinds alike (samplers, validation, batch construction).
#ifndef LEDGFN_TASKS_INSTANCE_FAMILY_H_
#define LEDGFN_TASKS_INSTANCE_FAMILY_H_

#include <memory>
#include <random>
#include <vector>

#include "absl/status/statusor.h"
#include "common/instance_id.h"

namespace ledgfn {

class Task;

class InstanceFamily {
 public:
  virtual ~InstanceFamily() = default;

  // The task of instance `id`, shared (callers may keep it while the family
  // lives). INVALID_ARGUMENT for an id of another family or outside the
  // training and test sets. Thread-safe.
  virtual absl::StatusOr<std::shared_ptr<const Task>> Instance(
      const InstanceId& id) const = 0;
  // Whether `id` may be trained on (actors sample, replay accepts): a
  // training-set id.
  virtual bool IsTrainingInstance(const InstanceId& id) const = 0;
  // The instance of a new trajectory, drawn uniformly from the training set.
  virtual InstanceId DrawTrainingInstance(std::mt19937_64& rng) const = 0;
  // Held-out instances for evaluation; may be empty.
  virtual std::vector<InstanceId> TestInstances() const = 0;
  // The energy a simple baseline reaches on instance `id` (greedy minimum
  // degree for MIS); INVALID_ARGUMENT for an id Instance() rejects.
  virtual absl::StatusOr<double> BaselineEnergy(const InstanceId& id) const = 0;
};

// task.instances()->Instance(id) for a multi-instance task; otherwise the
// task itself (not owned: it outlives every caller by contract) for the
// empty id and INVALID_ARGUMENT for any other.
absl::StatusOr<std::shared_ptr<const Task>> InstanceOf(const Task& task,
                                                       const InstanceId& id);
// task.instances()->IsTrainingInstance(id) for a multi-instance task;
// otherwise whether `id` is the empty id.
bool IsTrainingInstanceOf(const Task& task, const InstanceId& id);
// task.instances()->DrawTrainingInstance(rng) for a multi-instance task;
// otherwise the empty id, without drawing from `rng`.
InstanceId DrawTrainingInstanceOf(const Task& task, std::mt19937_64& rng);
// task.instances()->TestInstances() for a multi-instance task; otherwise
// empty.
std::vector<InstanceId> TestInstancesOf(const Task& task);

}  // namespace ledgfn

#endif  // LEDGFN_TASKS_INSTANCE_FAMILY_H_
