// The sEH data the chem tests read (LEDGFN_SEH_DATA_DIR, a CMake cache
// variable) and the original pipeline's reference molecules.
#ifndef LEDGFN_TESTS_CHEM_SEH_TEST_DATA_H_
#define LEDGFN_TESTS_CHEM_SEH_TEST_DATA_H_

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "common/fragment_vocabulary.h"
#include "nlohmann/json.hpp"

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

struct ReferenceMolecule {
  BlockGraph graph;
  double score = 0;
  bool clipped = false;
};

// The molecules of reference_molecules.json; empty if it cannot be read.
inline std::vector<ReferenceMolecule> LoadReferenceMolecules() {
  std::ifstream in(SehDataDir() + "/reference_molecules.json");
  std::stringstream text;
  text << in.rdbuf();
  const nlohmann::json root =
      nlohmann::json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
  std::vector<ReferenceMolecule> molecules;
  if (root.is_discarded()) return molecules;
  for (const nlohmann::json& m : root.at("molecules")) {
    ReferenceMolecule molecule;
    molecule.graph.blockidxs = m.at("blockidxs").get<std::vector<int>>();
    for (const nlohmann::json& bond : m.at("jbonds")) {
      molecule.graph.jbonds.push_back(bond.get<std::array<int, 4>>());
    }
    molecule.score = m.at("score").get<double>();
    molecule.clipped = m.at("clipped").get<bool>();
    molecules.push_back(std::move(molecule));
  }
  return molecules;
}

}  // namespace ledgfn

#endif  // LEDGFN_TESTS_CHEM_SEH_TEST_DATA_H_
