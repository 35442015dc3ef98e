// The molecule task (DESIGN §3, `molecule`): the block MDP of the original
// GFlowNet molecule environment (Bengio et al. 2021), LED-GFN's sEH
// benchmark. A molecule is a tree of at most kMaxBlocks fragments of a
// FragmentVocabulary (fragment_vocabulary.h), joined at their stems.
//
// Contract (V = vocabulary size, S = vocabulary max_stems(), n = number of
// blocks of a state):
//  * State: kMaxBlocks slots of three int32 each, slot p at 3p..3p+2:
//    [block index, parent slot, parent stem j], all -1 when the slot is
//    empty. Slots fill in the order blocks are added (the k-th added block
//    is slot k), so slots 0..n-1 are full. Slot 0 is the root (parent and
//    stem -1). s_0 is all -1.
//    The layout is tasks/molecule/fragment_tree.h's (fragment_tree_layout()), whose
//    reader decides the free stems, and the networks use the fragment-tree
//    mode (policy_net.h).
//  * Stems: slot p's fragment has stems j = 0..len(stem_atoms)-1. The root
//    owns all of them; a non-root block attached through its stem 0, so it
//    owns only j >= 1. Stem (p, j) is free iff slot p owns it and no block
//    has parent p and stem j.
//  * Forward actions: [0, V): place fragment b as the root (valid iff
//    n == 0); V + (p*S + j)*V + b: attach fragment b at stem (p, j), as
//    slot n with parent p and stem j (valid iff 1 <= n < kMaxBlocks and
//    (p, j) is free); the last index is the stop (valid iff
//    n >= kMinBlocksToStop). So the stop is forced (the only valid action)
//    at n == kMaxBlocks or when no stem is free. A 1-block state always has
//    a free stem (Create rejects fragments without stems), so every
//    reachable non-s_0 state has a valid action; masks of unreachable
//    states are whatever these rules give.
//  * Backward actions (kMaxBlocks*S + 1): p*S + j removes the leaf block
//    attached at stem (p, j); the last index removes the root. Valid: the
//    index of every non-root block without children, and the root's iff it
//    has at most one child. These are exactly the blocks whose removal
//    leaves a connected molecule, the parents of the original
//    environment's `parents()`, so uniform P_B is 1/(number of such
//    blocks). The MDP is the original's, on molecules: a state is one
//    ordering of a molecule's blocks, and a parent obtained by removing a
//    block other than the last added one is (as a molecule) the state the
//    remaining blocks give in any order; the task never materialises it.
//    BackwardAction(place b) = the root index; BackwardAction(attach at
//    (p, j)) = p*S + j, valid in the child.
//  * max_trajectory_length = kMaxBlocks + 1, Level = n, IsTerminal is
//    always false (objects end with the stop), not exactly enumerable.
//  * ToBlockGraph: blockidxs in slot order; one jbond per non-root slot q,
//    in slot order: {parent(q), q, stem_atoms(parent)[j], stem_atoms(q)[0]}.
//  * Features, per slot (kMaxBlocks * (V + 1 + 2S + kMaxBlocks) floats):
//    one-hot of block + 1 (V + 1 floats, index 0 = empty), the free-stem
//    flags (S), the one-hot parent slot (kMaxBlocks, zero for the root and
//    empty slots) and the one-hot parent stem (S, likewise).
//  * Energies through the optional chemistry given to Create:
//    E(x) = -10 log(max(kMinScore, score) / 8) (EnergyOfScore), and
//    PartialEnergy is the same formula on any state (s_0, the empty
//    molecule, scores kMinScore by the chemistry contract). Energies and
//    PartialEnergies score the whole span in one Scores call. Without
//    chemistry (the replay service), or when Scores fails, energies are NaN.
//  * IsMode(x): score >= kModeScore, decided as EnergyOfScore(score) <=
//    EnergyOfScore(kModeScore); both sides come from the same computation,
//    so a score of exactly kModeScore is a mode, without a tolerance. Always
//    false without chemistry. IsMode scores x again (one Scores call);
//    IsModeOfEnergy decides from the given energy without scoring.
//  * Object metrics (object_metrics.h): ScoreOfEnergy inverts
//    EnergyOfScore: 8 exp(-E/10), the clipped score (kMinScore for any score
//    at or below it). MeanPairwiseSimilarity is the chemistry's
//    MeanPairwiseTanimoto of the molecules (FAILED_PRECONDITION without
//    chemistry).
//  * With MoleculeEnergy::kDocking the energies come from the docking oracle
//    (oracle/docking_oracle.h), not the task: Energies are NaN, a mode has
//    E <= kDockingModeEnergy (IsMode is then always false: it needs the
//    oracle) and ScoreOfEnergy is -E.
//  * ToString and ObjectKey: the canonical SMILES when the chemistry gives
//    a non-empty one, otherwise the block description
//    "blocks <b0>,<b1>,... bonds <a>-<b>:<atom a>-<atom b>,..." ("-" for an
//    empty list); the two cannot collide (SMILES have no spaces).
//
// No torch and no RDKit here: the replay service validates molecule
// trajectories with this alone.
#ifndef LEDGFN_TASKS_MOLECULE_MOLECULE_TASK_H_
#define LEDGFN_TASKS_MOLECULE_MOLECULE_TASK_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "tasks/molecule/fragment_tree.h"
#include "tasks/molecule/fragment_vocabulary.h"
#include "tasks/molecule/molecule_chemistry.h"
#include "tasks/object_metrics.h"
#include "tasks/task.h"

namespace ledgfn {

// Where a molecule's energy comes from.
enum class MoleculeEnergy {
  // The sEH proxy through the chemistry: E = -10 log(max(0.1, score) / 8).
  kSehProxy,
  // Docking (oracle/docking_oracle.h): E = clipped affinity / temperature,
  // computed outside the task by the docking oracle; the task's own
  // Energies are NaN, its score is -E and a mode has E <= kDockingModeEnergy.
  kDocking,
};
// "seh" or "docking"; INVALID_ARGUMENT naming both otherwise.
absl::StatusOr<MoleculeEnergy> ParseMoleculeEnergy(absl::string_view name);

class MoleculeTask : public Task, public ObjectMetrics {
 public:
  static constexpr int kMaxBlocks = 8;
  static constexpr int kMinBlocksToStop = 2;
  static constexpr int kSlotSize = 3;
  // Limits that keep the action and feature spaces sane; the real
  // vocabulary has 105 fragments of at most 6 stems.
  static constexpr int kMaxVocabularySize = 4096;
  static constexpr int kMaxStems = 16;
  static constexpr double kModeScore = 7.5;
  // Docking: a mode binds at -10 kcal/mol or better (at temperature 1).
  static constexpr double kDockingModeEnergy = -10.0;

  // INVALID_ARGUMENT for an empty vocabulary, one of more than
  // kMaxVocabularySize fragments, a fragment without stems or with more
  // than kMaxStems. `chemistry` may be null (energies are then NaN).
  static absl::StatusOr<std::unique_ptr<MoleculeTask>> Create(
      FragmentVocabulary vocabulary,
      std::shared_ptr<const MoleculeChemistry> chemistry,
      MoleculeEnergy energy = MoleculeEnergy::kSehProxy);

  // -10 log(max(kMinScore, score) / 8).
  static double EnergyOfScore(double score);

  std::string name() const override { return "molecule"; }
  int state_size() const override { return kSlotSize * kMaxBlocks; }
  int feature_size() const override { return kMaxBlocks * slot_features_; }
  int num_forward_actions() const override;
  int num_backward_actions() const override { return root_removal() + 1; }
  bool has_stop_action() const override { return true; }
  int max_trajectory_length() const override { return kMaxBlocks + 1; }
  State InitialState() const override;
  void ForwardMask(const State& s, uint8_t* mask) const override;
  void BackwardMask(const State& s, uint8_t* mask) const override;
  void Step(State& s, int action) const override;
  int BackwardAction(int action) const override;
  bool IsTerminal(const State& s) const override { return false; }
  int Level(const State& s) const override;
  void Features(const State& s, float* out) const override;
  double Energy(const State& x) const override;
  double PartialEnergy(const State& s) const override;
  std::vector<double> Energies(absl::Span<const State> xs) const override;
  std::vector<double> PartialEnergies(
      absl::Span<const State> states) const override;
  bool IsMode(const State& x) const override;
  bool IsModeOfEnergy(const State& x, double energy) const override;
  bool exactly_enumerable() const override { return false; }
  std::string ToString(const State& x) const override;
  std::string ObjectKey(const State& x) const override { return ToString(x); }
  TaskDefaults defaults() const override;
  const FragmentTreeLayout* fragment_tree_layout() const override {
    return &layout_;
  }
  const ObjectMetrics* object_metrics() const override { return this; }
  double ScoreOfEnergy(double energy) const override;
  absl::StatusOr<double> MeanPairwiseSimilarity(
      absl::Span<const State> xs) const override;

  const FragmentVocabulary& vocabulary() const { return vocabulary_; }
  const MoleculeChemistry* chemistry() const { return chemistry_.get(); }
  MoleculeEnergy energy_source() const { return energy_; }
  // S: the stems per slot in the action and feature layouts.
  int max_stems() const { return max_stems_; }
  // The backward action that removes the root.
  int root_removal() const { return kMaxBlocks * max_stems_; }
  BlockGraph ToBlockGraph(const State& s) const;
  // OK iff `s` is a state the task can reach: state_size() values, filled
  // slots first, each block in the vocabulary and attached (in slot order)
  // at a free stem of an earlier slot, every empty slot all -1. Rebuilds `s`
  // from s_0 with the forward mask, so states from outside (an Oracle
  // request) never reach ToBlockGraph unchecked. INVALID_ARGUMENT naming
  // the first bad slot otherwise.
  absl::Status CheckState(const State& s) const;

 private:
  MoleculeTask(FragmentVocabulary vocabulary,
               std::shared_ptr<const MoleculeChemistry> chemistry,
               int max_stems, MoleculeEnergy energy);

  // Bit j of result[p] is set iff stem (p, j) is free (ReadFragmentTree).
  std::vector<uint32_t> FreeStems(const State& s) const;

  const FragmentVocabulary vocabulary_;
  const std::shared_ptr<const MoleculeChemistry> chemistry_;
  const int max_stems_;
  const MoleculeEnergy energy_;
  const int slot_features_;
  FragmentTreeLayout layout_;  // set once by the constructor
};

}  // namespace ledgfn

#endif  // LEDGFN_TASKS_MOLECULE_MOLECULE_TASK_H_
