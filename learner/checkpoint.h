// Learner checkpoints with automatic resume (DESIGN §2.5).
//
// Layout of a checkpoint directory (one learner writes it at a time):
//   <dir>/ckpt-<step, 12 digits>/state.pt   LibTorch archive: the Trainer
//                                           (Trainer::Save), the learner's
//                                           progress, the ObjectTracker's
//                                           objects and energies, the config
//   <dir>/ckpt-<step, 12 digits>/COMPLETE   written last; a summary line
//   <dir>/VERSIONS                          policy-version lease
//                                           (learner/version_lease.h)
// Writing: everything goes to ckpt-<step>.tmp/, each file is fsynced, COMPLETE
// is written last, the directory is renamed into place and <dir> is fsynced
// (common/file_util.h). So a kill -9 at any point leaves either a
// finished checkpoint or a leftover .tmp that is never read.
// Keeping: after each save only the newest `keep` complete checkpoints stay;
// leftover .tmp directories are removed when the Checkpointer is created.
// Loading: the newest checkpoint that is complete and readable. Incomplete,
// .tmp and unreadable ones are skipped with a warning (the previous one is
// used). A checkpoint written with a different config is an error
// (FAILED_PRECONDITION naming the flag), not a fallback: every checkpoint in
// a directory comes from the same run.
#ifndef LEDGFN_LEARNER_CHECKPOINT_H_
#define LEDGFN_LEARNER_CHECKPOINT_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "tasks/object_tracker.h"
#include "tasks/task.h"
#include "learner/trainer.h"

namespace ledgfn {

// Flag name -> value of every setting a checkpoint can only be resumed with
// (the task, the objective, the network shape, ...). Values are compared as
// strings; they may not contain a newline.
using CheckpointConfig = std::vector<std::pair<std::string, std::string>>;

// The learner's counters around the Trainer.
struct LearnerProgress {
  int64_t round = 0;           // training rounds completed
  int64_t trajectories = 0;    // fresh trajectories trained on
  int64_t policy_version = 0;  // the version of the saved policy weights
  double seconds = 0;          // training time so far
};

struct RestoredCheckpoint {
  std::string path;  // the checkpoint directory used
  std::unique_ptr<Trainer> trainer;
  LearnerProgress progress;
  // The ObjectTracker's objects (ObjectTracker::Export); Add them to an empty
  // tracker.
  std::vector<std::pair<State, double>> objects;
};

class Checkpointer {
 public:
  static constexpr int kDefaultKeep = 3;

  // Creates `dir` if needed and removes leftover .tmp checkpoints.
  // INVALID_ARGUMENT when keep < 1 or a config value has a newline.
  static absl::StatusOr<std::unique_ptr<Checkpointer>> Create(
      std::string dir, int keep, CheckpointConfig config);

  // Writes the checkpoint of trainer.step() (a no-op when it already exists)
  // and prunes old ones. Returns its path.
  absl::StatusOr<std::string> Save(const Trainer& trainer,
                                   const ObjectTracker& tracker,
                                   const LearnerProgress& progress);

  // The newest usable checkpoint loaded into a new Trainer for `task` and
  // `options`; nullopt when there is none to resume from. `warnings` gets
  // one line per checkpoint passed over. FAILED_PRECONDITION on a config
  // mismatch; DATA_LOSS when complete checkpoints exist but none loads
  // (starting over would silently discard them).
  absl::StatusOr<std::optional<RestoredCheckpoint>> Restore(
      const Task& task, const TrainerOptions& options,
      std::vector<std::string>* warnings) const;

  const std::string& dir() const { return dir_; }

 private:
  Checkpointer(std::string dir, int keep, CheckpointConfig config)
      : dir_(std::move(dir)), keep_(keep), config_(std::move(config)) {}
  absl::StatusOr<RestoredCheckpoint> Load(const std::string& path,
                                          const Task& task,
                                          const TrainerOptions& options) const;
  absl::Status Prune() const;

  std::string dir_;
  int keep_;
  CheckpointConfig config_;
};

}  // namespace ledgfn

#endif  // LEDGFN_LEARNER_CHECKPOINT_H_
