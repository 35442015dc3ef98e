// The sEH proxy's input graph of an RDKit molecule: the original GFlowNet
// featurisation (`mpnn_feat(mol, ifcoord=False, one_hot_atom=True,
// donor_features=False)` followed by `mol2graph`), without torch.
//
// Contract, per atom (row-major, kAtomFeatures = 71 columns, double):
//  * col type_idx: H 0, C 1, N 2, O 3, F 4, any other element 5;
//  * cols 6, 7, 8 stay 0 (atomic-number scalar unused with the one-hot,
//    no acceptor/donor features);
//  * col 9 aromatic; cols 10, 11, 12 hybridisation SP, SP2, SP3;
//  * col 13 the total number of hydrogens (neighbours included);
//  * col 14 + Z - 1 one-hot of the atomic number Z (1 <= Z <= 56, else
//    INVALID_ARGUMENT);
//  * col 70 the stem mask: 1 on the given free stem atoms, or on atom 0
//    when there are none (as the original).
// Edges: every bond u->v in bond order, then every v->u in bond order;
// edge features one-hot SINGLE 0, DOUBLE 1, TRIPLE 2, AROMATIC 3 (other bond
// types are INVALID_ARGUMENT). A molecule without bonds gets the original's
// single self-loop 0->0 with all-zero features.
#ifndef LEDGFN_CHEM_ATOM_FEATURES_H_
#define LEDGFN_CHEM_ATOM_FEATURES_H_

#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"

namespace RDKit {
class ROMol;
}  // namespace RDKit

namespace ledgfn {

inline constexpr int kAtomFeatures = 71;
inline constexpr int kEdgeFeatures = 4;
inline constexpr int kMaxOneHotAtomicNumber = 56;

struct MoleculeGraph {
  int num_atoms = 0;
  std::vector<double> atom_features;  // num_atoms x kAtomFeatures
  std::vector<int> edge_source;       // per directed edge
  std::vector<int> edge_target;
  std::vector<double> edge_features;  // num_edges x kEdgeFeatures
  int num_edges() const { return static_cast<int>(edge_source.size()); }
};

absl::StatusOr<MoleculeGraph> FeaturizeMolecule(
    const RDKit::ROMol& mol, absl::Span<const int> free_stem_atoms);

}  // namespace ledgfn

#endif  // LEDGFN_CHEM_ATOM_FEATURES_H_
