#include "chem/score_command.h"

#include "chem/molecule_input.h"
#include "chem/molecule_scoring.h"
#include "chem/seh_chemistry.h"

namespace ledgfn {

absl::StatusOr<ScoreCounts> ScoreMoleculeFile(const std::string& data_dir,
                                              const std::string& input_path,
                                              std::ostream& out) {
  auto chemistry = SehChemistry::Create(data_dir);
  if (!chemistry.ok()) return chemistry.status();
  auto molecules = ReadMoleculeInput(input_path);
  if (!molecules.ok()) return molecules.status();
  ScoreCounts counts;
  counts.failed = ScoreMoleculesAsJsonLines(**chemistry, *molecules, out);
  counts.scored = static_cast<int64_t>(molecules->size()) - counts.failed;
  return counts;
}

}  // namespace ledgfn
