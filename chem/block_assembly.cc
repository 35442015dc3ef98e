#include "chem/block_assembly.h"

#include <algorithm>
#include <exception>
#include <utility>

#include <GraphMol/ChemTransforms/ChemTransforms.h>
#include <GraphMol/MolOps.h>
#include <GraphMol/ROMol.h>
#include <GraphMol/RWMol.h>
#include <GraphMol/SmilesParse/SmilesParse.h>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace ledgfn {

absl::StatusOr<std::unique_ptr<BlockAssembler>> BlockAssembler::Create(
    FragmentVocabulary vocabulary) {
  std::vector<std::unique_ptr<RDKit::ROMol>> fragments;
  for (int i = 0; i < vocabulary.size(); ++i) {
    const Fragment& fragment = vocabulary.fragments[i];
    std::unique_ptr<RDKit::ROMol> mol;
    try {
      mol.reset(RDKit::SmilesToMol(fragment.smiles));
    } catch (const std::exception& e) {
      return absl::InvalidArgumentError(absl::StrCat(
          "fragment ", i, " (", fragment.smiles, "): ", e.what()));
    }
    if (mol == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat(
          "fragment ", i, ": RDKit cannot parse the SMILES ", fragment.smiles));
    }
    for (int stem : fragment.stem_atoms) {
      if (stem >= static_cast<int>(mol->getNumAtoms())) {
        return absl::InvalidArgumentError(absl::StrCat(
            "fragment ", i, " (", fragment.smiles, ") has ",
            mol->getNumAtoms(), " atoms but a stem at atom ", stem));
      }
    }
    fragments.push_back(std::move(mol));
  }
  return std::unique_ptr<BlockAssembler>(
      new BlockAssembler(std::move(vocabulary), std::move(fragments)));
}

BlockAssembler::BlockAssembler(
    FragmentVocabulary vocabulary,
    std::vector<std::unique_ptr<RDKit::ROMol>> fragments)
    : vocabulary_(std::move(vocabulary)), fragments_(std::move(fragments)) {}

BlockAssembler::~BlockAssembler() = default;

absl::Status BlockAssembler::Validate(const BlockGraph& molecule) const {
  const int num_blocks = static_cast<int>(molecule.blockidxs.size());
  if (num_blocks == 0) {
    return absl::InvalidArgumentError("a molecule needs at least one block");
  }
  for (int block : molecule.blockidxs) {
    if (block < 0 || block >= vocabulary_.size()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "block index ", block, " outside the vocabulary of ",
          vocabulary_.size(), " fragments"));
    }
  }
  for (const std::array<int, 4>& bond : molecule.jbonds) {
    for (int side = 0; side < 2; ++side) {
      const int block = bond[side];
      const int atom = bond[2 + side];
      if (block < 0 || block >= num_blocks) {
        return absl::InvalidArgumentError(absl::StrCat(
            "junction bond names block ", block, " of a molecule with ",
            num_blocks, " blocks"));
      }
      const int num_atoms = static_cast<int>(
          fragments_[molecule.blockidxs[block]]->getNumAtoms());
      if (atom < 0 || atom >= num_atoms) {
        return absl::InvalidArgumentError(absl::StrCat(
            "junction bond names atom ", atom, " of block ", block, " (",
            vocabulary_.fragments[molecule.blockidxs[block]].smiles,
            ", ", num_atoms, " atoms)"));
      }
    }
  }
  return absl::OkStatus();
}

std::vector<int> BlockAssembler::BlockStarts(const BlockGraph& molecule) const {
  std::vector<int> starts;
  int next = 0;
  for (int block : molecule.blockidxs) {
    starts.push_back(next);
    next += static_cast<int>(fragments_[block]->getNumAtoms());
  }
  return starts;
}

absl::StatusOr<std::unique_ptr<RDKit::RWMol>> BlockAssembler::Assemble(
    const BlockGraph& molecule) const {
  if (absl::Status valid = Validate(molecule); !valid.ok()) return valid;
  const std::vector<int> starts = BlockStarts(molecule);
  try {
    auto mol = std::make_unique<RDKit::RWMol>(*fragments_[molecule.blockidxs[0]]);
    for (size_t i = 1; i < molecule.blockidxs.size(); ++i) {
      std::unique_ptr<RDKit::ROMol> combined(
          RDKit::combineMols(*mol, *fragments_[molecule.blockidxs[i]]));
      mol = std::make_unique<RDKit::RWMol>(*combined);
    }
    std::vector<std::pair<int, int>> junctions;
    for (const std::array<int, 4>& bond : molecule.jbonds) {
      junctions.emplace_back(starts[bond[0]] + bond[2], starts[bond[1]] + bond[3]);
      mol->addBond(static_cast<unsigned>(junctions.back().first),
                   static_cast<unsigned>(junctions.back().second),
                   RDKit::Bond::SINGLE);
    }
    for (const auto& [a, b] : junctions) {
      for (int atom_index : {a, b}) {
        RDKit::Atom* atom = mol->getAtomWithIdx(atom_index);
        const unsigned explicit_hs = atom->getNumExplicitHs();
        if (explicit_hs > 0) atom->setNumExplicitHs(explicit_hs - 1);
      }
    }
    RDKit::MolOps::sanitizeMol(*mol);
    return mol;
  } catch (const std::exception& e) {
    return absl::FailedPreconditionError(
        absl::StrCat("RDKit cannot build the molecule: ", e.what()));
  }
}

absl::StatusOr<std::vector<int>> BlockAssembler::FreeStemAtoms(
    const BlockGraph& molecule) const {
  if (absl::Status valid = Validate(molecule); !valid.ok()) return valid;
  const std::vector<int> starts = BlockStarts(molecule);
  std::vector<std::vector<int>> free(molecule.blockidxs.size());
  for (size_t i = 0; i < molecule.blockidxs.size(); ++i) {
    free[i] = vocabulary_.fragments[molecule.blockidxs[i]].stem_atoms;
  }
  for (const std::array<int, 4>& bond : molecule.jbonds) {
    for (int side = 0; side < 2; ++side) {
      std::vector<int>& stems = free[bond[side]];
      const auto used = std::find(stems.begin(), stems.end(), bond[2 + side]);
      if (used != stems.end()) stems.erase(used);
    }
  }
  std::vector<int> atoms;
  for (size_t i = 0; i < free.size(); ++i) {
    for (int stem : free[i]) atoms.push_back(starts[i] + stem);
  }
  return atoms;
}

}  // namespace ledgfn
