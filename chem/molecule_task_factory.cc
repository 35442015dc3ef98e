#include "chem/molecule_task_factory.h"

#include <memory>
#include <utility>

#include "chem/seh_chemistry.h"
#include "tasks/molecule/molecule_task.h"
#include "tasks/registry.h"

namespace ledgfn {

absl::StatusOr<std::unique_ptr<Task>> MakeTaskWithChemistry(
    const TaskOptions& options) {
  if (options.name != "molecule") return MakeTask(options);
  // MakeTask checks the options and names a missing directory clearly.
  if (auto plain = MakeTask(options); !plain.ok()) return plain.status();
  auto chemistry = SehChemistry::Create(options.molecule_data_dir);
  if (!chemistry.ok()) return chemistry.status();
  FragmentVocabulary vocabulary = (*chemistry)->vocabulary();
  auto task = MoleculeTask::Create(
      std::move(vocabulary),
      std::shared_ptr<const MoleculeChemistry>(*std::move(chemistry)),
      *ParseMoleculeEnergy(options.molecule_energy));  // MakeTask checked it
  if (!task.ok()) return task.status();
  return std::unique_ptr<Task>(*std::move(task));
}

}  // namespace ledgfn
