// The training flags (objective, networks, learning rates, batches,
// sampling, device), defined once for `ledgfn train`, the learner and the
// actors. Values left unset take the task's defaults (Task::defaults()).
#ifndef LEDGFN_LAUNCHER_TRAINING_FLAGS_H_
#define LEDGFN_LAUNCHER_TRAINING_FLAGS_H_

#include <memory>

#include "absl/status/statusor.h"
#include "tasks/task.h"
#include "local/embedded_trainer.h"

namespace ledgfn {

// Fills the trainer options and the batch, replay, window and sampling
// fields; the caller sets the rest (rounds, actors, capacity, ...) and
// validates.
absl::StatusOr<EmbeddedOptions> TrainingOptionsFromFlags(const Task& task);

// The task of the task flags (task_flags.h) with its chemistry, for the
// programs that sample or train: MakeTaskWithChemistry
// (chem/molecule_task_factory.h).
absl::StatusOr<std::unique_ptr<Task>> TaskWithChemistryFromFlags();

// Applies --threads to LibTorch and OpenBLAS and picks OpenBLAS's kernels
// (model/compute_setup.h).
absl::Status ApplyThreadsFlag();

}  // namespace ledgfn

#endif  // LEDGFN_LAUNCHER_TRAINING_FLAGS_H_
