// The task flags (--task, --hypergrid_*, --set_size, --bag_modes_file,
// --bag_features, --mis_*, --molecule_data_dir, --max_abs_energy and
// --protocol), defined once for every ledgfn program that
// links this file.
#ifndef LEDGFN_LAUNCHER_TASK_FLAGS_H_
#define LEDGFN_LAUNCHER_TASK_FLAGS_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "tasks/registry.h"

namespace ledgfn {

TaskOptions TaskOptionsFromFlags();
// --protocol as given ("online" or "paper"; training_flags.cc parses it). It
// lives here because it also picks the bag's default feature map.
std::string ProtocolFlag();
// --max_abs_energy, or the task's default bound (TaskDefaults); an error
// for a value outside (0, 700].
absl::StatusOr<double> MaxAbsEnergyFromFlags(const Task& task);
// MakeTask(TaskOptionsFromFlags()): the task without chemistry, all the
// replay service needs. The training programs use TaskWithChemistryFromFlags
// (training_flags.h), which gives the molecule task its energies.
absl::StatusOr<std::unique_ptr<Task>> TaskFromFlags();

}  // namespace ledgfn

#endif  // LEDGFN_LAUNCHER_TASK_FLAGS_H_
