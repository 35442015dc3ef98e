// The ligand step without RDKit and OpenBabel (-DLEDGFN_WITH_CHEMISTRY=OFF):
// DockingOracle::Create's probe gets UNIMPLEMENTED and refuses to start,
// and `ledgfn dock` says why.
#include "oracle/dock_command.h"
#include "oracle/ligand_pdbqt.h"

namespace ledgfn {
namespace {

absl::Status BuiltWithoutRdkit() {
  return absl::UnimplementedError(
      "built without the chemistry (-DLEDGFN_WITH_CHEMISTRY=OFF): no RDKit "
      "or OpenBabel to make ligands for docking");
}

}  // namespace

absl::StatusOr<std::string> LigandPdbqtFromSmiles(const std::string&, int) {
  return BuiltWithoutRdkit();
}

absl::StatusOr<DockCounts> DockMoleculeFile(const std::string&,
                                            const std::string&, DockingOracle&,
                                            std::ostream&) {
  return BuiltWithoutRdkit();
}

}  // namespace ledgfn
