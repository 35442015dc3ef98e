// A ligand for docking from a SMILES string: RDKit parses it, adds
// hydrogens, embeds one 3D conformer (ETKDGv3 with a fixed random seed, so
// the same molecule always gets the same conformer) and cleans it up with the
// MMFF94 force field (UFF where MMFF lacks parameters); OpenBabel then writes
// the PDBQT that Vina reads (Gasteiger charges, non-polar hydrogens merged,
// rotatable bonds as torsion tree).
//
// Errors, each naming the molecule: INVALID_ARGUMENT for SMILES RDKit cannot
// parse or sanitise (the empty string included); FAILED_PRECONDITION when no
// conformer can be embedded; INTERNAL when OpenBabel cannot write PDBQT.
// Thread-safe (the OpenBabel step is serialised: it is fast, and its plugin
// registry is not).
#ifndef LEDGFN_ORACLE_LIGAND_PDBQT_H_
#define LEDGFN_ORACLE_LIGAND_PDBQT_H_

#include <string>

#include "absl/status/statusor.h"

namespace ledgfn {

absl::StatusOr<std::string> LigandPdbqtFromSmiles(const std::string& smiles,
                                                  int seed);

}  // namespace ledgfn

#endif  // LEDGFN_ORACLE_LIGAND_PDBQT_H_
