#include "oracle/dock_command.h"

#include <GraphMol/SmilesParse/SmilesParse.h>
#include <GraphMol/SmilesParse/SmilesWrite.h>

#include <exception>
#include <memory>
#include <nlohmann/json.hpp>
#include <vector>

#include "chem/molecule_input.h"
#include "chem/seh_chemistry.h"

namespace ledgfn {
namespace {

// RDKit's canonical SMILES of `smiles`; the input itself when RDKit cannot
// read it (the docking then reports it as an invalid molecule).
std::string Canonical(const std::string& smiles) {
  try {
    std::unique_ptr<RDKit::RWMol> mol(RDKit::SmilesToMol(smiles));
    if (mol != nullptr) return RDKit::MolToSmiles(*mol);
  } catch (const std::exception&) {
  }
  return smiles;
}

}  // namespace

absl::StatusOr<DockCounts> DockMoleculeFile(const std::string& data_dir,
                                            const std::string& input_path,
                                            DockingOracle& oracle,
                                            std::ostream& out) {
  absl::StatusOr<std::vector<MoleculeInput>> molecules =
      ReadMoleculeInput(input_path);
  if (!molecules.ok()) return molecules.status();
  absl::StatusOr<std::unique_ptr<SehChemistry>> chemistry =
      SehChemistry::Create(data_dir);
  if (!chemistry.ok()) return chemistry.status();
  std::vector<std::string> smiles;
  for (const MoleculeInput& m : *molecules) {
    if (m.smiles) {
      smiles.push_back(Canonical(*m.smiles));
    } else {
      absl::StatusOr<std::string> s = (*chemistry)->CanonicalSmiles(*m.blocks);
      smiles.push_back(s.ok() ? *s : std::string());  // "": invalid molecule
    }
  }
  const std::vector<DockingResult> results = oracle.DockAll(smiles);
  DockCounts counts;
  for (size_t i = 0; i < results.size(); ++i) {
    const DockingResult& r = results[i];
    nlohmann::ordered_json line = {{"index", i}, {"smiles", smiles[i]}};
    if (r.affinity) {
      line["affinity"] = *r.affinity;
      line["energy"] = r.energy;
      line["cached"] = r.cached;
      ++counts.docked;
    } else {
      line["energy"] = r.energy;
      line["reason"] = r.failure ? DockingFailureName(*r.failure) : "cancelled";
      line["error"] = r.message;
      ++counts.failed;
    }
    out << line.dump() << "\n";
  }
  return counts;
}

}  // namespace ledgfn
