// The molecule task's chemistry (tasks/molecule/molecule_chemistry.h) with RDKit and
// the original sEH proxy: molecules are assembled from their blocks
// (chem/block_assembly.h), featurised (chem/atom_features.h) and scored by
// the proxy MPNN (chem/seh_proxy.h) in batches of kScoreBatch molecules.
//
// Contract: as MoleculeChemistry. Create reads blocks_PDB_105.json,
// seh_proxy_params.bin and seh_proxy_params.json from `data_dir`; a missing
// or malformed file is an error naming it. Thread-safe without a lock: the
// assembler and the proxy are only read, and every forward runs under
// torch::NoGradGuard (thread-local). The torch thread count is the caller's.
// Molecules RDKit cannot sanitise score kMinScore and have SMILES "";
// malformed block graphs are INVALID_ARGUMENT.
#ifndef LEDGFN_CHEM_SEH_CHEMISTRY_H_
#define LEDGFN_CHEM_SEH_CHEMISTRY_H_

#include <memory>
#include <string>
#include <vector>

#include "chem/atom_features.h"
#include "chem/block_assembly.h"
#include "chem/seh_proxy.h"
#include "tasks/molecule/molecule_chemistry.h"

namespace ledgfn {

// A molecule given as SMILES, scored.
struct ScoredSmiles {
  std::string canonical_smiles;
  double score = 0;  // raw proxy score (unclipped)
};

class SehChemistry : public MoleculeChemistry {
 public:
  // Molecules per proxy forward. Throughput per core peaks near 16-32 and
  // falls beyond (a batch's activations leave the caches): 1: 335, 16: 504,
  // 32: 494, 64: 473, 256: 387 molecules/s (bench/proxy_throughput).
  static constexpr int kScoreBatch = 32;

  static absl::StatusOr<std::unique_ptr<SehChemistry>> Create(
      const std::string& data_dir);

  absl::StatusOr<std::vector<double>> Scores(
      absl::Span<const BlockGraph> molecules) const override;
  absl::StatusOr<std::string> CanonicalSmiles(
      const BlockGraph& molecule) const override;
  absl::StatusOr<double> MeanPairwiseTanimoto(
      absl::Span<const BlockGraph> molecules) const override;

  // Scores molecules given as SMILES (`ledgfn score`), in batches. They have
  // no block structure, so they are featurised without free stems; a
  // molecule built from blocks may score differently through Scores, whose
  // stem mask marks its free stems. One result per input: the canonical
  // SMILES and score, or INVALID_ARGUMENT for SMILES RDKit cannot parse.
  std::vector<absl::StatusOr<ScoredSmiles>> ScoreSmiles(
      absl::Span<const std::string> smiles) const;

  const FragmentVocabulary& vocabulary() const {
    return assembler_->vocabulary();
  }

 private:
  SehChemistry(std::unique_ptr<BlockAssembler> assembler, SehProxy proxy);
  // Scores of at most kScoreBatch molecules in one forward.
  absl::StatusOr<std::vector<double>> ScoreBatch(
      absl::Span<const BlockGraph> molecules) const;
  // The proxy on featurised molecules, one score each.
  absl::StatusOr<std::vector<double>> Forward(
      absl::Span<const MoleculeGraph> graphs) const;

  std::unique_ptr<BlockAssembler> assembler_;
  SehProxy proxy_;
};

}  // namespace ledgfn

#endif  // LEDGFN_CHEM_SEH_CHEMISTRY_H_
