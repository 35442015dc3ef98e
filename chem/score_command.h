// `ledgfn score`'s work, behind a function the program calls with its flags'
// values: read the molecules of `input_path` (chem/molecule_input.h), score
// them with the sEH proxy of `data_dir` and write one JSON line each to `out`
// (chem/molecule_scoring.h).
//
// Contract: returns how many molecules got an error line; an error status
// (nothing written) when the data or the input file cannot be read, or when
// ledgfn was built without RDKit (-DLEDGFN_WITH_CHEMISTRY=OFF).
#ifndef LEDGFN_CHEM_SCORE_COMMAND_H_
#define LEDGFN_CHEM_SCORE_COMMAND_H_

#include <cstdint>
#include <ostream>
#include <string>

#include "absl/status/statusor.h"

namespace ledgfn {

struct ScoreCounts {
  int64_t scored = 0;
  int64_t failed = 0;
};

absl::StatusOr<ScoreCounts> ScoreMoleculeFile(const std::string& data_dir,
                                              const std::string& input_path,
                                              std::ostream& out);

}  // namespace ledgfn

#endif  // LEDGFN_CHEM_SCORE_COMMAND_H_
