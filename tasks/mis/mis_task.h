// Maximum independent set (DESIGN §3, `mis`), the combinatorial task of
// LED-GFN and GFlowNet-CombOpt: each trajectory builds an independent set on
// its own graph instance.
//
// Contract of MisTask (one graph G with n nodes; a graph task, see
// graph_states.h):
//  * State: one label per node, kExcluded = 0, kSelected = 1,
//    kUndecided = 2; s_0 has every node undecided. A state is determined by
//    its selected set S: excluded = neighbours of S, undecided = the rest.
//  * Forward action v in 0..n-1 selects undecided node v and turns its
//    undecided neighbours into excluded ones (valid iff v is undecided). No
//    stop action: a state is terminal when no node is undecided, so every
//    object is a maximal independent set I = S.
//  * Backward action v unselects selected node v (valid iff v is selected);
//    the parent is the state of S \ {v}. Uniform P_B is 1/|S|. Level = |S|.
//  * Energy E(x) = -|I| (the reward exponent beta is applied by the learner,
//    R = exp(-beta E)); PartialEnergy(s) = -|S|. No modes.
//  * Features: one-hot labels, 3n floats (for vector networks on tiny graphs;
//    the graph networks read the labels directly).
//  * exactly_enumerable() for n <= kMaxEnumerableNodes.
//
// MisFamilyTask: a MisTask over a family of seeded graphs, multi-instance
// (task.h, instance_family.h). Families:
//  * "rb200-300": RB-model graphs with 200..300 nodes (Xu et al.'s model B
//    as in GFlowNet-CombOpt's rbgraph_generator.py: n cliques of k nodes,
//    n in [20, 25], k in [5, 12], p ~ U[0.3, 1), redrawn until 200 <= n*k
//    <= 300; our own seeded RNG, so graphs differ from theirs);
//  * "er-<nodes>-<p>", e.g. "er-100-0.05": Erdős–Rényi G(n, p), nodes in
//    [1, 100000] written as digits, p in [0, 1] as "<digits>" or
//    "<digits>.<digits>" (no sign or exponent), and at most 5e7 expected
//    edges;
//  * edge-list files: the family is "file-<16 hex digits>", a 64-bit FNV-1a
//    hash of every graph's node count and edges in file order, so processes
//    given different files reject each other's trajectories; instance i is
//    the i-th file, and training and test sets are both all files.
// Training instances have seeds 0..train_instances-1, test instances seeds
// kTestSeedBase..kTestSeedBase+test_instances-1. Instance graphs are built
// on demand and cached (bounded LRU); a graph depends only on (family,
// seed): its generator seed is an FNV-1a hash of both, so every process
// rebuilds the same graph (graph_generators.h) and training, test and
// other families get unrelated ones.
//
// The family task itself is the MisTask of training instance 0, except
// max_trajectory_length() (the most nodes any instance can have) and
// exactly_enumerable() (only with a single training instance, which then is
// the whole distribution, of at most kMaxEnumerableNodes nodes).
#ifndef LEDGFN_TASKS_MIS_MIS_TASK_H_
#define LEDGFN_TASKS_MIS_MIS_TASK_H_

#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "tasks/graph_states.h"
#include "tasks/instance_family.h"
#include "tasks/mis/graph.h"
#include "tasks/mis/graph_generators.h"  // GenerateRbGraph, GenerateErdosRenyiGraph
#include "tasks/task.h"

namespace ledgfn {

class MisTask : public Task, public GraphStates {
 public:
  static constexpr int32_t kExcluded = 0;
  static constexpr int32_t kSelected = 1;
  static constexpr int32_t kUndecided = 2;
  static constexpr int kNumLabels = 3;
  static constexpr int kMaxEnumerableNodes = 14;

  explicit MisTask(std::shared_ptr<const Graph> graph);

  std::string name() const override { return "mis"; }
  int state_size() const override { return num_nodes_; }
  int feature_size() const override { return kNumLabels * num_nodes_; }
  int num_forward_actions() const override { return num_nodes_; }
  int num_backward_actions() const override { return num_nodes_; }
  bool has_stop_action() const override { return false; }
  int max_trajectory_length() const override { return num_nodes_; }
  State InitialState() const override;
  void ForwardMask(const State& s, uint8_t* mask) const override;
  void BackwardMask(const State& s, uint8_t* mask) const override;
  void Step(State& s, int action) const override;
  bool IsTerminal(const State& s) const override;
  int Level(const State& s) const override;
  void Features(const State& s, float* out) const override;
  double Energy(const State& x) const override;
  double PartialEnergy(const State& s) const override;
  bool IsMode(const State& x) const override { return false; }
  bool exactly_enumerable() const override;
  // "{v1,v2,...}": the selected nodes.
  std::string ToString(const State& x) const override;
  TaskDefaults defaults() const override;
  const GraphStates* graph_states() const override { return this; }
  const Graph& graph() const override { return *graph_; }
  int num_node_labels() const override { return kNumLabels; }

  const std::shared_ptr<const Graph>& shared_graph() const { return graph_; }

 private:
  std::shared_ptr<const Graph> graph_;
  int num_nodes_;
};

// A maximal independent set by the greedy minimum-degree rule: repeatedly
// select the undecided node with the fewest undecided neighbours (lowest id
// on ties) and exclude its neighbours. Deterministic; the selected nodes in
// increasing order.
std::vector<int32_t> GreedyMinDegreeIndependentSet(const Graph& graph);

struct MisFamilyOptions {
  std::string family = "rb200-300";
  int train_instances = 1000;
  int test_instances = 20;
  // When non-empty, the graphs of the family; the family name is then
  // derived and family, train_instances and test_instances are ignored.
  std::vector<std::string> edge_list_files;
};

class MisFamilyTask : public MisTask, public InstanceFamily {
 public:
  static constexpr uint64_t kTestSeedBase = 1'000'000'000;

  // INVALID_ARGUMENT for an unknown family name, bad parameters (train
  // instances outside [1, 1e7], test instances outside [0, 1e7]) or
  // unreadable/malformed edge-list files. Builds instance 0's graph (and
  // reads every file) before returning.
  static absl::StatusOr<std::unique_ptr<MisFamilyTask>> Create(
      const MisFamilyOptions& options);
  ~MisFamilyTask() override;

  const std::string& family() const;
  int max_trajectory_length() const override;
  bool exactly_enumerable() const override;

  const InstanceFamily* instances() const override { return this; }
  absl::StatusOr<std::shared_ptr<const Task>> Instance(
      const InstanceId& id) const override;
  bool IsTrainingInstance(const InstanceId& id) const override;
  InstanceId DrawTrainingInstance(std::mt19937_64& rng) const override;
  std::vector<InstanceId> TestInstances() const override;
  // -(size of the greedy minimum-degree set) on that instance;
  // INVALID_ARGUMENT for an id Instance() rejects.
  absl::StatusOr<double> BaselineEnergy(const InstanceId& id) const override;

 private:
  class Impl;
  MisFamilyTask(std::shared_ptr<const Graph> first, std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace ledgfn

#endif  // LEDGFN_TASKS_MIS_MIS_TASK_H_
