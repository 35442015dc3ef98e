// MIS exactness (issue "maximum independent set"): on graphs of at most 10
// nodes, the exact evaluator's terminal distribution of a graph policy (mass
// pushed through the DAG of label states) equals brute-force enumeration of
// every trajectory, each weighted by the product of its P_F.
#include <torch/torch.h>

#include <map>
#include <memory>
#include <vector>

#include "tasks/mis/graph.h"
#include "tasks/mis/mis_task.h"
#include "model/policy_net.h"
#include "gtest/gtest.h"
#include "learner/exact_evaluator.h"
#include "tests/mis_brute_force.h"

namespace ledgfn {
namespace {

Graph Edges(int n, std::vector<std::pair<int32_t, int32_t>> edges) {
  return *Graph::FromEdges(n, edges);
}

class MisExactTest : public ::testing::TestWithParam<int> {};

TEST_P(MisExactTest, DagDistributionEqualsTrajectoryEnumeration) {
  torch::manual_seed(GetParam());
  std::vector<Graph> graphs = {
      Edges(4, {{0, 1}, {1, 2}, {2, 3}}),                     // path
      Edges(6, {{0, 1}, {0, 2}, {0, 3}, {0, 4}, {0, 5}}),     // star
      Edges(7, {{0, 1}, {1, 2}, {2, 3}, {3, 4}, {4, 5}, {5, 6}, {6, 0}}),
      GenerateErdosRenyiGraph(/*seed=*/GetParam(), 10, 0.3),
  };
  for (Graph& g : graphs) {
    MisTask task(std::make_shared<const Graph>(std::move(g)));
    ASSERT_TRUE(task.exactly_enumerable());
    PolicyNet policy(PolicyNetOptionsFor(task, /*hidden=*/16, /*layers=*/3));
    auto evaluator = ExactEvaluator::Create(task);
    ASSERT_TRUE(evaluator.ok()) << evaluator.status();
    const std::vector<double> dag = (*evaluator)->PolicyDistribution(policy);
    const std::map<State, double> brute = EnumerateTrajectories(task, policy);

    const StateGraph& graph = (*evaluator)->graph();
    ASSERT_EQ(graph.objects.size(), brute.size());
    double total = 0;
    for (size_t i = 0; i < graph.objects.size(); ++i) {
      const State& x = graph.states[graph.objects[i]];
      ASSERT_TRUE(brute.count(x)) << task.ToString(x);
      EXPECT_NEAR(dag[i], brute.at(x), 1e-6) << task.ToString(x);
      total += dag[i];
    }
    EXPECT_NEAR(total, 1.0, 1e-6);
  }
}

INSTANTIATE_TEST_SUITE_P(Seeds, MisExactTest, ::testing::Values(0, 1, 2));

}  // namespace
}  // namespace ledgfn
