// What the policy and potential networks read for a set of rows (states, or
// transitions for r_phi), whatever the kind of task:
//  * vector tasks: dense features [shape..., F] (transitions: [shape..., 2F],
//    the features of s then of s'); with `neighbours` (state-pair policies,
//    policy_net.h) also the features of each state's forward neighbours,
//    [shape..., A, F] (the child Step(s, a) for a valid non-stop action a,
//    s itself for the stop action, zeros for an invalid action) and
//    backward neighbours, [shape..., B, F] (the parent StepBack(s, b) for a
//    valid b, zeros otherwise; the tasks must have backward_dynamics());
//  * graph tasks (Task::graph_states() != nullptr): a GraphBatch with one
//    row per element of `shape`, row-major; the networks return outputs of
//    leading shape `shape` (per-node outputs padded to [shape...,
//    max_nodes]);
//  * fragment-tree tasks (Task::fragment_tree_layout() != nullptr): a
//    FragmentBatch with one row per element of `shape`, row-major; the
//    networks return outputs of the vector mode's shapes (the fragment
//    task's dense actions). Not a graph input: is_graph() is false.
#ifndef LEDGFN_MODEL_NETWORK_INPUT_H_
#define LEDGFN_MODEL_NETWORK_INPUT_H_

#include <torch/torch.h>

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "model/fragment_batch.h"
#include "model/graph_batch.h"
#include "tasks/task.h"

namespace ledgfn {

struct NetworkInput {
  torch::Tensor features;  // vector tasks
  GraphBatch graph;        // graph tasks
  std::vector<int64_t> shape;
  FragmentBatch fragments;  // fragment-tree tasks
  torch::Tensor forward_neighbours;   // vector tasks, with neighbours
  torch::Tensor backward_neighbours;  // vector tasks, with neighbours

  bool is_graph() const { return graph.defined(); }
  bool is_fragment() const { return fragments.defined(); }
  NetworkInput To(const torch::Device& device) const;
};

// One row: the (instance) task and state, plus the next state for
// transitions. A row with task == nullptr is padding: zero features, or an
// empty graph.
struct NetworkRow {
  const Task* task = nullptr;
  const State* state = nullptr;
  const State* next = nullptr;
};

// Builds the input of rows whose tasks are all of `kind`'s kind (graph,
// fragment tree with the same layout, or vector with the same feature
// size). `transitions` asks for (state, next) pairs, `neighbours` for the
// neighbours' features of states (vector tasks, not with transitions);
// `shape` must multiply to rows.size(). INVALID_ARGUMENT on a mismatch.
absl::StatusOr<NetworkInput> BuildNetworkInput(
    const Task& kind, absl::Span<const NetworkRow> rows,
    std::vector<int64_t> shape, bool transitions, bool pinned = false,
    bool neighbours = false);

}  // namespace ledgfn

#endif  // LEDGFN_MODEL_NETWORK_INPUT_H_
