// The state layout of fragment-tree tasks (the molecule task): a tree of at
// most B = max_blocks fragments ("blocks") from a vocabulary of V fragments,
// each with up to S = max_stems attachment points ("stems"). This header is
// the one reader of that layout: the task's dynamics and the fragment
// networks (model/fragment_batch.h) both read states through
// ReadFragmentTree.
//
// Contract (state = 3 * B int32 values):
//  * Slot p holds [block, parent slot, parent stem] at 3p, 3p + 1, 3p + 2.
//    An empty slot is [-1, -1, -1]. Slots fill in order: slots 0..n-1 hold
//    the n blocks, the rest are empty; s_0 has no block.
//  * Slot 0 is the root: parent -1, parent stem -1. Slot p > 0 attached its
//    own stem 0 to stem `parent stem` of an earlier slot `parent`.
//  * The stems of slot p are j = 0..stems_per_fragment[block] - 1. The root
//    owns all of them; a non-root block owns j >= 1 (stem 0 is its bond to
//    its parent). Stem (p, j) is free iff p owns it and no slot is attached
//    to it.
//  * Forward actions: [0, V) place fragment b as the root (s_0 only);
//    V + (p * S + j) * V + b attaches fragment b to stem (p, j); the last,
//    V + B * S * V, is stop. Backward actions: p * S + j removes the leaf
//    attached at stem (p, j); B * S removes the root (a single-block tree).
//
// No torch here: the replay service links this.
#ifndef LEDGFN_TASKS_MOLECULE_FRAGMENT_TREE_H_
#define LEDGFN_TASKS_MOLECULE_FRAGMENT_TREE_H_

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "tasks/task.h"

namespace ledgfn {

struct FragmentTreeLayout {
  int max_blocks = 0;       // B
  int max_stems = 0;        // S
  int vocabulary_size = 0;  // V
  // Number of stems of each fragment, in 1..S; vocabulary_size entries.
  std::vector<int> stems_per_fragment;

  int state_size() const { return 3 * max_blocks; }
  int num_forward_actions() const {
    return vocabulary_size + max_blocks * max_stems * vocabulary_size + 1;
  }
  int num_backward_actions() const { return max_blocks * max_stems + 1; }

  bool operator==(const FragmentTreeLayout& other) const {
    return max_blocks == other.max_blocks && max_stems == other.max_stems &&
           vocabulary_size == other.vocabulary_size &&
           stems_per_fragment == other.stems_per_fragment;
  }
  bool operator!=(const FragmentTreeLayout& other) const {
    return !(*this == other);
  }
};

// A state read slot by slot; every vector has max_blocks entries.
struct FragmentTree {
  std::vector<int> block;        // fragment index, -1 for an empty slot
  std::vector<int> parent;       // parent slot, -1 for the root and empty
  std::vector<int> parent_stem;  // stem of the parent, -1 likewise
  // [max_blocks][max_stems]: 1 where stem (p, j) is free (always 0 for an
  // empty slot and for j beyond the fragment's stems).
  std::vector<std::vector<uint8_t>> free_stems;
  int num_blocks = 0;  // filled slots, 0..max_blocks
};

// Reads `s`. INVALID_ARGUMENT when it breaks the contract above: a size
// other than 3 * B, a block outside [-1, V), a filled slot after an empty
// one, a root with a parent, a non-root whose parent is not an earlier slot
// or whose stem is not one its parent owns, two blocks on one stem, or a
// layout whose stems_per_fragment does not have V entries in 1..S.
absl::StatusOr<FragmentTree> ReadFragmentTree(const FragmentTreeLayout& layout,
                                              const State& s);

}  // namespace ledgfn

#endif  // LEDGFN_TASKS_MOLECULE_FRAGMENT_TREE_H_
