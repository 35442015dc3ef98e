// A graph isomorphism network (Xu et al. 2019, "GIN-0": sum aggregation,
// epsilon = 0) over integer node labels, shared by the graph policy and the
// graph potential network r_phi.
//
//   h_v^0 = concat_k Embedding(label_k(v))               [K * hidden]
//   h_v^l = MLP_l( h_v^{l-1} + sum_{u in N(v)} h_u^{l-1} ) for l = 1..layers
//   MLP_l = Linear -> ReLU -> Linear -> LayerNorm -> ReLU [hidden]
//
// The normalisation keeps activations bounded on dense graphs (sum
// aggregation over ~30 neighbours grows them ~30x per layer otherwise). It
// is LayerNorm, per node, rather than the BatchNorm of the GIN paper: batch
// statistics would make a graph's outputs depend on the rest of the batch,
// so sampling (a few states) and training (many) would see different
// networks, and batching would not equal running graphs one by one.
//
// One embedding table serves every label column (K = 1 for states, 2 for the
// pair (s, s') of r_phi). Aggregation is index_add over the union's edges, so
// a disjoint union of graphs gives exactly the embeddings of each graph alone.
#ifndef LEDGFN_MODEL_GIN_H_
#define LEDGFN_MODEL_GIN_H_

#include <torch/torch.h>

#include "model/graph_batch.h"

namespace ledgfn {

struct GinOptions {
  int64_t num_labels = 3;
  int64_t label_columns = 1;
  int64_t hidden = 256;
  int64_t layers = 5;  // >= 1
};

class GinImpl : public torch::nn::Module {
 public:
  explicit GinImpl(const GinOptions& options);
  // -> [N, hidden] node embeddings of the last layer.
  torch::Tensor forward(const GraphBatch& batch);

 private:
  GinOptions options_;
  torch::nn::Embedding embedding_{nullptr};
  torch::nn::ModuleList mlps_;
};
TORCH_MODULE(Gin);

}  // namespace ledgfn

#endif  // LEDGFN_MODEL_GIN_H_
