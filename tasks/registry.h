// The task registry: every task by name. Programs build their task here
// from flags (launcher/task_flags.h); the library code takes a Task.
#ifndef LEDGFN_TASKS_REGISTRY_H_
#define LEDGFN_TASKS_REGISTRY_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "tasks/task.h"

namespace ledgfn {

// Creates a task from its name and the options that select its size, e.g.
// "hypergrid" (options: dim, side), "set" (size: small/medium/large), "bag",
// "mis" (family, instance counts or edge-list files), "molecule" (the
// directory holding blocks_PDB_105.json; built without chemistry, so its
// energies are NaN: the replay service's validation task).
struct TaskOptions {
  std::string name = "bag";
  int hypergrid_dim = 4;
  int hypergrid_side = 8;
  double hypergrid_r0 = 0.1;
  double hypergrid_r1 = 0.5;
  double hypergrid_r2 = 2.0;
  std::string set_size = "small";
  // Optional file with one 13-letter bag per line (letters 'a'..'g' or
  // 'A'..'G'); empty uses the seeded hash modes.
  std::string bag_modes_file;
  // The bag's feature map: "one_hot" (default) or "counts" (the paper's
  // code's 9 features; tasks/bag/bag_task.h).
  std::string bag_features = "one_hot";
  // mis: the graph family ("rb200-300", "er-<nodes>-<edge probability>"),
  // or edge-list files (then the family is named after their contents).
  std::string mis_family = "rb200-300";
  int mis_train_instances = 1000;
  int mis_test_instances = 20;
  std::vector<std::string> mis_edge_list_files;
  // molecule: the directory of the fragment vocabulary (required).
  std::string molecule_data_dir;
  // molecule: "seh" (the sEH proxy) or "docking" (energies from the docking
  // oracle; tasks/molecule/molecule_task.h MoleculeEnergy).
  std::string molecule_energy = "seh";
};
absl::StatusOr<std::unique_ptr<Task>> MakeTask(const TaskOptions& options);

}  // namespace ledgfn

#endif  // LEDGFN_TASKS_REGISTRY_H_
