// The fragment-tree task's dense action layout (fragment_tree.h) assembled
// from the fragment-mode policy's two heads, so that its outputs have the
// vector mode's shapes.
//
// Contract (B, S, V of the layout; node n at slot p of row r):
//  * node_out [N, S * V + S]: column j * V + b is the logit of forward
//    action V + (p * S + j) * V + b of row r (attach b at stem (p, j));
//    column S * V + j that of backward action p * S + j (remove the leaf at
//    stem (p, j)).
//  * row_out [num_rows, V + 3]: columns 0..V-1 are forward actions 0..V-1
//    (the first fragment), column V the stop action, column V + 1 backward
//    action B * S (remove the root), column V + 2 log F(s).
//  * Actions of slots without a node get logit 0 (callers mask them).
#ifndef LEDGFN_MODEL_FRAGMENT_ACTIONS_H_
#define LEDGFN_MODEL_FRAGMENT_ACTIONS_H_

#include <torch/torch.h>

#include <cstdint>
#include <vector>

#include "tasks/molecule/fragment_tree.h"
#include "model/fragment_batch.h"
#include "model/policy_net.h"

namespace ledgfn {

// Width of node_out and row_out.
int64_t FragmentNodeOutputSize(const FragmentTreeLayout& layout);
int64_t FragmentRowOutputSize(const FragmentTreeLayout& layout);

// -> forward [shape..., num_forward_actions], backward [shape...,
// num_backward_actions], log-flow [shape...]; `shape` multiplies to
// batch.num_rows. Differentiable.
PolicyOutputs FragmentPolicyOutputs(const torch::Tensor& node_out,
                                    const torch::Tensor& row_out,
                                    const FragmentBatch& batch,
                                    const FragmentTreeLayout& layout,
                                    const std::vector<int64_t>& shape);

}  // namespace ledgfn

#endif  // LEDGFN_MODEL_FRAGMENT_ACTIONS_H_
