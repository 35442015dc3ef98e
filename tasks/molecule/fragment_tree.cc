#include "tasks/molecule/fragment_tree.h"

#include "absl/status/status.h"
#include "absl/strings/str_format.h"

namespace ledgfn {
namespace {

absl::Status ValidateLayout(const FragmentTreeLayout& layout) {
  if (layout.max_blocks < 1 || layout.max_stems < 1 ||
      layout.vocabulary_size < 1 ||
      static_cast<int>(layout.stems_per_fragment.size()) !=
          layout.vocabulary_size) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "fragment layout: %d blocks, %d stems, %d fragments, %d stem counts",
        layout.max_blocks, layout.max_stems, layout.vocabulary_size,
        layout.stems_per_fragment.size()));
  }
  for (int stems : layout.stems_per_fragment) {
    if (stems < 1 || stems > layout.max_stems) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "fragment layout: a fragment with %d stems (1..%d)", stems,
          layout.max_stems));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<FragmentTree> ReadFragmentTree(const FragmentTreeLayout& layout,
                                              const State& s) {
  if (absl::Status status = ValidateLayout(layout); !status.ok()) {
    return status;
  }
  const int B = layout.max_blocks;
  const int S = layout.max_stems;
  if (static_cast<int>(s.size()) != layout.state_size()) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "fragment state of %d values, the layout's have %d", s.size(),
        layout.state_size()));
  }
  FragmentTree tree;
  tree.block.assign(B, -1);
  tree.parent.assign(B, -1);
  tree.parent_stem.assign(B, -1);
  tree.free_stems.assign(B, std::vector<uint8_t>(S, 0));
  for (int p = 0; p < B; ++p) {
    const int block = s[3 * p], parent = s[3 * p + 1], stem = s[3 * p + 2];
    if (block == -1) {
      if (parent != -1 || stem != -1) {
        return absl::InvalidArgumentError(
            absl::StrFormat("fragment slot %d: empty but has a parent", p));
      }
      continue;
    }
    if (block < 0 || block >= layout.vocabulary_size) {
      return absl::InvalidArgumentError(
          absl::StrFormat("fragment slot %d: block %d out of range", p, block));
    }
    if (p != tree.num_blocks) {
      return absl::InvalidArgumentError(
          absl::StrFormat("fragment slot %d: filled after an empty slot", p));
    }
    if (p == 0 ? (parent != -1 || stem != -1)
               : (parent < 0 || parent >= p || stem < 0 || stem >= S ||
                  tree.free_stems[parent][stem] == 0)) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "fragment slot %d: parent %d stem %d is not a free stem of an "
          "earlier slot",
          p, parent, stem));
    }
    if (p > 0) tree.free_stems[parent][stem] = 0;
    tree.block[p] = block;
    tree.parent[p] = parent;
    tree.parent_stem[p] = stem;
    // A non-root block's stem 0 is its bond to its parent.
    for (int j = p == 0 ? 0 : 1; j < layout.stems_per_fragment[block]; ++j) {
      tree.free_stems[p][j] = 1;
    }
    ++tree.num_blocks;
  }
  return tree;
}

}  // namespace ledgfn
