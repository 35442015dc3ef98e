// `ledgfn dock`'s work, behind a function the program calls with its flags'
// values: read the molecules of `input_path` (chem/molecule_input.h: the
// reference JSON's block molecules, or SMILES one per line), dock each with
// `oracle` (in parallel, its workers) and write one JSON line per molecule
// to `out`, in input order:
//   {"index": i, "smiles": canonical SMILES, "affinity": kcal/mol,
//    "energy": E, "cached": bool}
// or, for a molecule that got the penalty energy,
//   {"index": i, "smiles": s, "energy": penalty, "reason": DockingFailureName,
//    "error": message}
// Contract: every input gets exactly one line; returns how many got an
// error line. An error status (nothing written) when the data or the input
// file cannot be read, or when built without RDKit.
#ifndef LEDGFN_ORACLE_DOCK_COMMAND_H_
#define LEDGFN_ORACLE_DOCK_COMMAND_H_

#include <cstdint>
#include <ostream>
#include <string>

#include "absl/status/statusor.h"
#include "oracle/docking_oracle.h"

namespace ledgfn {

struct DockCounts {
  int64_t docked = 0;
  int64_t failed = 0;
};

absl::StatusOr<DockCounts> DockMoleculeFile(const std::string& data_dir,
                                            const std::string& input_path,
                                            DockingOracle& oracle,
                                            std::ostream& out);

}  // namespace ledgfn

#endif  // LEDGFN_ORACLE_DOCK_COMMAND_H_
