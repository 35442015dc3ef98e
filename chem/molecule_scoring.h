// `ledgfn score`: scores molecules (chem/molecule_input.h) with the sEH proxy
// and writes one JSON line per molecule, in input order:
//   {"index": i, "smiles": canonical SMILES, "score": raw proxy score,
//    "energy": E = -10 log(max(0.1, score) / 8), "reference_score": s}
// ("reference_score" only when the input gave one), or, for a molecule that
// cannot be scored (unparsable SMILES, a block index outside the vocabulary,
// a junction atom outside its block, a block graph RDKit cannot sanitise):
//   {"index": i, "error": message}
// Contract: every input gets exactly one line; returns how many got an
// error line. Block molecules are scored in batches (a failing batch is
// retried one by one, so one bad molecule costs only its own line).
#ifndef LEDGFN_CHEM_MOLECULE_SCORING_H_
#define LEDGFN_CHEM_MOLECULE_SCORING_H_

#include <cstdint>
#include <ostream>

#include "absl/types/span.h"
#include "chem/molecule_input.h"
#include "chem/seh_chemistry.h"

namespace ledgfn {

int64_t ScoreMoleculesAsJsonLines(const SehChemistry& chemistry,
                                  absl::Span<const MoleculeInput> molecules,
                                  std::ostream& out);

}  // namespace ledgfn

#endif  // LEDGFN_CHEM_MOLECULE_SCORING_H_
