// What the molecule task needs from chemistry, behind an interface so that
// common/ stays free of RDKit and torch: the sEH proxy and RDKit live in
// chem/ (chem/seh_chemistry.h implements this), and the replay service, which
// only validates trajectories, builds the task without it.
//
// Contract: implementations are thread-safe (actors score concurrently) and
// deterministic. A molecule is a BlockGraph (fragment_vocabulary.h) with at
// least one block; an empty BlockGraph (s_0) or one RDKit cannot sanitise
// gets score kMinScore from Scores and an empty string from CanonicalSmiles
// (the original pipeline gives such molecules the minimum reward).
#ifndef LEDGFN_TASKS_MOLECULE_MOLECULE_CHEMISTRY_H_
#define LEDGFN_TASKS_MOLECULE_MOLECULE_CHEMISTRY_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "tasks/molecule/fragment_vocabulary.h"

namespace ledgfn {

class MoleculeChemistry {
 public:
  // Scores below this are clipped (E = -10 log(max(kMinScore, score) / 8)).
  static constexpr double kMinScore = 0.1;

  virtual ~MoleculeChemistry() = default;
  // Raw proxy scores (unclipped), one per molecule, in order, computed in
  // batches. Errors only for malformed input (a block index outside the
  // vocabulary, a junction atom outside its block).
  virtual absl::StatusOr<std::vector<double>> Scores(
      absl::Span<const BlockGraph> molecules) const = 0;
  // RDKit canonical SMILES of the assembled molecule.
  virtual absl::StatusOr<std::string> CanonicalSmiles(
      const BlockGraph& molecule) const = 0;
  // Mean pairwise Tanimoto similarity of the molecules' RDKit fingerprints
  // (RDKFingerprint with its defaults, as the original GFlowNet evaluation):
  // over all i < j pairs; 0 for fewer than 2 molecules.
  virtual absl::StatusOr<double> MeanPairwiseTanimoto(
      absl::Span<const BlockGraph> molecules) const = 0;
};

}  // namespace ledgfn

#endif  // LEDGFN_TASKS_MOLECULE_MOLECULE_CHEMISTRY_H_
