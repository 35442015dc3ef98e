// Tests of the exact state-graph enumeration and the exact distributions:
// the pushed terminal distribution must equal a brute-force sum over every
// trajectory, for tasks with and without a stop action.
#include "tasks/state_graph.h"

#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <random>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "tasks/bag/bag_task.h"
#include "tasks/hypergrid/hypergrid_task.h"
#include "tasks/set/set_task.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ledgfn {
namespace {

constexpr int64_t kMaxStates = 1 << 20;

// log P_F of a uniform policy over valid actions, per state of the graph.
std::vector<float> UniformLogPf(const StateGraph& graph) {
  const int a_count = graph.num_actions;
  std::vector<float> log_pf(graph.states.size() * a_count,
                            -std::numeric_limits<float>::infinity());
  for (size_t i = 0; i < graph.states.size(); ++i) {
    int valid = 0;
    for (int a = 0; a < a_count; ++a)
      valid += graph.forward_masks[i * a_count + a];
    for (int a = 0; a < a_count; ++a) {
      if (graph.forward_masks[i * a_count + a]) {
        log_pf[i * a_count + a] = -std::log(static_cast<float>(valid));
      }
    }
  }
  return log_pf;
}

// A seeded random policy: softmax of random logits over valid actions.
std::vector<float> RandomLogPf(const StateGraph& graph, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, 1.5f);
  const int a_count = graph.num_actions;
  std::vector<float> log_pf(graph.states.size() * a_count,
                            -std::numeric_limits<float>::infinity());
  for (size_t i = 0; i < graph.states.size(); ++i) {
    std::vector<float> logits(a_count);
    double norm = 0.0;
    for (int a = 0; a < a_count; ++a) {
      logits[a] = normal(rng);
      if (graph.forward_masks[i * a_count + a]) norm += std::exp(logits[a]);
    }
    for (int a = 0; a < a_count; ++a) {
      if (graph.forward_masks[i * a_count + a]) {
        log_pf[i * a_count + a] =
            logits[a] - static_cast<float>(std::log(norm));
      }
    }
  }
  return log_pf;
}

// Brute force: walks every trajectory from s, multiplying the policy's
// probabilities (read from log_pf by the state's index, with the masks
// recomputed from the task), and accumulates the probability of each object.
void Enumerate(const Task& task, const absl::flat_hash_map<State, int>& index,
               const std::vector<float>& log_pf, const State& s, double prob,
               std::map<State, double>* out) {
  if (!task.has_stop_action() && task.IsTerminal(s)) {
    (*out)[s] += prob;
    return;
  }
  const int a_count = task.num_forward_actions();
  std::vector<uint8_t> mask(a_count);
  task.ForwardMask(s, mask.data());
  const int row = index.at(s) * a_count;
  for (int a = 0; a < a_count; ++a) {
    if (!mask[a]) continue;
    const double p = prob * std::exp(static_cast<double>(log_pf[row + a]));
    if (a == task.stop_action()) {
      (*out)[s] += p;
    } else {
      State child = s;
      task.Step(child, a);
      Enumerate(task, index, log_pf, child, p, out);
    }
  }
}

void ExpectMatchesBruteForce(const Task& task, const StateGraph& graph,
                             const std::vector<float>& log_pf) {
  absl::flat_hash_map<State, int> index;
  for (size_t i = 0; i < graph.states.size(); ++i) index[graph.states[i]] = i;
  std::map<State, double> brute;
  Enumerate(task, index, log_pf, task.InitialState(), 1.0, &brute);

  std::vector<double> pushed =
      TerminalDistribution(graph, log_pf, task.has_stop_action());
  ASSERT_EQ(pushed.size(), graph.objects.size());
  ASSERT_EQ(brute.size(), graph.objects.size());
  double total = 0.0;
  for (size_t k = 0; k < pushed.size(); ++k) {
    const State& x = graph.states[graph.objects[k]];
    ASSERT_EQ(brute.count(x), 1u) << task.ToString(x);
    EXPECT_NEAR(pushed[k], brute[x], 1e-12) << task.ToString(x);
    total += pushed[k];
  }
  // log P_F is float, so the policy's rows sum to 1 only to float precision.
  EXPECT_NEAR(total, 1.0, 1e-6);
}

TEST(StateGraphTest, HypergridStructure) {
  HypergridTask task(2, 4, 0.1, 0.5, 2.0);
  absl::StatusOr<StateGraph> graph = EnumerateStateGraph(task, kMaxStates);
  ASSERT_TRUE(graph.ok()) << graph.status();
  EXPECT_EQ(graph->num_states(), 16);
  EXPECT_EQ(graph->num_actions, 3);
  EXPECT_EQ(graph->objects.size(), 16u);  // Every cell can stop.
  // Levels 0..6 hold 1,2,3,4,3,2,1 cells.
  EXPECT_THAT(graph->level_begin,
              ::testing::ElementsAre(0, 1, 3, 6, 10, 13, 15, 16));
  EXPECT_EQ(graph->num_levels(), 7);
  for (int level = 0; level < graph->num_levels(); ++level) {
    for (int64_t i = graph->level_begin[level];
         i < graph->level_begin[level + 1]; ++i) {
      EXPECT_EQ(task.Level(graph->states[i]), level);
    }
  }
  // Children are consistent with Step and point forward.
  for (int64_t i = 0; i < graph->num_states(); ++i) {
    for (int a = 0; a < 3; ++a) {
      const int32_t child = graph->children[i * 3 + a];
      if (a == task.stop_action() || !graph->forward_masks[i * 3 + a]) {
        EXPECT_EQ(child, -1);
        continue;
      }
      ASSERT_GT(child, i);
      State s = graph->states[i];
      task.Step(s, a);
      EXPECT_EQ(graph->states[child], s);
    }
  }
}

TEST(StateGraphTest, UniformPolicyOnHypergrid) {
  HypergridTask task(2, 4, 0.1, 0.5, 2.0);
  StateGraph graph = *EnumerateStateGraph(task, kMaxStates);
  ExpectMatchesBruteForce(task, graph, UniformLogPf(graph));
}

TEST(StateGraphTest, RandomPolicyOnHypergrid) {
  HypergridTask task(3, 3, 0.1, 0.5, 2.0);
  StateGraph graph = *EnumerateStateGraph(task, kMaxStates);
  ExpectMatchesBruteForce(task, graph, RandomLogPf(graph, 7));
}

TEST(StateGraphTest, UniformPolicyOnSmallBag) {
  BagTask task(3, 5);
  StateGraph graph = *EnumerateStateGraph(task, kMaxStates);
  // Σ_{k<=5} C(k+2, 2) states, C(7, 2) bags of size 5.
  EXPECT_EQ(graph.num_states(), 56);
  EXPECT_EQ(graph.objects.size(), 21u);
  EXPECT_EQ(graph.num_levels(), 6);
  ExpectMatchesBruteForce(task, graph, UniformLogPf(graph));
  ExpectMatchesBruteForce(task, graph, RandomLogPf(graph, 11));
}

TEST(StateGraphTest, PoliciesOnTinySetWithoutStop) {
  SetTask task({0.3, -1.2, 0.7, 2.0, -0.5, 0.1}, 3);
  ASSERT_TRUE(task.exactly_enumerable());
  StateGraph graph = *EnumerateStateGraph(task, kMaxStates);
  // Subsets of size 0..3 of 6 items: 1 + 6 + 15 + 20.
  EXPECT_EQ(graph.num_states(), 42);
  EXPECT_EQ(graph.objects.size(), 20u);
  ExpectMatchesBruteForce(task, graph, UniformLogPf(graph));
  ExpectMatchesBruteForce(task, graph, RandomLogPf(graph, 3));
  // The graph's log Z agrees with the DP.
  EXPECT_NEAR(ExactLogZFromGraph(task, graph), *task.ExactLogZ(), 1e-12);
}

TEST(StateGraphTest, TargetDistribution) {
  HypergridTask task(2, 8, 0.1, 0.5, 2.0);
  StateGraph graph = *EnumerateStateGraph(task, kMaxStates);
  std::vector<double> pi = ExactTargetDistribution(task, graph);
  ASSERT_EQ(pi.size(), graph.objects.size());
  double total = 0.0;
  for (size_t k = 0; k < pi.size(); ++k) {
    const State& x = graph.states[graph.objects[k]];
    EXPECT_NEAR(pi[k], std::exp(-task.Energy(x)) / 22.4, 1e-14);
    total += pi[k];
  }
  EXPECT_NEAR(total, 1.0, 1e-12);

  BagTask bag;
  StateGraph bag_graph = *EnumerateStateGraph(bag, kMaxStates);
  std::vector<double> bag_pi = ExactTargetDistribution(bag, bag_graph);
  total = 0.0;
  for (double p : bag_pi) total += p;
  EXPECT_NEAR(total, 1.0, 1e-12);
}

TEST(StateGraphTest, Errors) {
  std::unique_ptr<SetTask> set = *SetTask::FromSizeName("small");
  EXPECT_EQ(EnumerateStateGraph(*set, kMaxStates).status().code(),
            absl::StatusCode::kFailedPrecondition);
  HypergridTask grid(2, 4, 0.1, 0.5, 2.0);
  EXPECT_EQ(EnumerateStateGraph(grid, 15).status().code(),
            absl::StatusCode::kResourceExhausted);
  EXPECT_TRUE(EnumerateStateGraph(grid, 16).ok());
  StateGraph graph = *EnumerateStateGraph(grid, 16);
  EXPECT_TRUE(TerminalDistribution(graph, std::vector<float>(5), true).empty());
}

TEST(StateGraphTest, L1Distance) {
  const std::vector<double> a = {0.5, 0.25, 0.25};
  const std::vector<double> b = {0.25, 0.25, 0.5};
  EXPECT_DOUBLE_EQ(L1Distance(a, b), 0.5);
  EXPECT_DOUBLE_EQ(L1Distance(a, a), 0.0);
  EXPECT_TRUE(std::isinf(L1Distance(a, std::vector<double>(2))));
}

}  // namespace
}  // namespace ledgfn
