// The docking target: a receptor (PDBQT) and the search box around its
// pocket, read from a Vina configuration file (`key = value` lines, as
// `vina --config` reads them; keys other than center_* and size_* are
// ignored, so the Debian test data's conf.txt can be given as it is).
// A receptor given gzipped (the Debian test data ships protein.pdbqt.gz) is
// decompressed into the caller's work directory once.
#ifndef LEDGFN_ORACLE_VINA_BOX_H_
#define LEDGFN_ORACLE_VINA_BOX_H_

#include <array>
#include <string>

#include "absl/status/statusor.h"

namespace ledgfn {

// Where Debian's autodock-vina package puts its test receptor and box.
inline constexpr char kDebianVinaTestData[] =
    "/usr/share/doc/autodock-vina/test-data";

struct VinaBox {
  std::array<double, 3> center = {0, 0, 0};  // Angstrom
  std::array<double, 3> size = {0, 0, 0};    // Angstrom, each > 0
};

// The box in `config_path`. INVALID_ARGUMENT naming the file and line for a
// missing center_*/size_* key, a value that is not a number, or a size <= 0;
// NOT_FOUND if the file cannot be read.
absl::StatusOr<VinaBox> ReadVinaBox(const std::string& config_path);

// A plain PDBQT path for `receptor_path`: the path itself, or for a *.gz
// file its decompressed copy in `work_dir`. NOT_FOUND / INVALID_ARGUMENT
// naming the file when it cannot be read or holds no ATOM/HETATM record.
absl::StatusOr<std::string> PrepareReceptor(const std::string& receptor_path,
                                            const std::string& work_dir);

}  // namespace ledgfn

#endif  // LEDGFN_ORACLE_VINA_BOX_H_
