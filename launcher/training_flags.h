// The training flags (objective, networks, learning rates, batches,
// sampling, device), defined once for `ledgfn train`, the learner and the
// actors. Values left unset take the task's defaults (Task::defaults()).
#ifndef LEDGFN_LAUNCHER_TRAINING_FLAGS_H_
#define LEDGFN_LAUNCHER_TRAINING_FLAGS_H_

#include "absl/status/statusor.h"
#include "common/task.h"
#include "launcher/embedded_trainer.h"

namespace ledgfn {

// Fills the trainer options and the batch, replay, window and sampling
// fields; the caller sets the rest (rounds, actors, capacity, ...) and
// validates.
absl::StatusOr<EmbeddedOptions> TrainingOptionsFromFlags(const Task& task);

// Applies --threads to torch's intra-op pool and, when torch's BLAS is
// OpenBLAS, to OpenBLAS's own thread pool.
absl::Status ApplyThreadsFlag();

}  // namespace ledgfn

#endif  // LEDGFN_LAUNCHER_TRAINING_FLAGS_H_
