// A batch of fragment-tree rows (fragment_tree.h) as ONE disjoint union of
// their blocks, the input of the fragment networks (fragment_encoder.h). A
// row is a state s, or a transition (s, s') for r_phi.
//
// Contract (B, S, V of the layout):
//  * The union's nodes are the rows' real blocks only, rows in order and
//    slots in order within a row; node_row is non-decreasing, node_slot is
//    the block's slot p. s_0 and padding rows have zero nodes.
//  * node_features [N, V + 1 + S (+ 1)]: one-hot of the block (V), 1 for
//    the root (slot 0), the free-stem flags of its S stems; transitions add
//    a last column, 1 for the block the transition added (filled in s',
//    empty in s). A transition's nodes, parents and stems are those of s'.
//  * Edges: each parent-child bond in both directions, in union numbering
//    (edge_source -> edge_target), a row's bonds in slot order of the child,
//    parent -> child first. edge_features [2E, 2S]: one-hot of the stem at
//    the source end, then of the stem at the target end; the child's end is
//    its stem 0, the parent's end the stem the child is attached to.
//  * Pooling and scattering to rows use rows(): max_nodes = B and a node's
//    position is its slot, so per-node outputs land at [row, slot].
#ifndef LEDGFN_MODEL_FRAGMENT_BATCH_H_
#define LEDGFN_MODEL_FRAGMENT_BATCH_H_

#include <torch/torch.h>

#include <cstdint>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "tasks/molecule/fragment_tree.h"
#include "model/graph_batch.h"
#include "tasks/task.h"

namespace ledgfn {

struct FragmentBatch {
  torch::Tensor node_features;  // [N, F] float
  torch::Tensor edge_source;    // [2E] int64
  torch::Tensor edge_target;    // [2E] int64
  torch::Tensor edge_features;  // [2E, 2S] float
  torch::Tensor node_row;       // [N] int64
  torch::Tensor node_slot;      // [N] int64
  int64_t num_rows = 0;
  int64_t max_blocks = 0;

  bool defined() const { return node_features.defined(); }
  NodeRows rows() const {
    return NodeRows{node_row, node_slot, num_rows, max_blocks};
  }
  // A copy on `device` (non-blocking from pinned memory); itself on the CPU.
  FragmentBatch To(const torch::Device& device) const;
};

// Node feature width: V + 1 + S, plus 1 for transitions.
int64_t FragmentNodeFeatureSize(const FragmentTreeLayout& layout,
                                bool transitions);

// One row: state == nullptr is padding (no nodes); `next` is read when
// building transitions.
struct FragmentRow {
  const State* state = nullptr;
  const State* next = nullptr;
};

// Builds the union. INVALID_ARGUMENT when a state breaks the layout
// (ReadFragmentTree) or a transition row has no next state.
absl::StatusOr<FragmentBatch> BuildFragmentBatch(
    const FragmentTreeLayout& layout, absl::Span<const FragmentRow> rows,
    bool transitions, bool pinned = false);

}  // namespace ledgfn

#endif  // LEDGFN_MODEL_FRAGMENT_BATCH_H_
