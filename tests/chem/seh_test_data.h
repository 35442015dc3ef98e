// The sEH data the chem tests read (LEDGFN_SEH_DATA_DIR, a CMake cache
// variable) and the original pipeline's reference molecules.
#ifndef LEDGFN_TESTS_CHEM_SEH_TEST_DATA_H_
#define LEDGFN_TESTS_CHEM_SEH_TEST_DATA_H_

#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "chem/molecule_input.h"

namespace ledgfn {

inline std::string SehDataDir() { return LEDGFN_SEH_DATA_DIR; }

inline bool HaveSehData() {
  return static_cast<bool>(std::ifstream(SehDataDir() + "/blocks_PDB_105.json"));
}

// For GTEST_SKIP() when HaveSehData() is false.
inline std::string MissingSehDataMessage() {
  return "the sEH data directory " + SehDataDir() +
         " is absent; point at another with -DLEDGFN_SEH_DATA_DIR=<dir with "
         "blocks_PDB_105.json, seh_proxy_params.{bin,json}, "
         "reference_molecules.json>";
}

// The molecules of reference_molecules.json, read as `ledgfn score` reads
// them; empty if the file cannot be read.
inline std::vector<MoleculeInput> LoadReferenceMolecules() {
  absl::StatusOr<std::vector<MoleculeInput>> molecules =
      ReadMoleculeInput(SehDataDir() + "/reference_molecules.json");
  return molecules.ok() ? *std::move(molecules) : std::vector<MoleculeInput>();
}

}  // namespace ledgfn

#endif  // LEDGFN_TESTS_CHEM_SEH_TEST_DATA_H_
