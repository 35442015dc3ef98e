// The chemistry entry points of a build without RDKit
// (-DLEDGFN_WITH_CHEMISTRY=OFF, e.g. the core against a CUDA LibTorch on a
// machine without librdkit-dev): every task but the molecule one works.
#include "absl/status/status.h"
#include "chem/molecule_task_factory.h"
#include "chem/score_command.h"
#include "tasks/registry.h"

namespace ledgfn {
namespace {

absl::Status BuiltWithoutRdkit() {
  return absl::FailedPreconditionError(
      "this ledgfn was built without RDKit (-DLEDGFN_WITH_CHEMISTRY=OFF); the "
      "molecule task needs it (librdkit-dev)");
}

}  // namespace

absl::StatusOr<std::unique_ptr<Task>> MakeTaskWithChemistry(
    const TaskOptions& options) {
  // MakeTask first, so that bad options get the same errors as with RDKit.
  auto task = MakeTask(options);
  if (task.ok() && options.name == "molecule") return BuiltWithoutRdkit();
  return task;
}

absl::StatusOr<ScoreCounts> ScoreMoleculeFile(const std::string& data_dir,
                                              const std::string& input_path,
                                              std::ostream& out) {
  return BuiltWithoutRdkit();
}

}  // namespace ledgfn
