// Molecules for `ledgfn score --input=FILE`, in either of two formats:
//  * the reference file's JSON (../shared/data/seh/reference_molecules.json):
//    {"molecules": [{"blockidxs": [..], "jbonds": [[a, b, atom_a, atom_b],
//    ..], "score": s, "clipped": c (both optional)}, ..]} — molecules in the block
//    representation (fragment_vocabulary.h), scored with their free stems
//    exactly as the original pipeline;
//  * SMILES, one per line (blank lines and lines starting with '#' are
//    skipped; anything after the SMILES and a space or tab, e.g. a name,
//    is ignored).
// The format is the JSON one iff the first non-blank character is '{'.
//
// Contract: INVALID_ARGUMENT naming the file and, for JSON, the molecule and
// field when the file is not of either format (malformed JSON, a missing
// "molecules" array, a blockidxs or jbonds entry that is not a list of
// integers, a jbond without 4 entries); NOT_FOUND when the file cannot be
// read. Block indices and atoms are checked when the molecule is scored.
#ifndef LEDGFN_CHEM_MOLECULE_INPUT_H_
#define LEDGFN_CHEM_MOLECULE_INPUT_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "tasks/molecule/fragment_vocabulary.h"

namespace ledgfn {

struct MoleculeInput {
  // Exactly one of the two is set.
  std::optional<BlockGraph> blocks;
  std::optional<std::string> smiles;
  // The score the input file gives (JSON "score"), for comparison, and
  // whether it marks that score as clipped (JSON "clipped": the original
  // pipeline stored only max(0.1, score)).
  std::optional<double> reference_score;
  bool reference_clipped = false;
};

absl::StatusOr<std::vector<MoleculeInput>> ReadMoleculeInput(
    const std::string& path);

}  // namespace ledgfn

#endif  // LEDGFN_CHEM_MOLECULE_INPUT_H_
