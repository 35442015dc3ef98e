// The task the training programs (ledgfn train, ledgfn_actor,
// ledgfn_learner) run: MakeTask's, except that the molecule task gets its
// chemistry (RDKit and the sEH proxy, chem/seh_chemistry.h), so it has
// energies, canonical SMILES and fingerprints. The replay service, which
// only validates trajectories, uses MakeTask (tasks/task.h) and needs
// neither RDKit nor torch.
//
// Contract: for options.name == "molecule", reads the vocabulary and the
// proxy weights from options.molecule_data_dir (errors name the missing or
// malformed file); any other task is exactly MakeTask(options).
#ifndef LEDGFN_CHEM_MOLECULE_TASK_FACTORY_H_
#define LEDGFN_CHEM_MOLECULE_TASK_FACTORY_H_

#include <memory>

#include "absl/status/statusor.h"
#include "tasks/registry.h"

namespace ledgfn {

absl::StatusOr<std::unique_ptr<Task>> MakeTaskWithChemistry(
    const TaskOptions& options);

}  // namespace ledgfn

#endif  // LEDGFN_CHEM_MOLECULE_TASK_FACTORY_H_
