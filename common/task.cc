// Shared Task helpers (trajectory replay, defaults) and the task factory.
#include "common/task.h"

#include <cmath>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/bag_task.h"
#include "common/hypergrid_task.h"
#include "common/mis_task.h"
#include "common/molecule_task.h"
#include "common/set_task.h"

namespace ledgfn {

absl::StatusOr<double> Task::ExactLogZ() const {
  return absl::UnimplementedError(
      absl::StrCat("task '", name(),
                   "' has no closed-form log Z; enumerate its state graph"));
}

absl::StatusOr<std::shared_ptr<const Task>> Task::Instance(
    const InstanceId& id) const {
  if (!id.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("task '", name(), "' has a single instance, but the ",
                     "trajectory names instance ", id.ToString()));
  }
  // Non-owning: the task outlives every caller by contract.
  return std::shared_ptr<const Task>(std::shared_ptr<const Task>(), this);
}

absl::StatusOr<double> Task::BaselineEnergy(const InstanceId& id) const {
  (void)id;
  return absl::UnimplementedError(
      absl::StrCat("task '", name(), "' has no baseline"));
}

std::vector<double> Task::Energies(absl::Span<const State> xs) const {
  std::vector<double> out;
  out.reserve(xs.size());
  for (const State& x : xs) out.push_back(Energy(x));
  return out;
}

std::vector<double> Task::PartialEnergies(
    absl::Span<const State> states) const {
  std::vector<double> out;
  out.reserve(states.size());
  for (const State& s : states) out.push_back(PartialEnergy(s));
  return out;
}

absl::StatusOr<double> Task::MeanPairwiseSimilarity(
    absl::Span<const State> xs) const {
  (void)xs;
  return absl::UnimplementedError(
      absl::StrCat("task '", name(), "' has no similarity measure"));
}

std::string Task::ToString(const State& x) const {
  return absl::StrJoin(x, ",");
}

std::string Task::ObjectKey(const State& x) const {
  return std::string(reinterpret_cast<const char*>(x.data()),
                     x.size() * sizeof(int32_t));
}

absl::StatusOr<std::vector<State>> Task::Replay(
    absl::Span<const int32_t> actions) const {
  // Check the length first: a hostile or corrupt trajectory must not make us
  // allocate one state per bogus action.
  if (actions.empty()) {
    return absl::InvalidArgumentError("empty trajectory");
  }
  if (static_cast<int64_t>(actions.size()) > max_trajectory_length()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "trajectory has ", actions.size(),
        " actions, more than the task's maximum of ", max_trajectory_length()));
  }
  const int num_actions = num_forward_actions();
  const int stop = stop_action();
  const bool has_stop = stop >= 0;
  std::vector<uint8_t> mask(num_actions);
  std::vector<State> states;
  states.reserve(actions.size() + 1);
  states.push_back(InitialState());
  for (size_t t = 0; t < actions.size(); ++t) {
    const State& s = states.back();
    const int32_t a = actions[t];
    // Without a stop action a trajectory ends at the first terminal state;
    // anything after it would describe a different object.
    if (!has_stop && IsTerminal(s)) {
      return absl::InvalidArgumentError(
          absl::StrCat("action ", t, " continues past terminal state s_", t));
    }
    if (a < 0 || a >= num_actions) {
      return absl::InvalidArgumentError(absl::StrCat(
          "action ", t, " is ", a, ", outside [0, ", num_actions, ")"));
    }
    ForwardMask(s, mask.data());
    if (!mask[a]) {
      return absl::InvalidArgumentError(absl::StrCat("action ", t, " (", a,
                                                     ") is masked in state [",
                                                     Task::ToString(s), "]"));
    }
    if (a == stop) {
      if (t + 1 != actions.size()) {
        return absl::InvalidArgumentError(
            absl::StrCat("stop action at step ", t, " is not the last of ",
                         actions.size(), " actions"));
      }
      return states;  // The stop marker is not a state; x = states.back().
    }
    State next = s;
    Step(next, a);
    states.push_back(std::move(next));
  }
  if (has_stop) {
    return absl::InvalidArgumentError(
        "trajectory does not end with the stop action");
  }
  if (!IsTerminal(states.back())) {
    return absl::InvalidArgumentError(
        "trajectory does not end at a terminal object");
  }
  return states;
}

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

absl::StatusOr<std::unique_ptr<Task>> MakeMolecule(const TaskOptions& o) {
  if (o.molecule_data_dir.empty()) {
    return absl::InvalidArgumentError(
        "molecule: --molecule_data_dir is required (the directory holding "
        "blocks_PDB_105.json)");
  }
  absl::StatusOr<FragmentVocabulary> vocabulary = LoadFragmentVocabulary(
      absl::StrCat(o.molecule_data_dir, "/blocks_PDB_105.json"));
  if (!vocabulary.ok()) return vocabulary.status();
  absl::StatusOr<std::unique_ptr<MoleculeTask>> task =
      MoleculeTask::Create(*std::move(vocabulary), /*chemistry=*/nullptr);
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
  if (options.name == "bag") {
    if (options.bag_modes_file.empty()) {
      return std::unique_ptr<Task>(std::make_unique<BagTask>());
    }
    absl::StatusOr<std::vector<State>> modes =
        LoadBagModesFile(options.bag_modes_file, BagTask::kDefaultLetters,
                         BagTask::kDefaultMaxSize);
    if (!modes.ok()) return modes.status();
    return std::unique_ptr<Task>(std::make_unique<BagTask>(
        BagTask::kDefaultLetters, BagTask::kDefaultMaxSize,
        BagTask::kDefaultThreshold, *std::move(modes)));
  }
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
