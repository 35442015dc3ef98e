// The task registry: builds a task from its name and options.
#include "tasks/registry.h"

#include <cmath>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "tasks/bag/bag_task.h"
#include "tasks/hypergrid/hypergrid_task.h"
#include "tasks/mis/mis_task.h"
#include "tasks/molecule/molecule_task.h"
#include "tasks/set/set_task.h"

namespace ledgfn {

namespace {

// Bounds that keep feature vectors and trajectories of a hypergrid sane; a
// larger grid is almost certainly a typo and would exhaust memory in the
// networks' input layer before anything useful happened.
constexpr int kMaxHypergridDim = 64;
constexpr int kMaxHypergridSide = 4096;
constexpr int64_t kMaxHypergridFeatures = int64_t{1} << 16;

absl::StatusOr<std::unique_ptr<Task>> MakeHypergrid(const TaskOptions& o) {
  if (o.hypergrid_dim < 1 || o.hypergrid_dim > kMaxHypergridDim) {
    return absl::InvalidArgumentError(
        absl::StrCat("hypergrid dim must be in [1, ", kMaxHypergridDim,
                     "], got ", o.hypergrid_dim));
  }
  // One cell per axis would make a_d = 0/0; the reward needs two.
  if (o.hypergrid_side < 2 || o.hypergrid_side > kMaxHypergridSide) {
    return absl::InvalidArgumentError(
        absl::StrCat("hypergrid side must be in [2, ", kMaxHypergridSide,
                     "], got ", o.hypergrid_side));
  }
  if (int64_t{o.hypergrid_dim} * o.hypergrid_side > kMaxHypergridFeatures) {
    return absl::InvalidArgumentError(absl::StrCat(
        "hypergrid dim*side = ", int64_t{o.hypergrid_dim} * o.hypergrid_side,
        " exceeds the feature limit ", kMaxHypergridFeatures));
  }
  // Every cell must have a positive, finite reward so its energy is finite.
  if (!std::isfinite(o.hypergrid_r0) || o.hypergrid_r0 <= 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "hypergrid R0 must be finite and > 0, got ", o.hypergrid_r0));
  }
  if (!std::isfinite(o.hypergrid_r1) || o.hypergrid_r1 < 0 ||
      !std::isfinite(o.hypergrid_r2) || o.hypergrid_r2 < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("hypergrid R1 and R2 must be finite and >= 0, got ",
                     o.hypergrid_r1, " and ", o.hypergrid_r2));
  }
  return std::unique_ptr<Task>(std::make_unique<HypergridTask>(
      o.hypergrid_dim, o.hypergrid_side, o.hypergrid_r0, o.hypergrid_r1,
      o.hypergrid_r2));
}

absl::StatusOr<std::unique_ptr<Task>> MakeBag(const TaskOptions& o) {
  absl::StatusOr<BagFeatures> features = ParseBagFeatures(o.bag_features);
  if (!features.ok()) return features.status();
  std::unique_ptr<BagTask> task;
  if (o.bag_modes_file.empty()) {
    task = std::make_unique<BagTask>();
  } else {
    absl::StatusOr<std::vector<State>> modes =
        LoadBagModesFile(o.bag_modes_file, BagTask::kDefaultLetters,
                         BagTask::kDefaultMaxSize);
    if (!modes.ok()) return modes.status();
    task = std::make_unique<BagTask>(BagTask::kDefaultLetters,
                                     BagTask::kDefaultMaxSize,
                                     BagTask::kDefaultThreshold, *modes);
  }
  task->set_features(*features);
  return std::unique_ptr<Task>(std::move(task));
}

absl::StatusOr<std::unique_ptr<Task>> MakeMolecule(const TaskOptions& o) {
  if (o.molecule_data_dir.empty()) {
    return absl::InvalidArgumentError(
        "molecule: --molecule_data_dir is required (the directory holding "
        "blocks_PDB_105.json)");
  }
  absl::StatusOr<MoleculeEnergy> energy = ParseMoleculeEnergy(o.molecule_energy);
  if (!energy.ok()) return energy.status();
  absl::StatusOr<FragmentVocabulary> vocabulary = LoadFragmentVocabulary(
      absl::StrCat(o.molecule_data_dir, "/blocks_PDB_105.json"));
  if (!vocabulary.ok()) return vocabulary.status();
  absl::StatusOr<std::unique_ptr<MoleculeTask>> task = MoleculeTask::Create(
      *std::move(vocabulary), /*chemistry=*/nullptr, *energy);
  if (!task.ok()) return task.status();
  return std::unique_ptr<Task>(*std::move(task));
}

}  // namespace

absl::StatusOr<std::unique_ptr<Task>> MakeTask(const TaskOptions& options) {
  if (options.name == "hypergrid") return MakeHypergrid(options);
  if (options.name == "set") {
    absl::StatusOr<std::unique_ptr<SetTask>> task =
        SetTask::FromSizeName(options.set_size);
    if (!task.ok()) return task.status();
    return std::unique_ptr<Task>(*std::move(task));
  }
  if (options.name == "bag") return MakeBag(options);
  if (options.name == "mis") {
    MisFamilyOptions mis;
    mis.family = options.mis_family;
    mis.train_instances = options.mis_train_instances;
    mis.test_instances = options.mis_test_instances;
    mis.edge_list_files = options.mis_edge_list_files;
    absl::StatusOr<std::unique_ptr<MisFamilyTask>> task =
        MisFamilyTask::Create(mis);
    if (!task.ok()) return task.status();
    return std::unique_ptr<Task>(*std::move(task));
  }
  if (options.name == "molecule") return MakeMolecule(options);
  return absl::InvalidArgumentError(
      absl::StrCat("unknown task '", options.name,
                   "' (known: hypergrid, set, bag, mis, molecule)"));
}


}  // namespace ledgfn
