#include "model/network_input.h"

#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_format.h"
#include "tasks/backward_dynamics.h"
#include "tasks/graph_states.h"

namespace ledgfn {
namespace {

enum class InputKind { kVector, kGraph, kFragment };

InputKind KindOf(const Task& task) {
  if (task.graph_states() != nullptr) return InputKind::kGraph;
  if (task.fragment_tree_layout() != nullptr) return InputKind::kFragment;
  return InputKind::kVector;
}

const char* KindName(InputKind kind) {
  switch (kind) {
    case InputKind::kGraph:
      return "graph";
    case InputKind::kFragment:
      return "fragment-tree";
    case InputKind::kVector:
      break;
  }
  return "vector";
}

// Checks that a non-padding row fits `kind` and carries the states asked for,
// and that its task can be stepped back when `neighbours` are asked for.
// (Fragment states are checked as the batch reads them.)
absl::Status ValidateRow(const Task& kind, const NetworkRow& row, size_t index,
                         bool transitions, bool neighbours) {
  const Task& task = *row.task;
  if (KindOf(task) != KindOf(kind)) {
    return absl::InvalidArgumentError(
        absl::StrFormat("row %d: a %s task among %s rows", index,
                        KindName(KindOf(task)), KindName(KindOf(kind))));
  }
  if (row.state == nullptr || (transitions && row.next == nullptr)) {
    return absl::InvalidArgumentError(
        absl::StrFormat("row %d: missing state", index));
  }
  for (const State* s : {row.state, row.next}) {
    if (s != nullptr && static_cast<int>(s->size()) != task.state_size()) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "row %d: state of %d values, the task's have %d", index, s->size(),
          task.state_size()));
    }
  }
  if (KindOf(kind) == InputKind::kFragment) {
    if (*task.fragment_tree_layout() != *kind.fragment_tree_layout()) {
      return absl::InvalidArgumentError(
          absl::StrFormat("row %d: another fragment-tree layout", index));
    }
    return absl::OkStatus();
  }
  if (KindOf(kind) == InputKind::kVector) {
    if (task.feature_size() != kind.feature_size()) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "row %d: feature size %d, expected %d", index, task.feature_size(),
          kind.feature_size()));
    }
    if (neighbours && task.backward_dynamics() == nullptr) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "row %d: neighbour features of a task without backward dynamics",
          index));
    }
    return absl::OkStatus();
  }
  const int labels = task.graph_states()->num_node_labels();
  const int kind_labels = kind.graph_states()->num_node_labels();
  if (labels != kind_labels) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "row %d: %d node labels, expected %d", index, labels, kind_labels));
  }
  // An out-of-range label would index past the embedding table (on a GPU, a
  // device-side assert that kills the context).
  for (const State* s : {row.state, row.next}) {
    if (s == nullptr) continue;
    for (int32_t label : *s) {
      if (label < 0 || label >= kind_labels) {
        return absl::InvalidArgumentError(
            absl::StrFormat("row %d: node label %d out of range", index, label));
      }
    }
  }
  return absl::OkStatus();
}

// Fills out.forward_neighbours and out.backward_neighbours (see the header).
void AddNeighbourFeatures(const Task& kind, absl::Span<const NetworkRow> rows,
                          const std::vector<int64_t>& shape, bool pinned,
                          NetworkInput& out) {
  const int64_t F = kind.feature_size();
  const int64_t A = kind.num_forward_actions();
  const int64_t B = kind.num_backward_actions();
  const int64_t n = static_cast<int64_t>(rows.size());
  auto options = torch::TensorOptions().dtype(torch::kFloat).pinned_memory(pinned);
  out.forward_neighbours = torch::zeros({n, A, F}, options);
  out.backward_neighbours = torch::zeros({n, B, F}, options);
  float* fwd = out.forward_neighbours.data_ptr<float>();
  float* bwd = out.backward_neighbours.data_ptr<float>();
  std::vector<uint8_t> mask(std::max(A, B));
  State neighbour;
  for (int64_t r = 0; r < n; ++r) {
    const NetworkRow& row = rows[r];
    if (row.task == nullptr) continue;
    const Task& task = *row.task;
    // Not null: ValidateRow checked it.
    const BackwardDynamics& back = *task.backward_dynamics();
    task.ForwardMask(*row.state, mask.data());
    for (int64_t a = 0; a < A; ++a) {
      if (!mask[a]) continue;
      neighbour = *row.state;
      if (a != task.stop_action()) task.Step(neighbour, static_cast<int>(a));
      task.Features(neighbour, fwd + (r * A + a) * F);
    }
    task.BackwardMask(*row.state, mask.data());
    for (int64_t b = 0; b < B; ++b) {
      if (!mask[b]) continue;
      neighbour = *row.state;
      back.StepBack(neighbour, static_cast<int>(b));
      task.Features(neighbour, bwd + (r * B + b) * F);
    }
  }
  std::vector<int64_t> fwd_shape = shape, bwd_shape = shape;
  fwd_shape.insert(fwd_shape.end(), {A, F});
  bwd_shape.insert(bwd_shape.end(), {B, F});
  out.forward_neighbours = out.forward_neighbours.view(fwd_shape);
  out.backward_neighbours = out.backward_neighbours.view(bwd_shape);
}

}  // namespace

NetworkInput NetworkInput::To(const torch::Device& device) const {
  if (device.is_cpu()) return *this;
  NetworkInput out = *this;
  out.features = ToDeviceNonBlocking(features, device);
  out.forward_neighbours = ToDeviceNonBlocking(forward_neighbours, device);
  out.backward_neighbours = ToDeviceNonBlocking(backward_neighbours, device);
  out.graph = graph.To(device);
  out.fragments = fragments.To(device);
  return out;
}

absl::StatusOr<NetworkInput> BuildNetworkInput(
    const Task& kind, absl::Span<const NetworkRow> rows,
    std::vector<int64_t> shape, bool transitions, bool pinned,
    bool neighbours) {
  if (neighbours && (transitions || KindOf(kind) != InputKind::kVector ||
                     kind.backward_dynamics() == nullptr)) {
    return absl::InvalidArgumentError(
        "neighbour features need states (not transitions) of a vector task "
        "with backward dynamics");
  }
  int64_t count = 1;
  for (int64_t d : shape) {
    if (d < 0) return absl::InvalidArgumentError("negative dimension in shape");
    count *= d;
  }
  if (count != static_cast<int64_t>(rows.size())) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "shape holds %d rows, %d given", count, rows.size()));
  }
  for (size_t r = 0; r < rows.size(); ++r) {
    if (rows[r].task == nullptr) continue;
    if (absl::Status s = ValidateRow(kind, rows[r], r, transitions, neighbours);
        !s.ok()) {
      return s;
    }
  }

  NetworkInput out;
  if (KindOf(kind) == InputKind::kFragment) {
    std::vector<FragmentRow> fragment_rows(rows.size());
    for (size_t r = 0; r < rows.size(); ++r) {
      if (rows[r].task == nullptr) continue;
      fragment_rows[r] = FragmentRow{rows[r].state, rows[r].next};
    }
    auto fragments = BuildFragmentBatch(*kind.fragment_tree_layout(),
                                        fragment_rows, transitions, pinned);
    if (!fragments.ok()) return fragments.status();
    out.fragments = *std::move(fragments);
  } else if (KindOf(kind) == InputKind::kGraph) {
    std::vector<GraphRow> graph_rows(rows.size());
    for (size_t r = 0; r < rows.size(); ++r) {
      const NetworkRow& row = rows[r];
      if (row.task == nullptr) continue;
      graph_rows[r].graph = &row.task->graph_states()->graph();
      graph_rows[r].labels = *row.state;
      if (transitions) graph_rows[r].next_labels = *row.next;
    }
    auto graph = BuildGraphBatch(graph_rows, transitions ? 2 : 1, pinned);
    if (!graph.ok()) return graph.status();
    out.graph = *std::move(graph);
  } else {
    const int64_t F = kind.feature_size();
    const int64_t width = transitions ? 2 * F : F;
    // Zeros: padding rows keep them.
    out.features = torch::zeros(
        {static_cast<int64_t>(rows.size()), width},
        torch::TensorOptions().dtype(torch::kFloat).pinned_memory(pinned));
    float* features = out.features.data_ptr<float>();
    for (size_t r = 0; r < rows.size(); ++r) {
      const NetworkRow& row = rows[r];
      if (row.task == nullptr) continue;
      float* dst = features + static_cast<int64_t>(r) * width;
      row.task->Features(*row.state, dst);
      if (transitions) row.task->Features(*row.next, dst + F);
    }
    std::vector<int64_t> dense_shape = shape;
    dense_shape.push_back(width);
    out.features = out.features.view(dense_shape);
    if (neighbours) AddNeighbourFeatures(kind, rows, shape, pinned, out);
  }
  out.shape = std::move(shape);
  return out;
}

}  // namespace ledgfn
