// The batched sampler: trajectories are legal and complete, metadata and
// energies are right, and the empirical terminal distribution matches the
// exact one the DAG gives for the same policy (DESIGN §2.3, §2.6).
#include <map>
#include <vector>

#include "actor/energy_oracle.h"
#include "actor/sampler.h"
#include "common/bag_task.h"
#include "common/hypergrid_task.h"
#include "common/model/masking.h"
#include "common/state_graph.h"
#include "gtest/gtest.h"

namespace ledgfn {
namespace {

PolicyNet MakePolicy(const Task& task, uint64_t seed) {
  torch::manual_seed(seed);
  return PolicyNet(PolicyNetOptionsFor(task, 16, 2));
}

// The exact terminal distribution of `policy` with epsilon-uniform mixing.
std::vector<double> ExactDistribution(const Task& task, const StateGraph& graph,
                                      PolicyNet& policy, double epsilon) {
  torch::NoGradGuard no_grad;
  const int64_t n = graph.num_states(), f = task.feature_size(), a = graph.num_actions;
  torch::Tensor feats = torch::zeros({n, f});
  for (int64_t i = 0; i < n; ++i) task.Features(graph.states[i], feats.data_ptr<float>() + i * f);
  torch::Tensor mask =
      torch::from_blob(const_cast<uint8_t*>(graph.forward_masks.data()), {n, a}, torch::kUInt8)
          .to(torch::kBool);
  torch::Tensor safe = mask | (mask.sum(1, true) == 0);
  torch::Tensor p = MaskedLogSoftmax(policy->forward(feats).forward_logits, safe).exp();
  torch::Tensor uniform = mask.to(torch::kFloat) / mask.sum(1, true).clamp_min(1);
  torch::Tensor mixed = ((1 - epsilon) * p + epsilon * uniform).log().contiguous();
  return TerminalDistribution(graph, absl::MakeConstSpan(mixed.data_ptr<float>(), mixed.numel()),
                              task.has_stop_action());
}

void ExpectMatchesExact(const Task& task, double epsilon) {
  StateGraph graph = *EnumerateStateGraph(task, 100000);
  PolicyNet policy = MakePolicy(task, 5);
  const std::vector<double> exact = ExactDistribution(task, graph, policy, epsilon);
  std::map<State, int> index;
  for (size_t i = 0; i < graph.objects.size(); ++i) index[graph.states[graph.objects[i]]] = i;

  TaskEnergyOracle oracle(task);
  SamplerOptions options;
  options.batch_size = 64;
  options.epsilon = epsilon;
  options.seed = 11;
  Sampler sampler(task, policy, oracle, options);
  const int n = 40000;
  auto trajs = *sampler.Sample(n);
  ASSERT_EQ(trajs.size(), static_cast<size_t>(n));
  std::vector<double> counts(exact.size(), 0);
  for (const Trajectory& t : trajs) {
    auto states = task.Replay(t.actions);
    ASSERT_TRUE(states.ok()) << states.status();
    counts[index.at(states->back())] += 1;
  }
  // Each object's frequency within 5 standard errors of its exact probability.
  for (size_t i = 0; i < exact.size(); ++i) {
    const double se = std::sqrt(exact[i] * (1 - exact[i]) / n) + 1e-4;
    EXPECT_NEAR(counts[i] / n, exact[i], 5 * se) << "object " << i;
  }
}

TEST(SamplerTest, EmpiricalDistributionMatchesExactOnHypergrid) {
  HypergridTask task(2, 4, 0.1, 0.5, 2.0);
  ExpectMatchesExact(task, 0.0);
}

TEST(SamplerTest, EpsilonMixesInUniformActions) {
  HypergridTask task(2, 4, 0.1, 0.5, 2.0);
  ExpectMatchesExact(task, 0.5);
}

TEST(SamplerTest, EmpiricalDistributionMatchesExactOnSmallBag) {
  BagTask task(3, 4);
  ExpectMatchesExact(task, 0.0);
}

TEST(SamplerTest, RefillsTheBatchAndTagsEveryTrajectory) {
  BagTask task;
  PolicyNet policy = MakePolicy(task, 1);
  TaskEnergyOracle oracle(task);
  SamplerOptions options;
  options.batch_size = 8;
  options.partial_energies = true;
  options.actor_id = 3;
  Sampler sampler(task, policy, oracle, options);
  sampler.set_policy_version(42);
  auto first = *sampler.Sample(20);  // more than the batch: refills
  auto second = *sampler.Sample(5);
  ASSERT_EQ(first.size(), 20u);
  ASSERT_EQ(second.size(), 5u);
  uint64_t expected_sequence = 0;
  for (const auto* batch : {&first, &second}) {
    for (const Trajectory& t : *batch) {
      EXPECT_EQ(t.sequence, expected_sequence++);
      EXPECT_EQ(t.actor_id, 3);
      EXPECT_EQ(t.policy_version, 42);
      EXPECT_EQ(t.incarnation, sampler.incarnation());
      auto states = task.Replay(t.actions);
      ASSERT_TRUE(states.ok()) << states.status();
      EXPECT_EQ(t.actions.size(), 14u);  // 13 letters and the forced stop
      EXPECT_DOUBLE_EQ(t.energy, task.Energy(states->back()));
      ASSERT_EQ(t.partial_energies.size(), states->size());
      for (size_t i = 0; i < states->size(); ++i) {
        EXPECT_DOUBLE_EQ(t.partial_energies[i], task.PartialEnergy((*states)[i]));
      }
    }
  }
  EXPECT_TRUE(sampler.Sample(0)->empty());
}

}  // namespace
}  // namespace ledgfn
