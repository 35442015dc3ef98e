#include "model/fragment_batch.h"

#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_format.h"

namespace ledgfn {

FragmentBatch FragmentBatch::To(const torch::Device& device) const {
  if (device.is_cpu()) return *this;
  FragmentBatch out = *this;
  for (torch::Tensor* t : {&out.node_features, &out.edge_source,
                           &out.edge_target, &out.edge_features, &out.node_row,
                           &out.node_slot}) {
    *t = ToDeviceNonBlocking(*t, device);
  }
  return out;
}

int64_t FragmentNodeFeatureSize(const FragmentTreeLayout& layout,
                                bool transitions) {
  return layout.vocabulary_size + 1 + layout.max_stems + (transitions ? 1 : 0);
}

absl::StatusOr<FragmentBatch> BuildFragmentBatch(
    const FragmentTreeLayout& layout, absl::Span<const FragmentRow> rows,
    bool transitions, bool pinned) {
  // The tree each row's nodes come from (s' for transitions) and, for
  // transitions, the tree of s; padding rows keep empty trees (no blocks).
  std::vector<FragmentTree> trees(rows.size()), before(rows.size());
  int64_t num_nodes = 0;
  for (size_t r = 0; r < rows.size(); ++r) {
    const FragmentRow& row = rows[r];
    if (row.state == nullptr) continue;
    if (transitions && row.next == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrFormat("fragment row %d: transition without next state", r));
    }
    auto tree = ReadFragmentTree(layout, transitions ? *row.next : *row.state);
    if (!tree.ok()) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "fragment row %d: %s", r, tree.status().message()));
    }
    if (transitions) {
      auto s = ReadFragmentTree(layout, *row.state);
      if (!s.ok()) {
        return absl::InvalidArgumentError(absl::StrFormat(
            "fragment row %d: %s", r, s.status().message()));
      }
      before[r] = *std::move(s);
    }
    trees[r] = *std::move(tree);
    num_nodes += trees[r].num_blocks;
  }

  const int64_t V = layout.vocabulary_size;
  const int64_t S = layout.max_stems;
  const int64_t F = FragmentNodeFeatureSize(layout, transitions);
  // A tree of n blocks has n - 1 bonds; an empty one none.
  int64_t num_edges = 0;
  for (const FragmentTree& tree : trees) {
    if (tree.num_blocks > 0) num_edges += 2 * (tree.num_blocks - 1);
  }
  const auto f32 =
      torch::TensorOptions().dtype(torch::kFloat).pinned_memory(pinned);
  const auto i64 =
      torch::TensorOptions().dtype(torch::kLong).pinned_memory(pinned);
  FragmentBatch out;
  out.num_rows = static_cast<int64_t>(rows.size());
  out.max_blocks = layout.max_blocks;
  out.node_features = torch::zeros({num_nodes, F}, f32);
  out.edge_source = torch::empty({num_edges}, i64);
  out.edge_target = torch::empty({num_edges}, i64);
  out.edge_features = torch::zeros({num_edges, 2 * S}, f32);
  out.node_row = torch::empty({num_nodes}, i64);
  out.node_slot = torch::empty({num_nodes}, i64);
  float* features = out.node_features.data_ptr<float>();
  int64_t* source = out.edge_source.data_ptr<int64_t>();
  int64_t* target = out.edge_target.data_ptr<int64_t>();
  float* edge_features = out.edge_features.data_ptr<float>();
  int64_t* node_row = out.node_row.data_ptr<int64_t>();
  int64_t* node_slot = out.node_slot.data_ptr<int64_t>();

  int64_t offset = 0;  // union id of the current row's slot 0
  int64_t edge = 0;
  // Directed edge from -> to whose ends are stems from_stem and to_stem.
  const auto add_edge = [&](int64_t from, int64_t to, int64_t from_stem,
                            int64_t to_stem) {
    source[edge] = from;
    target[edge] = to;
    edge_features[edge * 2 * S + from_stem] = 1;
    edge_features[edge * 2 * S + S + to_stem] = 1;
    ++edge;
  };
  for (size_t r = 0; r < rows.size(); ++r) {
    const FragmentTree& tree = trees[r];
    for (int p = 0; p < tree.num_blocks; ++p) {
      const int64_t v = offset + p;
      float* x = features + v * F;
      x[tree.block[p]] = 1;
      x[V] = p == 0 ? 1 : 0;
      for (int64_t j = 0; j < S; ++j) x[V + 1 + j] = tree.free_stems[p][j];
      if (transitions) x[V + 1 + S] = before[r].block[p] < 0 ? 1 : 0;
      node_row[v] = static_cast<int64_t>(r);
      node_slot[v] = p;
      if (p > 0) {
        const int64_t parent = offset + tree.parent[p];
        add_edge(parent, v, tree.parent_stem[p], 0);
        add_edge(v, parent, 0, tree.parent_stem[p]);
      }
    }
    offset += tree.num_blocks;
  }
  return out;
}

}  // namespace ledgfn
