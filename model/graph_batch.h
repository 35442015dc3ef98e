// A batch of graph rows as ONE disjoint union, the input of the graph
// networks (gin.h). A row is a graph whose nodes carry K integer labels each:
// K = 1 for states (the node labels of s), K = 2 for transitions (the labels
// of s and of s' on the same graph, for r_phi). Message passing is by edge
// index (a sparse adjacency matrix over edge_source -> edge_target), never a
// loop over rows.
//
// Contract:
//  * Nodes of row r are numbered consecutively in the union, rows in order;
//    node_row is therefore non-decreasing.
//  * edge_source/edge_target list every undirected edge of every row in both
//    directions, in union numbering, sorted by (target, source) with no
//    duplicates (so they index a coalesced sparse adjacency matrix).
//  * A row without a graph is empty (zero nodes): pooled values are 0 and its
//    per-node outputs are all padding. Padding rows of a trajectory batch use
//    this.
//  * max_nodes is the largest row; per-node outputs are scattered into a
//    dense [num_rows, max_nodes] layout with zeros as padding (ScatterToRows).
#ifndef LEDGFN_MODEL_GRAPH_BATCH_H_
#define LEDGFN_MODEL_GRAPH_BATCH_H_

#include <torch/torch.h>

#include <cstdint>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "tasks/mis/graph.h"

namespace ledgfn {

// Where each node of a disjoint union lies: its row and its position there
// (< max_nodes). What pooling and scattering to rows read; GraphBatch and
// FragmentBatch (fragment_batch.h) both provide one.
struct NodeRows {
  torch::Tensor node_row;       // [N] int64, non-decreasing
  torch::Tensor node_position;  // [N] int64
  int64_t num_rows = 0;
  int64_t max_nodes = 0;
};

struct GraphBatch {
  torch::Tensor node_labels;    // [N, K] int64
  torch::Tensor edge_source;    // [2E] int64
  torch::Tensor edge_target;    // [2E] int64
  // [N + 1] int64: node v's incoming edges are edge_offsets[v] ..
  // edge_offsets[v+1] - 1 (CSR over targets).
  torch::Tensor edge_offsets;
  torch::Tensor node_row;       // [N] int64
  torch::Tensor node_position;  // [N] int64: the node's id in its row's graph
  int64_t num_rows = 0;
  int64_t max_nodes = 0;

  bool defined() const { return node_labels.defined(); }
  NodeRows rows() const {
    return NodeRows{node_row, node_position, num_rows, max_nodes};
  }
  // A copy on `device` (non-blocking from pinned memory); itself on the CPU.
  GraphBatch To(const torch::Device& device) const;
};

// One row: `graph` (nullptr = empty row) and its K label vectors, each of
// graph->num_nodes() values.
struct GraphRow {
  const Graph* graph = nullptr;
  absl::Span<const int32_t> labels;
  absl::Span<const int32_t> next_labels;  // used when label_columns == 2
};

// Builds the union. INVALID_ARGUMENT when label_columns is not 1 or 2 or a
// row's label vectors do not have one entry per node. `pinned` allocates in
// page-locked memory (needs a CUDA LibTorch).
absl::StatusOr<GraphBatch> BuildGraphBatch(absl::Span<const GraphRow> rows,
                                           int label_columns,
                                           bool pinned = false);

// A copy of `t` on `device` that does not block the host: a pageable CPU
// tensor bound for a GPU is pinned first (the copy would otherwise be staged
// synchronously). `t` itself when it is already there or undefined.
torch::Tensor ToDeviceNonBlocking(const torch::Tensor& t,
                                  const torch::Device& device);

// [N, C] per-node values -> [num_rows, max_nodes, C], zero where a row has
// fewer nodes. Differentiable.
torch::Tensor ScatterToRows(const torch::Tensor& node_values,
                            const NodeRows& rows);
// [N, C] -> [num_rows, C]: sum, mean and max over each row's nodes (0 for an
// empty row). Differentiable.
torch::Tensor SumPool(const torch::Tensor& node_values, const NodeRows& rows);
torch::Tensor MeanPool(const torch::Tensor& node_values, const NodeRows& rows);
torch::Tensor MaxPool(const torch::Tensor& node_values, const NodeRows& rows);

inline torch::Tensor ScatterToRows(const torch::Tensor& node_values,
                                   const GraphBatch& batch) {
  return ScatterToRows(node_values, batch.rows());
}
inline torch::Tensor SumPool(const torch::Tensor& node_values,
                             const GraphBatch& batch) {
  return SumPool(node_values, batch.rows());
}
inline torch::Tensor MeanPool(const torch::Tensor& node_values,
                              const GraphBatch& batch) {
  return MeanPool(node_values, batch.rows());
}
inline torch::Tensor MaxPool(const torch::Tensor& node_values,
                             const GraphBatch& batch) {
  return MaxPool(node_values, batch.rows());
}

}  // namespace ledgfn

#endif  // LEDGFN_MODEL_GRAPH_BATCH_H_
