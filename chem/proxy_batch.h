// The sEH proxy's batched input: molecule graphs (chem/atom_features.h) as
// one disjoint union, in double precision.
//
// Contract: atoms of molecule k follow those of molecule k-1; edge indices
// are shifted by each molecule's first atom; `molecule_of_atom[i]` is the
// molecule of atom i. Evaluation of the proxy is row-independent, so a
// molecule's score does not depend on what else is in its batch.
#ifndef LEDGFN_CHEM_PROXY_BATCH_H_
#define LEDGFN_CHEM_PROXY_BATCH_H_

#include <cstdint>

#include <torch/torch.h>

#include "absl/types/span.h"
#include "chem/atom_features.h"

namespace ledgfn {

struct ProxyBatch {
  torch::Tensor atom_features;     // [N, kAtomFeatures] float64
  torch::Tensor edge_source;       // [E] int64
  torch::Tensor edge_target;       // [E] int64
  torch::Tensor edge_features;     // [E, kEdgeFeatures] float64
  torch::Tensor molecule_of_atom;  // [N] int64
  int64_t num_molecules = 0;
};

ProxyBatch MakeProxyBatch(absl::Span<const MoleculeGraph> graphs);

}  // namespace ledgfn

#endif  // LEDGFN_CHEM_PROXY_BATCH_H_
