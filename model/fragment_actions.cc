#include "model/fragment_actions.h"

#include "model/graph_batch.h"

namespace ledgfn {

int64_t FragmentNodeOutputSize(const FragmentTreeLayout& layout) {
  return static_cast<int64_t>(layout.max_stems) * (layout.vocabulary_size + 1);
}

int64_t FragmentRowOutputSize(const FragmentTreeLayout& layout) {
  return layout.vocabulary_size + 3;
}

PolicyOutputs FragmentPolicyOutputs(const torch::Tensor& node_out,
                                    const torch::Tensor& row_out,
                                    const FragmentBatch& batch,
                                    const FragmentTreeLayout& layout,
                                    const std::vector<int64_t>& shape) {
  const int64_t R = batch.num_rows;
  const int64_t B = layout.max_blocks;
  const int64_t S = layout.max_stems;
  const int64_t V = layout.vocabulary_size;
  // [R, B, S * V + S], zero at empty slots: slot p's attach logits are
  // columns 0..S*V-1 in (j, b) order, so flattening (p, j, b) row-major gives
  // index (p * S + j) * V + b; likewise (p, j) for the removals.
  torch::Tensor slots = ScatterToRows(node_out, batch.rows());
  torch::Tensor attach = slots.narrow(-1, 0, S * V).reshape({R, B * S * V});
  torch::Tensor remove = slots.narrow(-1, S * V, S).reshape({R, B * S});
  torch::Tensor forward = torch::cat(
      {row_out.narrow(-1, 0, V), attach, row_out.narrow(-1, V, 1)}, -1);
  torch::Tensor backward = torch::cat({remove, row_out.narrow(-1, V + 1, 1)}, -1);
  std::vector<int64_t> forward_shape = shape, backward_shape = shape;
  forward_shape.push_back(layout.num_forward_actions());
  backward_shape.push_back(layout.num_backward_actions());
  return PolicyOutputs{forward.reshape(forward_shape),
                       backward.reshape(backward_shape),
                       row_out.select(-1, V + 2).reshape(shape)};
}

}  // namespace ledgfn
