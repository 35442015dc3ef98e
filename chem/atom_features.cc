#include "chem/atom_features.h"

#include <exception>

#include <GraphMol/Atom.h>
#include <GraphMol/Bond.h>
#include <GraphMol/ROMol.h>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace ledgfn {
namespace {

constexpr int kOtherElement = 5;
constexpr int kAromaticColumn = 9;
constexpr int kSpColumn = 10;
constexpr int kSp2Column = 11;
constexpr int kSp3Column = 12;
constexpr int kNumHsColumn = 13;
constexpr int kOneHotStart = 14;
constexpr int kStemColumn = kOneHotStart + kMaxOneHotAtomicNumber;
static_assert(kStemColumn + 1 == kAtomFeatures);

int TypeIndex(int atomic_number) {
  switch (atomic_number) {
    case 1: return 0;  // H
    case 6: return 1;  // C
    case 7: return 2;  // N
    case 8: return 3;  // O
    case 9: return 4;  // F
    default: return kOtherElement;
  }
}

absl::StatusOr<int> BondClass(RDKit::Bond::BondType type) {
  switch (type) {
    case RDKit::Bond::SINGLE: return 0;
    case RDKit::Bond::DOUBLE: return 1;
    case RDKit::Bond::TRIPLE: return 2;
    case RDKit::Bond::AROMATIC: return 3;
    default:
      return absl::InvalidArgumentError(absl::StrCat(
          "bond type ", static_cast<int>(type), " has no proxy feature"));
  }
}

absl::Status FeaturizeAtoms(const RDKit::ROMol& mol, MoleculeGraph& graph) {
  for (const RDKit::Atom* atom : mol.atoms()) {
    double* row = &graph.atom_features[atom->getIdx() * kAtomFeatures];
    const int z = atom->getAtomicNum();
    if (z < 1 || z > kMaxOneHotAtomicNumber) {
      return absl::InvalidArgumentError(absl::StrCat(
          "atom ", atom->getIdx(), " has atomic number ", z,
          ", outside the proxy's one-hot 1..", kMaxOneHotAtomicNumber));
    }
    row[TypeIndex(z)] = 1;
    row[kOneHotStart + z - 1] = 1;
    row[kAromaticColumn] = atom->getIsAromatic() ? 1 : 0;
    const RDKit::Atom::HybridizationType hybridization = atom->getHybridization();
    row[kSpColumn] = hybridization == RDKit::Atom::SP ? 1 : 0;
    row[kSp2Column] = hybridization == RDKit::Atom::SP2 ? 1 : 0;
    row[kSp3Column] = hybridization == RDKit::Atom::SP3 ? 1 : 0;
    row[kNumHsColumn] = atom->getTotalNumHs(/*includeNeighbors=*/true);
  }
  return absl::OkStatus();
}

absl::Status FeaturizeBonds(const RDKit::ROMol& mol, MoleculeGraph& graph) {
  const int num_bonds = static_cast<int>(mol.getNumBonds());
  if (num_bonds == 0) {
    graph.edge_source = {0};
    graph.edge_target = {0};
    graph.edge_features.assign(kEdgeFeatures, 0.0);
    return absl::OkStatus();
  }
  graph.edge_source.resize(2 * num_bonds);
  graph.edge_target.resize(2 * num_bonds);
  graph.edge_features.assign(2 * num_bonds * kEdgeFeatures, 0.0);
  for (const RDKit::Bond* bond : mol.bonds()) {
    absl::StatusOr<int> type = BondClass(bond->getBondType());
    if (!type.ok()) return type.status();
    const int forward = static_cast<int>(bond->getIdx());
    const int backward = forward + num_bonds;
    const int u = static_cast<int>(bond->getBeginAtomIdx());
    const int v = static_cast<int>(bond->getEndAtomIdx());
    graph.edge_source[forward] = u;
    graph.edge_target[forward] = v;
    graph.edge_source[backward] = v;
    graph.edge_target[backward] = u;
    graph.edge_features[forward * kEdgeFeatures + *type] = 1;
    graph.edge_features[backward * kEdgeFeatures + *type] = 1;
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<MoleculeGraph> FeaturizeMolecule(
    const RDKit::ROMol& mol, absl::Span<const int> free_stem_atoms) {
  MoleculeGraph graph;
  graph.num_atoms = static_cast<int>(mol.getNumAtoms());
  if (graph.num_atoms == 0) {
    return absl::InvalidArgumentError("a molecule without atoms");
  }
  graph.atom_features.assign(graph.num_atoms * kAtomFeatures, 0.0);
  try {
    if (absl::Status atoms = FeaturizeAtoms(mol, graph); !atoms.ok()) {
      return atoms;
    }
    if (absl::Status bonds = FeaturizeBonds(mol, graph); !bonds.ok()) {
      return bonds;
    }
  } catch (const std::exception& e) {
    return absl::InvalidArgumentError(
        absl::StrCat("RDKit cannot featurise the molecule: ", e.what()));
  }
  for (int atom : free_stem_atoms) {
    if (atom < 0 || atom >= graph.num_atoms) {
      return absl::InvalidArgumentError(absl::StrCat(
          "stem atom ", atom, " outside a molecule of ", graph.num_atoms,
          " atoms"));
    }
    graph.atom_features[atom * kAtomFeatures + kStemColumn] = 1;
  }
  if (free_stem_atoms.empty()) graph.atom_features[kStemColumn] = 1;
  return graph;
}

}  // namespace ledgfn
