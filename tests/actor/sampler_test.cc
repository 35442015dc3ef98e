// The batched sampler: trajectories are legal and complete, metadata and
// energies are right, and the empirical terminal distribution matches the
// exact one the DAG gives for the same policy (DESIGN §2.3, §2.6).
#include <cmath>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "actor/energy_oracle.h"
#include "actor/sampler.h"
#include "tasks/bag/bag_task.h"
#include "tasks/hypergrid/hypergrid_task.h"
#include "tasks/mis/mis_task.h"
#include "model/masking.h"
#include "tasks/state_graph.h"
#include "gtest/gtest.h"
#include "tests/mis_brute_force.h"
#include "tasks/registry.h"

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

namespace ledgfn {
namespace {

std::string WriteGraph(const std::string& name, const std::string& edges) {
  const std::string path = ::testing::TempDir() + "/" + name;
  std::ofstream(path) << edges;
  return path;
}

// Two graphs of different sizes share every batched forward pass; each
// graph's empirical terminal distribution matches brute-force enumeration
// of its trajectories with the same policy.
TEST(SamplerTest, MisGraphsOfDifferentSizesSampleTheirExactDistributions) {
  MisFamilyOptions o;
  o.edge_list_files = {WriteGraph("sampler_path4.txt", "0 1\n1 2\n2 3\n"),
                       WriteGraph("sampler_bull5.txt", "0 1\n1 2\n0 2\n1 3\n2 4\n")};
  auto task = MisFamilyTask::Create(o);
  ASSERT_TRUE(task.ok()) << task.status();
  torch::manual_seed(3);
  PolicyNet policy(PolicyNetOptionsFor(**task, /*hidden=*/16, /*layers=*/2));
  TaskEnergyOracle oracle(**task);
  SamplerOptions options;
  options.batch_size = 64;
  options.seed = 5;
  Sampler sampler(**task, policy, oracle, options);
  const int n = 20000;
  auto trajs = sampler.Sample(n);
  ASSERT_TRUE(trajs.ok()) << trajs.status();
  ASSERT_EQ(trajs->size(), static_cast<size_t>(n));

  std::map<uint64_t, std::map<State, double>> counts;
  std::map<uint64_t, int> per_instance;
  for (const Trajectory& t : *trajs) {
    ASSERT_TRUE((*task)->IsTrainingInstance(t.instance)) << t.instance.ToString();
    auto instance = (*task)->Instance(t.instance);
    ASSERT_TRUE(instance.ok());
    auto states = (*instance)->Replay(t.actions);
    ASSERT_TRUE(states.ok()) << states.status();
    EXPECT_EQ(t.energy, -static_cast<double>(t.actions.size()));
    counts[t.instance.seed][states->back()] += 1;
    ++per_instance[t.instance.seed];
  }
  ASSERT_EQ(per_instance.size(), 2u);
  for (const auto& [seed, seen] : counts) {
    auto instance = *(*task)->Instance(InstanceId{(*task)->family(), seed});
    const std::map<State, double> exact = EnumerateTrajectories(*instance, policy);
    ASSERT_EQ(seen.size(), exact.size()) << "graph " << seed;
    const double m = per_instance[seed];
    for (const auto& [x, p] : exact) {
      const double sigma = std::sqrt(p * (1 - p) / m);
      EXPECT_NEAR(seen.at(x) / m, p, 5 * sigma + 1e-3)
          << "graph " << seed << " set " << instance->ToString(x);
    }
  }
}

TEST(SamplerTest, SampleInstancesRunsOnTheRequestedGraphs) {
  TaskOptions t;
  t.name = "mis";
  t.mis_family = "er-20-0.15";
  t.mis_train_instances = 5;
  t.mis_test_instances = 3;
  auto task = MakeTask(t);
  ASSERT_TRUE(task.ok()) << task.status();
  const InstanceFamily* family = (*task)->instances();
  ASSERT_NE(family, nullptr);
  PolicyNet policy(PolicyNetOptionsFor(**task, 8, 2));
  TaskEnergyOracle oracle(**task);
  SamplerOptions options;
  options.batch_size = 4;
  Sampler sampler(**task, policy, oracle, options);
  std::vector<InstanceId> requests;
  for (const InstanceId& id : family->TestInstances()) {
    for (int k = 0; k < 3; ++k) requests.push_back(id);
  }
  auto trajs = sampler.SampleInstances(requests);
  ASSERT_TRUE(trajs.ok()) << trajs.status();
  ASSERT_EQ(trajs->size(), 9u);
  std::map<uint64_t, int> seen;
  for (const Trajectory& tr : *trajs) {
    EXPECT_FALSE(family->IsTrainingInstance(tr.instance));
    ++seen[tr.instance.seed];
  }
  for (const InstanceId& id : family->TestInstances()) {
    EXPECT_EQ(seen[id.seed], 3);
  }
  // An id the task cannot rebuild is an error, not a crash.
  EXPECT_EQ(sampler.SampleInstances({InstanceId{"er-20-0.15x", 0}}).status().code(),
            absl::StatusCode::kInvalidArgument);
}

// A buggy user oracle: the task's energies, but every `period`-th answer
// (counting from the first) replaced by `absurd`.
class FaultyOracle : public EnergyOracle {
 public:
  FaultyOracle(const Task& task, int period, double absurd)
      : inner_(task), period_(period), absurd_(absurd) {}
  absl::StatusOr<std::vector<double>> Energies(
      absl::Span<const State> objects) override {
    auto energies = inner_.Energies(objects);
    if (!energies.ok()) return energies;
    for (double& e : *energies) {
      if (answered_++ % period_ == 0) e = absurd_;
    }
    return energies;
  }
  absl::StatusOr<std::vector<double>> PartialEnergies(
      absl::Span<const State> states) override {
    return inner_.PartialEnergies(states);
  }

 private:
  TaskEnergyOracle inner_;
  const int period_;
  const double absurd_;
  int64_t answered_ = 0;
};

// Issue 21: an absurd answer costs its trajectory only. Sample(n) still
// returns n trajectories, all with the task's true energies, numbered
// without gaps; the dropped ones are counted by reason.
TEST(SamplerTest, DropsTrajectoriesWithUnusableEnergiesAndSamplesAgain) {
  BagTask task(/*num_letters=*/3, /*max_size=*/4, /*threshold=*/2);
  for (double absurd : {-1e300, 10.5, std::nan("")}) {
    SCOPED_TRACE(absurd);
    FaultyOracle oracle(task, /*period=*/5, absurd);
    SamplerOptions options;
    options.batch_size = 8;
    options.max_abs_energy = 10;
    Sampler sampler(task, MakePolicy(task, 1), oracle, options);
    auto trajs = sampler.Sample(20);
    ASSERT_TRUE(trajs.ok()) << trajs.status();
    ASSERT_EQ(trajs->size(), 20u);
    for (size_t i = 0; i < trajs->size(); ++i) {
      const Trajectory& t = (*trajs)[i];
      EXPECT_EQ(t.sequence, i);
      EXPECT_EQ(t.energy, task.Energy(task.Replay(t.actions)->back()));
    }
    // 20 asked: answers 0, 5, 10, 15 of the first 20 are absurd, then
    // answer 20 of the 4 resampled: 5 dropped.
    const EnergyProblem problem = std::isnan(absurd) ? EnergyProblem::kNonfinite
                                                     : EnergyProblem::kOutOfRange;
    EXPECT_EQ(sampler.dropped(problem), 5);
  }
}

TEST(SamplerTest, AnOracleWithOnlyUnusableAnswersIsAnErrorNotALoop) {
  BagTask task(3, 4, 2);
  FaultyOracle oracle(task, /*period=*/1, 1e300);
  SamplerOptions options;
  options.max_abs_energy = 10;
  Sampler sampler(task, MakePolicy(task, 1), oracle, options);
  auto trajs = sampler.Sample(6);
  ASSERT_FALSE(trajs.ok());
  EXPECT_EQ(trajs.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(trajs.status().message().find("--max_abs_energy"), std::string::npos);
  EXPECT_EQ(sampler.dropped(EnergyProblem::kOutOfRange), 6);
}

}  // namespace
}  // namespace ledgfn
