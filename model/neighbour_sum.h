// GIN's aggregation h_v + sum_{u in N(v)} h_u over a GraphBatch's disjoint
// union, differentiable.
//
// On the CPU a fused loop over the union's edges in CSR order (rows =
// targets, GraphBatch::edge_offsets) does it without materialising one
// message per edge; LibTorch's generic paths do not (index_select +
// index_add allocates [2E, hidden], a sparse COO product calls one BLAS axpy
// per edge), and on the dense RB graphs this aggregation dominates a
// learner step. The adjacency is symmetric, so the backward pass is the same
// aggregation of the incoming gradient. On other devices it is a sparse
// matrix product.
#ifndef LEDGFN_MODEL_NEIGHBOUR_SUM_H_
#define LEDGFN_MODEL_NEIGHBOUR_SUM_H_

#include <torch/torch.h>

#include "model/graph_batch.h"

namespace ledgfn {

// h: [N, C] floating point, on the batch's device -> [N, C].
torch::Tensor NeighbourSum(const torch::Tensor& h, const GraphBatch& batch);

}  // namespace ledgfn

#endif  // LEDGFN_MODEL_NEIGHBOUR_SUM_H_
