#include "chem/proxy_batch.h"

#include <vector>

namespace ledgfn {
namespace {

torch::Tensor DoubleTensor(std::vector<double> values, int64_t columns) {
  const int64_t rows = static_cast<int64_t>(values.size()) / columns;
  return torch::from_blob(values.data(), {rows, columns}, torch::kFloat64).clone();
}

torch::Tensor LongTensor(std::vector<int64_t> values) {
  return torch::from_blob(values.data(), {static_cast<int64_t>(values.size())},
                          torch::kInt64)
      .clone();
}

}  // namespace

ProxyBatch MakeProxyBatch(absl::Span<const MoleculeGraph> graphs) {
  std::vector<double> atoms, edges;
  std::vector<int64_t> source, target, molecule;
  int64_t offset = 0;
  for (size_t k = 0; k < graphs.size(); ++k) {
    const MoleculeGraph& graph = graphs[k];
    atoms.insert(atoms.end(), graph.atom_features.begin(),
                 graph.atom_features.end());
    edges.insert(edges.end(), graph.edge_features.begin(),
                 graph.edge_features.end());
    for (int e = 0; e < graph.num_edges(); ++e) {
      source.push_back(offset + graph.edge_source[e]);
      target.push_back(offset + graph.edge_target[e]);
    }
    molecule.insert(molecule.end(), graph.num_atoms, static_cast<int64_t>(k));
    offset += graph.num_atoms;
  }
  ProxyBatch batch;
  batch.atom_features = DoubleTensor(std::move(atoms), kAtomFeatures);
  batch.edge_features = DoubleTensor(std::move(edges), kEdgeFeatures);
  batch.edge_source = LongTensor(std::move(source));
  batch.edge_target = LongTensor(std::move(target));
  batch.molecule_of_atom = LongTensor(std::move(molecule));
  batch.num_molecules = static_cast<int64_t>(graphs.size());
  return batch;
}

}  // namespace ledgfn
