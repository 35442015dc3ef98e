#include "common/model/graph_batch.h"

#include <algorithm>

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
                           &out.edge_target, &out.node_row,
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
  out.node_row = torch::empty({num_nodes}, i64);
  out.node_position = torch::empty({num_nodes}, i64);
  int64_t* labels = out.node_labels.data_ptr<int64_t>();
  int64_t* source = out.edge_source.data_ptr<int64_t>();
  int64_t* target = out.edge_target.data_ptr<int64_t>();
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
    for (const auto& [u, v] : row.graph->edges()) {
      source[edge] = offset + u;
      target[edge++] = offset + v;
      source[edge] = offset + v;
      target[edge++] = offset + u;
    }
    offset += n;
  }
  return out;
}

torch::Tensor ScatterToRows(const torch::Tensor& node_values,
                            const GraphBatch& batch) {
  const int64_t channels = node_values.size(1);
  torch::Tensor slot = batch.node_row * batch.max_nodes + batch.node_position;
  return torch::zeros({batch.num_rows * batch.max_nodes, channels},
                      node_values.options())
      .index_copy(0, slot, node_values)
      .view({batch.num_rows, batch.max_nodes, channels});
}

torch::Tensor SumPool(const torch::Tensor& node_values,
                      const GraphBatch& batch) {
  return torch::zeros({batch.num_rows, node_values.size(1)},
                      node_values.options())
      .index_add(0, batch.node_row, node_values);
}

torch::Tensor MeanPool(const torch::Tensor& node_values,
                       const GraphBatch& batch) {
  // Counted on the device (no bincount: it would synchronise to size its
  // output).
  torch::Tensor counts =
      torch::zeros({batch.num_rows}, node_values.options())
          .index_add(0, batch.node_row,
                     torch::ones({node_values.size(0)}, node_values.options()));
  return SumPool(node_values, batch) / counts.clamp_min(1).unsqueeze(1);
}

torch::Tensor MaxPool(const torch::Tensor& node_values,
                      const GraphBatch& batch) {
  // include_self=false: the zeros only survive in rows without nodes, so an
  // empty row pools to 0 while negative maxima stay negative.
  return torch::zeros({batch.num_rows, node_values.size(1)},
                      node_values.options())
      .scatter_reduce(0, batch.node_row.unsqueeze(1).expand_as(node_values),
                      node_values, "amax", /*include_self=*/false);
}

}  // namespace ledgfn
