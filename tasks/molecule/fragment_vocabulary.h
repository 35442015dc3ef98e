// The fragment ("block") vocabulary of the molecule task (DESIGN §3,
// `molecule`), read from the original pipeline's blocks_PDB_105.json, and the
// block-graph description of a molecule the original code uses.
//
// Contract:
//  * The JSON file has three objects keyed by the block index as a decimal
//    string ("0".."V-1"): "block_name", "block_smi" (the fragment's SMILES)
//    and "block_r" (the fragment's stems: atom indices local to the
//    fragment, possibly repeated, non-empty). Every index 0..V-1 must be
//    present in all three; anything else is INVALID_ARGUMENT naming the file
//    and the entry. Stem atoms are only range-checked against the SMILES by
//    the chemistry library (chem/), which parses them.
//  * A molecule is a tree of blocks (the original `BlockMoleculeData`):
//    `blockidxs[i]` is the vocabulary index of block i, and every junction
//    bond `jbonds[k] = {block_a, block_b, atom_in_a, atom_in_b}` joins atom
//    `atom_in_a` of block `block_a` to atom `atom_in_b` of block `block_b`
//    with a single bond (atoms local to each block). When the task builds a
//    molecule, block_b is the block added by that step and atom_in_b is
//    stem 0 of its fragment; the first block keeps all its stems.
//
// No torch and no RDKit here: the replay service validates molecule
// trajectories with this alone.
#ifndef LEDGFN_TASKS_MOLECULE_FRAGMENT_VOCABULARY_H_
#define LEDGFN_TASKS_MOLECULE_FRAGMENT_VOCABULARY_H_

#include <array>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace ledgfn {

struct Fragment {
  std::string name;              // e.g. "c1ccccc1_0"
  std::string smiles;            // e.g. "c1ccccc1"
  std::vector<int> stem_atoms;   // block_r, in file order
};

struct FragmentVocabulary {
  std::vector<Fragment> fragments;  // index = block index
  int size() const { return static_cast<int>(fragments.size()); }
  // The largest number of stems of any fragment.
  int max_stems() const;
};

absl::StatusOr<FragmentVocabulary> LoadFragmentVocabulary(
    const std::string& path);

// A molecule in the original representation.
struct BlockGraph {
  std::vector<int> blockidxs;
  std::vector<std::array<int, 4>> jbonds;
};

}  // namespace ledgfn

#endif  // LEDGFN_TASKS_MOLECULE_FRAGMENT_VOCABULARY_H_
