// The block MDP of the molecule task; chemistry (scores, SMILES) comes
// through the MoleculeChemistry interface.
#include "tasks/molecule/molecule_task.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "tasks/molecule/fragment_tree.h"

namespace ledgfn {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

int32_t Block(const State& s, int p) {
  return s[MoleculeTask::kSlotSize * p];
}
int32_t ParentSlot(const State& s, int p) {
  return s[MoleculeTask::kSlotSize * p + 1];
}
int32_t ParentStem(const State& s, int p) {
  return s[MoleculeTask::kSlotSize * p + 2];
}

// Number of children of each slot.
std::vector<int> ChildCounts(const State& s, int n) {
  std::vector<int> children(MoleculeTask::kMaxBlocks, 0);
  for (int q = 1; q < n; ++q) ++children[ParentSlot(s, q)];
  return children;
}

std::string JoinOrDash(const std::vector<std::string>& parts) {
  return parts.empty() ? "-" : absl::StrJoin(parts, ",");
}

}  // namespace

absl::StatusOr<MoleculeEnergy> ParseMoleculeEnergy(absl::string_view name) {
  if (name == "seh") return MoleculeEnergy::kSehProxy;
  if (name == "docking") return MoleculeEnergy::kDocking;
  return absl::InvalidArgumentError(absl::StrCat(
      "molecule energy '", name, "': use seh (the sEH proxy) or docking "
      "(AutoDock Vina, oracle/docking_oracle.h)"));
}

absl::StatusOr<std::unique_ptr<MoleculeTask>> MoleculeTask::Create(
    FragmentVocabulary vocabulary,
    std::shared_ptr<const MoleculeChemistry> chemistry, MoleculeEnergy energy) {
  if (vocabulary.size() == 0 || vocabulary.size() > kMaxVocabularySize) {
    return absl::InvalidArgumentError(
        absl::StrCat("molecule: the vocabulary has ", vocabulary.size(),
                     " fragments, outside [1, ", kMaxVocabularySize, "]"));
  }
  for (int b = 0; b < vocabulary.size(); ++b) {
    const size_t stems = vocabulary.fragments[b].stem_atoms.size();
    if (stems == 0 || stems > static_cast<size_t>(kMaxStems)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "molecule: fragment ", b, " (", vocabulary.fragments[b].name,
          ") has ", stems, " stems, outside [1, ", kMaxStems, "]"));
    }
  }
  const int max_stems = vocabulary.max_stems();
  return std::unique_ptr<MoleculeTask>(new MoleculeTask(
      std::move(vocabulary), std::move(chemistry), max_stems, energy));
}

MoleculeTask::MoleculeTask(FragmentVocabulary vocabulary,
                           std::shared_ptr<const MoleculeChemistry> chemistry,
                           int max_stems, MoleculeEnergy energy)
    : vocabulary_(std::move(vocabulary)),
      chemistry_(std::move(chemistry)),
      max_stems_(max_stems),
      energy_(energy),
      slot_features_(vocabulary_.size() + 1 + 2 * max_stems_ + kMaxBlocks) {
  layout_.max_blocks = kMaxBlocks;
  layout_.max_stems = max_stems_;
  layout_.vocabulary_size = vocabulary_.size();
  for (const Fragment& f : vocabulary_.fragments) {
    layout_.stems_per_fragment.push_back(static_cast<int>(f.stem_atoms.size()));
  }
}

double MoleculeTask::EnergyOfScore(double score) {
  return -10.0 * std::log(std::max(MoleculeChemistry::kMinScore, score) / 8.0);
}

int MoleculeTask::num_forward_actions() const {
  const int v = vocabulary_.size();
  return v + kMaxBlocks * max_stems_ * v + 1;
}

State MoleculeTask::InitialState() const { return State(state_size(), -1); }

int MoleculeTask::Level(const State& s) const {
  int n = 0;
  while (n < kMaxBlocks && Block(s, n) >= 0) ++n;
  return n;
}

std::vector<uint32_t> MoleculeTask::FreeStems(const State& s) const {
  std::vector<uint32_t> free(kMaxBlocks, 0);
  // States reach the task through Step from legal actions, so they read
  // fine; a state that does not has no free stem.
  absl::StatusOr<FragmentTree> tree = ReadFragmentTree(layout_, s);
  if (!tree.ok()) return free;
  for (int p = 0; p < tree->num_blocks; ++p) {
    for (int j = 0; j < max_stems_; ++j) {
      if (tree->free_stems[p][j]) free[p] |= uint32_t{1} << j;
    }
  }
  return free;
}

void MoleculeTask::ForwardMask(const State& s, uint8_t* mask) const {
  const int v = vocabulary_.size();
  std::fill(mask, mask + num_forward_actions(), 0);
  const int n = Level(s);
  mask[stop_action()] = n >= kMinBlocksToStop;
  if (n == 0) {
    std::fill(mask, mask + v, 1);
    return;
  }
  if (n == kMaxBlocks) return;
  const std::vector<uint32_t> free = FreeStems(s);
  for (int p = 0; p < n; ++p) {
    for (int j = 0; j < max_stems_; ++j) {
      if ((free[p] >> j & 1) == 0) continue;
      uint8_t* stem_actions = mask + v + (p * max_stems_ + j) * v;
      std::fill(stem_actions, stem_actions + v, 1);
    }
  }
}

void MoleculeTask::BackwardMask(const State& s, uint8_t* mask) const {
  std::fill(mask, mask + num_backward_actions(), 0);
  const int n = Level(s);
  if (n == 0) return;
  const std::vector<int> children = ChildCounts(s, n);
  for (int q = 1; q < n; ++q) {
    if (children[q] == 0) {
      mask[ParentSlot(s, q) * max_stems_ + ParentStem(s, q)] = 1;
    }
  }
  mask[root_removal()] = children[0] <= 1;
}

void MoleculeTask::Step(State& s, int action) const {
  const int v = vocabulary_.size();
  if (action < v) {
    s[0] = action;
    return;
  }
  const int stem_index = (action - v) / v;
  const int n = Level(s);
  s[kSlotSize * n] = (action - v) % v;
  s[kSlotSize * n + 1] = stem_index / max_stems_;
  s[kSlotSize * n + 2] = stem_index % max_stems_;
}

int MoleculeTask::BackwardAction(int action) const {
  const int v = vocabulary_.size();
  return action < v ? root_removal() : (action - v) / v;
}

void MoleculeTask::Features(const State& s, float* out) const {
  std::fill(out, out + feature_size(), 0.0f);
  const int v = vocabulary_.size();
  const int n = Level(s);
  const std::vector<uint32_t> free = FreeStems(s);
  for (int p = 0; p < kMaxBlocks; ++p) {
    float* slot = out + p * slot_features_;
    slot[Block(s, p) + 1] = 1.0f;
    if (p >= n) continue;
    float* stems = slot + v + 1;
    for (int j = 0; j < max_stems_; ++j) stems[j] = free[p] >> j & 1;
    if (p == 0) continue;
    slot[v + 1 + max_stems_ + ParentSlot(s, p)] = 1.0f;
    slot[v + 1 + max_stems_ + kMaxBlocks + ParentStem(s, p)] = 1.0f;
  }
}

BlockGraph MoleculeTask::ToBlockGraph(const State& s) const {
  const int n = Level(s);
  BlockGraph graph;
  for (int p = 0; p < n; ++p) graph.blockidxs.push_back(Block(s, p));
  for (int q = 1; q < n; ++q) {
    const int parent = ParentSlot(s, q);
    graph.jbonds.push_back(
        {parent, q,
         vocabulary_.fragments[Block(s, parent)].stem_atoms[ParentStem(s, q)],
         vocabulary_.fragments[Block(s, q)].stem_atoms[0]});
  }
  return graph;
}

absl::Status MoleculeTask::CheckState(const State& s) const {
  if (static_cast<int>(s.size()) != state_size()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "a molecule state has ", state_size(), " values, not ", s.size()));
  }
  const int n = Level(s);
  const int v = vocabulary_.size();
  State rebuilt = InitialState();
  std::vector<uint8_t> mask(num_forward_actions());
  for (int q = 0; q < n; ++q) {
    const int b = Block(s, q);
    if (b >= v) {
      return absl::InvalidArgumentError(absl::StrCat(
          "slot ", q, " holds block ", b, ", outside the vocabulary of ", v));
    }
    const int p = ParentSlot(s, q);
    const int j = ParentStem(s, q);
    const bool root = q == 0;
    if (root ? (p != -1 || j != -1)
             : (p < 0 || p >= q || j < 0 || j >= max_stems_)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "slot ", q, " attaches at (slot ", p, ", stem ", j, "), which is ",
          root ? "not -1 for the root" : "no stem of an earlier slot"));
    }
    const int action = root ? b : v + (p * max_stems_ + j) * v + b;
    ForwardMask(rebuilt, mask.data());
    if (!mask[action]) {
      return absl::InvalidArgumentError(absl::StrCat(
          "slot ", q, ": block ", b, " cannot attach at stem ", j, " of slot ",
          p, " (the stem is taken or the block has no such stem)"));
    }
    Step(rebuilt, action);
  }
  if (rebuilt != s) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the slots after the last block (slot ", n - 1, ") must be all -1"));
  }
  return absl::OkStatus();
}

std::vector<double> MoleculeTask::Energies(absl::Span<const State> xs) const {
  std::vector<double> energies(xs.size(), kNaN);
  // Docking energies come from the docking oracle, never from the task.
  if (chemistry_ == nullptr || xs.empty() || energy_ == MoleculeEnergy::kDocking) {
    return energies;
  }
  std::vector<BlockGraph> molecules;
  molecules.reserve(xs.size());
  for (const State& x : xs) molecules.push_back(ToBlockGraph(x));
  absl::StatusOr<std::vector<double>> scores = chemistry_->Scores(molecules);
  if (!scores.ok() || scores->size() != xs.size()) return energies;
  for (size_t i = 0; i < xs.size(); ++i) {
    energies[i] = EnergyOfScore((*scores)[i]);
  }
  return energies;
}

// Partial states are molecules too: the same score, the same formula.
std::vector<double> MoleculeTask::PartialEnergies(
    absl::Span<const State> states) const {
  return Energies(states);
}

double MoleculeTask::Energy(const State& x) const {
  return Energies(absl::MakeConstSpan(&x, 1))[0];
}

double MoleculeTask::PartialEnergy(const State& s) const { return Energy(s); }

bool MoleculeTask::IsModeOfEnergy(const State& x, double energy) const {
  (void)x;
  return energy <= (energy_ == MoleculeEnergy::kDocking  // false for NaN
                        ? kDockingModeEnergy
                        : EnergyOfScore(kModeScore));
}

double MoleculeTask::ScoreOfEnergy(double energy) const {
  // Docking: the affinity's magnitude (kcal/mol at temperature 1), so that
  // a higher score is a better molecule either way.
  return energy_ == MoleculeEnergy::kDocking ? -energy
                                             : 8.0 * std::exp(-energy / 10.0);
}

absl::StatusOr<double> MoleculeTask::MeanPairwiseSimilarity(
    absl::Span<const State> xs) const {
  if (chemistry_ == nullptr) {
    return absl::FailedPreconditionError(
        "molecule: similarity needs the chemistry (the sEH data directory)");
  }
  std::vector<BlockGraph> molecules;
  molecules.reserve(xs.size());
  for (const State& x : xs) molecules.push_back(ToBlockGraph(x));
  return chemistry_->MeanPairwiseTanimoto(molecules);
}

bool MoleculeTask::IsMode(const State& x) const {
  // NaN (no chemistry, a failed score, docking) compares false.
  return IsModeOfEnergy(x, Energy(x));
}

std::string MoleculeTask::ToString(const State& x) const {
  const BlockGraph graph = ToBlockGraph(x);
  if (chemistry_ != nullptr) {
    absl::StatusOr<std::string> smiles = chemistry_->CanonicalSmiles(graph);
    if (smiles.ok() && !smiles->empty()) return *std::move(smiles);
  }
  std::vector<std::string> blocks;
  for (int b : graph.blockidxs) blocks.push_back(absl::StrCat(b));
  std::vector<std::string> bonds;
  for (const auto& bond : graph.jbonds) {
    bonds.push_back(
        absl::StrCat(bond[0], "-", bond[1], ":", bond[2], "-", bond[3]));
  }
  return absl::StrCat("blocks ", JoinOrDash(blocks), " bonds ",
                      JoinOrDash(bonds));
}

TaskDefaults MoleculeTask::defaults() const {
  // Our choice, near the original GFlowNet molecule runs: batch 32, width
  // 256, 2 layers, policy lr 5e-4, log Z lr 5e-2, potential lr 1e-3,
  // SubTB lambda 0.9, no exploration epsilon.
  TaskDefaults d;
  d.batch_size = 32;
  d.hidden = 256;
  d.layers = 2;
  d.policy_lr = 5e-4;
  d.log_z_lr = 5e-2;
  d.potential_lr = 1e-3;
  d.subtb_lambda = 0.9;
  // The largest |E| is at the score floor: 10 log(8 / 0.1) = 43.8.
  d.max_abs_energy = EnergyBoundFor(EnergyOfScore(0.0));
  return d;
}

}  // namespace ledgfn
