#include "model/graph_batch.h"

#include <algorithm>
#include <limits>

#include "absl/strings/str_format.h"

namespace ledgfn {

torch::Tensor ToDeviceNonBlocking(const torch::Tensor& t,
                                  const torch::Device& device) {
  if (!t.defined() || t.device() == device) return t;
  // From pageable host memory the copy would be staged synchronously.
  const bool pin = device.is_cuda() && t.is_cpu() && !t.is_pinned();
  return (pin ? t.pin_memory() : t).to(device, /*non_blocking=*/true);
}

GraphBatch GraphBatch::To(const torch::Device& device) const {
  if (device.is_cpu()) return *this;
  GraphBatch out = *this;
  for (torch::Tensor* t : {&out.node_labels, &out.edge_source,
                           &out.edge_target, &out.edge_offsets, &out.node_row,
                           &out.node_position}) {
    *t = ToDeviceNonBlocking(*t, device);
  }
  return out;
}

absl::StatusOr<GraphBatch> BuildGraphBatch(absl::Span<const GraphRow> rows,
                                           int label_columns, bool pinned) {
  if (label_columns != 1 && label_columns != 2) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "label_columns must be 1 or 2, not %d", label_columns));
  }
  int64_t num_nodes = 0;
  int64_t num_directed_edges = 0;
  int64_t max_nodes = 0;
  for (size_t r = 0; r < rows.size(); ++r) {
    const GraphRow& row = rows[r];
    if (row.graph == nullptr) continue;
    const int64_t n = row.graph->num_nodes();
    const bool labels_fit =
        static_cast<int64_t>(row.labels.size()) == n &&
        (label_columns == 1 ||
         static_cast<int64_t>(row.next_labels.size()) == n);
    if (!labels_fit) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "graph row %d: %d nodes but %d labels and %d next labels", r, n,
          row.labels.size(), row.next_labels.size()));
    }
    num_nodes += n;
    num_directed_edges += 2 * row.graph->num_edges();
    max_nodes = std::max(max_nodes, n);
  }

  const auto i64 =
      torch::TensorOptions().dtype(torch::kLong).pinned_memory(pinned);
  GraphBatch out;
  out.num_rows = static_cast<int64_t>(rows.size());
  out.max_nodes = max_nodes;
  out.node_labels = torch::empty({num_nodes, label_columns}, i64);
  out.edge_source = torch::empty({num_directed_edges}, i64);
  out.edge_target = torch::empty({num_directed_edges}, i64);
  out.edge_offsets = torch::empty({num_nodes + 1}, i64);
  out.node_row = torch::empty({num_nodes}, i64);
  out.node_position = torch::empty({num_nodes}, i64);
  int64_t* labels = out.node_labels.data_ptr<int64_t>();
  int64_t* source = out.edge_source.data_ptr<int64_t>();
  int64_t* target = out.edge_target.data_ptr<int64_t>();
  int64_t* offsets = out.edge_offsets.data_ptr<int64_t>();
  offsets[0] = 0;
  int64_t* node_row = out.node_row.data_ptr<int64_t>();
  int64_t* node_position = out.node_position.data_ptr<int64_t>();

  int64_t offset = 0;  // union id of the current row's node 0
  int64_t edge = 0;
  for (size_t r = 0; r < rows.size(); ++r) {
    const GraphRow& row = rows[r];
    if (row.graph == nullptr) continue;
    const int64_t n = row.graph->num_nodes();
    for (int64_t v = 0; v < n; ++v) {
      int64_t* node_labels = labels + (offset + v) * label_columns;
      node_labels[0] = row.labels[v];
      if (label_columns == 2) node_labels[1] = row.next_labels[v];
      node_row[offset + v] = static_cast<int64_t>(r);
      node_position[offset + v] = v;
    }
    // Sorted by (target, source): the order of a coalesced sparse
    // adjacency matrix (gin.cc), which graph rows in CSR form give for free.
    for (int64_t v = 0; v < n; ++v) {
      for (int32_t u : row.graph->neighbors(static_cast<int>(v))) {
        target[edge] = offset + v;
        source[edge++] = offset + u;
      }
      offsets[offset + v + 1] = edge;
    }
    offset += n;
  }
  return out;
}

namespace {

// [N, C] -> [num_rows, max_nodes, C], `fill` where a row has fewer nodes.
torch::Tensor PadToRows(const torch::Tensor& node_values,
                        const NodeRows& rows, double fill) {
  const int64_t channels = node_values.size(1);
  torch::Tensor slot = rows.node_row * rows.max_nodes + rows.node_position;
  return torch::full({rows.num_rows * rows.max_nodes, channels}, fill,
                     node_values.options())
      .index_copy(0, slot, node_values)
      .view({rows.num_rows, rows.max_nodes, channels});
}

// [num_rows] node counts, on the device (no bincount: it would synchronise
// to size its output).
torch::Tensor NodeCounts(const torch::Tensor& node_values,
                         const NodeRows& rows) {
  return torch::zeros({rows.num_rows}, node_values.options())
      .index_add(0, rows.node_row,
                 torch::ones({node_values.size(0)}, node_values.options()));
}

}  // namespace

torch::Tensor ScatterToRows(const torch::Tensor& node_values,
                            const NodeRows& rows) {
  return PadToRows(node_values, rows, 0.0);
}

torch::Tensor SumPool(const torch::Tensor& node_values,
                      const NodeRows& rows) {
  return torch::zeros({rows.num_rows, node_values.size(1)},
                      node_values.options())
      .index_add(0, rows.node_row, node_values);
}

torch::Tensor MeanPool(const torch::Tensor& node_values,
                       const NodeRows& rows) {
  return SumPool(node_values, rows) /
         NodeCounts(node_values, rows).clamp_min(1).unsqueeze(1);
}

torch::Tensor MaxPool(const torch::Tensor& node_values,
                      const NodeRows& rows) {
  // Padding with -inf keeps it out of the max; rows without nodes pool to 0.
  // (scatter_reduce would avoid the padding but is a beta API in LibTorch
  // 1.13 that prints a warning on first use.)
  const int64_t channels = node_values.size(1);
  if (rows.max_nodes == 0) {
    return torch::zeros({rows.num_rows, channels}, node_values.options());
  }
  torch::Tensor max = std::get<0>(
      PadToRows(node_values, rows, -std::numeric_limits<double>::infinity())
          .max(1));
  torch::Tensor has_nodes = (NodeCounts(node_values, rows) > 0).unsqueeze(1);
  return torch::where(has_nodes, max, torch::zeros_like(max));
}

}  // namespace ledgfn
