// Block graphs (tasks/molecule/fragment_vocabulary.h) to RDKit molecules, exactly as
// the original GFlowNet code (`mol_from_frag`) builds them, and the stem
// atoms a molecule still has free.
//
// Contract:
//  * Assemble: the fragments, parsed once from their SMILES (sanitised),
//    are combined in block order; each junction bond becomes a SINGLE bond
//    between (first atom of block_a + atom_in_a) and (first atom of block_b
//    + atom_in_b); then, for both atoms of every junction bond in order, an
//    atom with explicit hydrogens loses one; then the molecule is
//    sanitised. Errors: INVALID_ARGUMENT for a block index outside the
//    vocabulary or a junction block/atom out of range; FAILED_PRECONDITION
//    when RDKit cannot sanitise the result (the original gives such
//    molecules the minimum reward). An empty BlockGraph is INVALID_ARGUMENT.
//  * FreeStemAtoms: per block, the multiset of its fragment's stems minus
//    one occurrence of its atom for every junction bond endpoint in that
//    block, as global atom indices, in block order then stem order (for
//    molecules built the original way, the original `stem_atmidxs`).
//  * Thread-safe: const methods only read the parsed fragments.
#ifndef LEDGFN_CHEM_BLOCK_ASSEMBLY_H_
#define LEDGFN_CHEM_BLOCK_ASSEMBLY_H_

#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "tasks/molecule/fragment_vocabulary.h"

namespace RDKit {
class ROMol;
class RWMol;
}  // namespace RDKit

namespace ledgfn {

class BlockAssembler {
 public:
  // Parses every fragment's SMILES; INVALID_ARGUMENT naming the fragment if
  // one does not parse or has a stem atom outside it.
  static absl::StatusOr<std::unique_ptr<BlockAssembler>> Create(
      FragmentVocabulary vocabulary);
  ~BlockAssembler();

  absl::StatusOr<std::unique_ptr<RDKit::RWMol>> Assemble(
      const BlockGraph& molecule) const;
  absl::StatusOr<std::vector<int>> FreeStemAtoms(
      const BlockGraph& molecule) const;

  const FragmentVocabulary& vocabulary() const { return vocabulary_; }

 private:
  BlockAssembler(FragmentVocabulary vocabulary,
                 std::vector<std::unique_ptr<RDKit::ROMol>> fragments);
  // INVALID_ARGUMENT unless every block and junction atom is in range.
  absl::Status Validate(const BlockGraph& molecule) const;
  // The global index of each block's first atom.
  std::vector<int> BlockStarts(const BlockGraph& molecule) const;

  FragmentVocabulary vocabulary_;
  std::vector<std::unique_ptr<RDKit::ROMol>> fragments_;
};

}  // namespace ledgfn

#endif  // LEDGFN_CHEM_BLOCK_ASSEMBLY_H_
