// Flags that select the task, shared by every ledgfn program.
#include "launcher/task_flags.h"

#include <optional>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "common/energy_bound.h"
#include "tasks/registry.h"

ABSL_FLAG(std::string, task, "bag",
          "Task: bag, hypergrid, set, mis or molecule.");
ABSL_FLAG(int, hypergrid_dim, 4, "hypergrid: number of dimensions D.");
ABSL_FLAG(int, hypergrid_side, 8, "hypergrid: side length H.");
ABSL_FLAG(double, hypergrid_r0, 0.1, "hypergrid: base reward R0.");
ABSL_FLAG(double, hypergrid_r1, 0.5, "hypergrid: reward R1 (outer ring).");
ABSL_FLAG(double, hypergrid_r2, 2.0, "hypergrid: reward R2 (mode cells).");
ABSL_FLAG(std::string, set_size, "small", "set: small, medium or large.");
ABSL_FLAG(std::string, bag_modes_file, "",
          "bag: file with one 13-letter bag (letters a-g) per line to use as "
          "the modes instead of the seeded hash.");
ABSL_FLAG(std::optional<std::string>, bag_features, std::nullopt,
          "bag: the networks' feature map, one_hot (each letter's count "
          "one-hot, 98 floats) or counts (the paper's code's 9: the 7 counts, "
          "the largest, and whether it reaches 7). Default: one_hot, counts "
          "with --protocol=paper.");
ABSL_FLAG(std::string, protocol, "online",
          "Training protocol: online (ours: one policy step a round on the "
          "actors' batch), paper (the LED-GFN paper's code: an online and an "
          "offline batch of P_B-sampled trajectories from visited objects a "
          "round, and the paper's bag settings as defaults; docs/results.md) "
          "or combopt (GFlowNet-CombOpt's MIS protocol: 8 graphs a round in "
          "minibatches of 3, beta annealed from 1 to 500, its learning "
          "rates, GIN 5x256 and 4,000 training graphs as defaults; "
          "docs/results.md). Every process of a run must use the same one.");
ABSL_FLAG(std::string, mis_family, "rb200-300",
          "mis: graph family, rb200-300 (RB-model graphs with 200-300 nodes) "
          "or er-<nodes>-<p> (Erdos-Renyi, e.g. er-100-0.05). Every process "
          "of a run must use the same family and instance counts.");
ABSL_FLAG(std::optional<int>, mis_train_instances, std::nullopt,
          "mis: number of training graphs (seeds 0..N-1). Default: 1000, "
          "4000 with --protocol=combopt (GFlowNet-CombOpt's training set).");
ABSL_FLAG(int, mis_test_instances, 20,
          "mis: number of held-out test graphs for evaluation.");
ABSL_FLAG(std::vector<std::string>, mis_edge_lists, {},
          "mis: comma-separated edge-list files to use as the graphs instead "
          "of --mis_family (each line 'u v', 0-based; optional first line "
          "'n <nodes>'; '#' comments). They are both the training and the "
          "test set.");
ABSL_FLAG(std::string, molecule_data_dir, "",
          "molecule: the sEH data directory: the fragment vocabulary "
          "blocks_PDB_105.json and the proxy weights seh_proxy_params.bin "
          "and .json (e.g. ../shared/data/seh). Required for --task=molecule.");
ABSL_FLAG(std::string, molecule_energy, "seh",
          "molecule: where energies come from: seh (the sEH proxy) or docking "
          "(AutoDock Vina: `ledgfn train` and actors without --oracle_address "
          "dock themselves with the --receptor/--box/--docking_* flags; give "
          "it to every role, so that modes (E <= -10) and scores (-E) are "
          "read as docking's).");

ABSL_FLAG(std::optional<double>, max_abs_energy, std::nullopt,
          "The energy bound: a trajectory whose terminal or partial energy "
          "is not finite or has |E| above it is refused where it enters (the "
          "actor's oracle answer, the replay's validation with reason "
          "energy_out_of_range, the learner's batch) and counted; one absurd "
          "oracle answer costs one trajectory. Default: the task's (twice "
          "the largest |E| its own energy gives, at least 10: bag 10, "
          "hypergrid 10, molecule 87.6); at most 700. Every role of a "
          "distributed run should get the same value.");

namespace ledgfn {

absl::StatusOr<double> MaxAbsEnergyFromFlags(const Task& task) {
  const double bound = absl::GetFlag(FLAGS_max_abs_energy)
                           .value_or(task.defaults().max_abs_energy);
  if (absl::Status s = ValidateEnergyBound(bound, "--max_abs_energy");
      !s.ok()) {
    return s;
  }
  return bound;
}

TaskOptions TaskOptionsFromFlags() {
  TaskOptions o;
  o.name = absl::GetFlag(FLAGS_task);
  o.hypergrid_dim = absl::GetFlag(FLAGS_hypergrid_dim);
  o.hypergrid_side = absl::GetFlag(FLAGS_hypergrid_side);
  o.hypergrid_r0 = absl::GetFlag(FLAGS_hypergrid_r0);
  o.hypergrid_r1 = absl::GetFlag(FLAGS_hypergrid_r1);
  o.hypergrid_r2 = absl::GetFlag(FLAGS_hypergrid_r2);
  o.set_size = absl::GetFlag(FLAGS_set_size);
  o.bag_modes_file = absl::GetFlag(FLAGS_bag_modes_file);
  o.bag_features = absl::GetFlag(FLAGS_bag_features)
                       .value_or(ProtocolFlag() == "paper" ? "counts" : "one_hot");
  o.mis_family = absl::GetFlag(FLAGS_mis_family);
  o.mis_train_instances = absl::GetFlag(FLAGS_mis_train_instances)
                              .value_or(ProtocolFlag() == "combopt" ? 4000 : 1000);
  o.mis_test_instances = absl::GetFlag(FLAGS_mis_test_instances);
  o.mis_edge_list_files = absl::GetFlag(FLAGS_mis_edge_lists);
  o.molecule_data_dir = absl::GetFlag(FLAGS_molecule_data_dir);
  o.molecule_energy = absl::GetFlag(FLAGS_molecule_energy);
  return o;
}

std::string ProtocolFlag() { return absl::GetFlag(FLAGS_protocol); }

absl::StatusOr<std::unique_ptr<Task>> TaskFromFlags() {
  return MakeTask(TaskOptionsFromFlags());
}

}  // namespace ledgfn
