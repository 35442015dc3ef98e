// The ligand step without RDKit and OpenBabel (-DLEDGFN_WITH_CHEMISTRY=OFF):
// DockingOracle::Create's probe gets UNIMPLEMENTED and refuses to start.
#include "oracle/ligand_pdbqt.h"

namespace ledgfn {

absl::StatusOr<std::string> LigandPdbqtFromSmiles(const std::string&, int) {
  return absl::UnimplementedError(
      "built without the chemistry (-DLEDGFN_WITH_CHEMISTRY=OFF): no RDKit "
      "or OpenBabel to make ligands for docking");
}

}  // namespace ledgfn
