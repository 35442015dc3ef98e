// The paper protocol (learner/protocol.h) and its replication knobs:
// backward sampling against exact distributions on a tiny bag, the uniform
// draw of visited objects, one paper round against the same steps taken by
// hand, the reference optimizer side effect against Adam's update computed
// here, the log Z clamp, the T'^2 decomposition weight, and the bag's
// counts features.
#include <cmath>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "learner/backward_sampler.h"
#include "learner/decomposition_loss.h"
#include "learner/trainer.h"
#include "learner/trajectory_batch.h"
#include "learner/trajectory_source.h"
#include "learner/visited_objects.h"
#include "model/mlp.h"
#include "model/network_input.h"
#include "model/policy_net.h"
#include "tasks/bag/bag_task.h"

namespace ledgfn {
namespace {

// Bag of 2 letters (a = 0, b = 1), size 3, threshold 2: forward actions
// 0 (add a), 1 (add b), 2 (stop); backward 0 (remove a), 1 (remove b).
BagTask TinyBag() { return BagTask(/*num_letters=*/2, /*max_size=*/3, 2); }

TrajectoryRef MakeTrajectory(const Task& task, std::vector<int32_t> actions) {
  auto t = std::make_shared<Trajectory>();
  t->actions = std::move(actions);
  t->energy = task.Energy(task.Replay(t->actions)->back());
  return t;
}

std::string Letters(const std::vector<int32_t>& actions) {
  std::string s;
  for (int32_t a : actions) s += a == 0 ? 'a' : a == 1 ? 'b' : '.';
  return s;
}

// Frequencies of the forward action strings of `n` backward samples from x.
std::map<std::string, double> BackwardFrequencies(const Task& task,
                                                  PolicyNet& policy, State x,
                                                  bool uniform, int n) {
  VisitedObject object{x, task.Energy(x)};
  std::vector<const VisitedObject*> objects(n, &object);
  BackwardSampleOptions options;
  options.uniform_backward = uniform;
  std::mt19937_64 rng(7);
  auto trajectories = SampleBackward(task, policy, objects, options, rng);
  EXPECT_TRUE(trajectories.ok()) << trajectories.status();
  std::map<std::string, double> freq;
  for (const TrajectoryRef& t : *trajectories) {
    // Every sample is a valid forward trajectory to x, ending with the stop.
    auto states = task.Replay(t->actions);
    EXPECT_TRUE(states.ok()) << states.status();
    EXPECT_EQ(states->back(), x);
    EXPECT_EQ(t->actions.back(), task.stop_action());
    EXPECT_EQ(t->energy, task.Energy(x));
    freq[Letters(t->actions)] += 1.0 / n;
  }
  return freq;
}

// From x = {a, a, b}, uniform P_B removes b first with 1/2 (-> "aab."),
// else a, then a or b with 1/2 each ("baa.", "aba.").
TEST(BackwardSamplerTest, UniformBackwardPolicyHasTheExactDistribution) {
  BagTask task = TinyBag();
  PolicyNet policy(PolicyNetOptionsFor(task, 8, 1));
  auto freq = BackwardFrequencies(task, policy, {2, 1}, /*uniform=*/true, 40000);
  EXPECT_EQ(freq.size(), 3u);
  EXPECT_NEAR(freq["aab."], 0.5, 0.01);
  EXPECT_NEAR(freq["aba."], 0.25, 0.01);
  EXPECT_NEAR(freq["baa."], 0.25, 0.01);
}

// A P_B network whose logits are (log 3, 0) everywhere removes a three times
// as often as b when both are present: P("aab.") = 1/4 (b first),
// P("baa.") = 3/4 * 3/4, P("aba.") = 3/4 * 1/4.
TEST(BackwardSamplerTest, LearnedBackwardPolicyIsFollowed) {
  BagTask task = TinyBag();
  PolicyNet policy(
      PolicyNetOptionsFor(task, 8, 1, PolicyArchitecture::kSeparate));
  {
    torch::NoGradGuard no_grad;
    for (auto& p : policy->named_parameters()) {
      if (p.key().rfind("backward_net.", 0) == 0) p.value().zero_();
    }
    policy->named_parameters()["backward_net.layers.2.bias"][0].fill_(std::log(3.0));
  }
  auto freq = BackwardFrequencies(task, policy, {2, 1}, /*uniform=*/false, 40000);
  EXPECT_NEAR(freq["aab."], 0.25, 0.01);
  EXPECT_NEAR(freq["baa."], 9.0 / 16, 0.01);
  EXPECT_NEAR(freq["aba."], 3.0 / 16, 0.01);
}

TEST(BackwardSamplerTest, RefusesTasksWithoutBackwardDynamics) {
  // A task that keeps the default backward_dynamics() == nullptr.
  class Frozen : public BagTask {
   public:
    const BackwardDynamics* backward_dynamics() const override {
      return nullptr;
    }
  } task;
  PolicyNet policy(PolicyNetOptionsFor(task, 8, 1));
  std::mt19937_64 rng(1);
  auto result = SampleBackward(task, policy, {}, BackwardSampleOptions{}, rng);
  EXPECT_EQ(result.status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST(VisitedObjectsTest, KeepsDistinctObjectsAndDrawsUniformly) {
  BagTask task = TinyBag();
  VisitedObjects visited;
  // Objects {a,a,a}, {a,a,b} (twice, in two orders) and {b,b,b}.
  for (auto actions : std::vector<std::vector<int32_t>>{
           {0, 0, 0, 2}, {0, 0, 1, 2}, {1, 0, 0, 2}, {1, 1, 1, 2}}) {
    ASSERT_TRUE(visited.Add(task, *MakeTrajectory(task, actions)).ok());
  }
  ASSERT_EQ(visited.size(), 3u);
  std::mt19937_64 rng(3);
  std::map<State, double> freq;
  const int n = 30000;
  for (const VisitedObject* o : visited.Draw(n, rng)) {
    EXPECT_EQ(o->energy, task.Energy(o->x));
    freq[o->x] += 1.0 / n;
  }
  for (const auto& [x, f] : freq) EXPECT_NEAR(f, 1.0 / 3, 0.012);
  // A trajectory whose actions do not replay is refused, not recorded.
  Trajectory bad;
  bad.actions = {2};
  EXPECT_FALSE(visited.Add(task, bad).ok());
  EXPECT_EQ(visited.size(), 3u);
}

// A source that hands out fixed batches and counts the calls.
class FixedSource : public TrajectorySource {
 public:
  explicit FixedSource(std::vector<TrajectoryRef> batch) : batch_(std::move(batch)) {}
  absl::StatusOr<std::vector<TrajectoryRef>> PolicyBatch() override {
    ++policy_calls;
    if (cancel_policy_batches) return absl::CancelledError("stopped");
    return batch_;
  }
  absl::StatusOr<std::vector<TrajectoryRef>> PotentialBatch() override {
    ++potential_calls;
    return batch_;
  }
  int policy_calls = 0;
  int potential_calls = 0;
  bool cancel_policy_batches = false;

 private:
  std::vector<TrajectoryRef> batch_;
};

TrainerOptions PaperOptions(Objective objective) {
  TrainerOptions o;
  o.objective = objective;
  o.protocol = Protocol::kPaper;
  o.hidden = 8;
  o.layers = 2;
  o.policy_architecture = PolicyArchitecture::kStatePair;
  o.offline_batch_size = 4;
  o.grad_clip = 0;
  o.log_z_init = 5;
  o.log_z_min = 0;
  o.seed = 11;
  return o;
}

std::vector<torch::Tensor> Snapshot(torch::nn::Module& module) {
  std::vector<torch::Tensor> out;
  for (const auto& p : module.parameters()) out.push_back(p.detach().clone());
  return out;
}

bool SameParameters(torch::nn::Module& a, torch::nn::Module& b) {
  auto pa = a.parameters(), pb = b.parameters();
  if (pa.size() != pb.size()) return false;
  for (size_t i = 0; i < pa.size(); ++i) {
    if (!torch::equal(pa[i], pb[i])) return false;
  }
  return true;
}

// One paper round = the online batch's policy step, then a policy step on
// an offline batch sampled backward from the objects visited so far, taken
// here by hand on a twin trainer with the same seed.
TEST(PaperProtocolTest, RoundIsOnlineStepThenOfflineStepFromVisitedObjects) {
  BagTask task = TinyBag();
  std::vector<TrajectoryRef> online = {MakeTrajectory(task, {0, 0, 1, 2}),
                                       MakeTrajectory(task, {1, 1, 0, 2}),
                                       MakeTrajectory(task, {0, 1, 0, 2})};
  FixedSource source(online);
  auto trainer = Trainer::Create(task, PaperOptions(Objective::kSubTB));
  auto twin = Trainer::Create(task, PaperOptions(Objective::kSubTB));
  ASSERT_TRUE(trainer.ok() && twin.ok());

  auto stats = (*trainer)->Round(source);
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_EQ(stats->step, 2);
  EXPECT_EQ(source.policy_calls, 1);
  EXPECT_EQ(source.potential_calls, 0);  // r_phi's batches are the trainer's
  EXPECT_EQ((*trainer)->visited().size(), 2u);  // {a,a,b} twice, {a,b,b}

  auto first = (*twin)->PolicyStep(online);
  ASSERT_TRUE(first.ok());
  ASSERT_TRUE((*twin)->Visit(online).ok());
  auto offline = (*twin)->OfflineBatch();
  ASSERT_TRUE(offline.ok()) << offline.status();
  ASSERT_EQ(offline->size(), 4u);
  for (const TrajectoryRef& t : *offline) {
    State x = task.Replay(t->actions)->back();
    EXPECT_TRUE(x == State({2, 1}) || x == State({1, 2})) << Letters(t->actions);
  }
  auto second = (*twin)->PolicyStep(*offline);
  ASSERT_TRUE(second.ok());
  EXPECT_DOUBLE_EQ(stats->policy_loss, (*first + *second) / 2);
  EXPECT_TRUE(SameParameters(*(*trainer)->policy(), *(*twin)->policy()));
}

TEST(PaperProtocolTest, LedRoundTakesNPhiPotentialStepsPerBatchPlusOneOnIt) {
  BagTask task = TinyBag();
  FixedSource source({MakeTrajectory(task, {0, 0, 1, 2}), MakeTrajectory(task, {1, 1, 1, 2})});
  TrainerOptions options = PaperOptions(Objective::kLEDSubTB);
  options.potential_steps = 3;
  options.potential_on_policy_batch = true;
  auto trainer = Trainer::Create(task, options);
  ASSERT_TRUE(trainer.ok());
  const auto before = Snapshot(*(*trainer)->potential());
  ASSERT_TRUE((*trainer)->Round(source).ok());
  EXPECT_EQ(source.potential_calls, 0);
  EXPECT_EQ((*trainer)->step(), 2);
  // r_phi moved (2 x (3 + 1) steps): its parameters differ.
  bool moved = false;
  auto after = (*trainer)->potential()->parameters();
  for (size_t i = 0; i < before.size(); ++i) moved |= !torch::equal(before[i], after[i]);
  EXPECT_TRUE(moved);
}

TEST(PaperProtocolTest, RefusesTasksThatCannotStepBack) {
  // The hypergrid, set and bag step back; a task that does not is refused.
  class Frozen : public BagTask {
   public:
    const BackwardDynamics* backward_dynamics() const override {
      return nullptr;
    }
  } task;
  auto trainer = Trainer::Create(task, PaperOptions(Objective::kSubTB));
  EXPECT_EQ(trainer.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(trainer.status().message().find("backward"), std::string::npos);
}

// The side effect: after a policy step (Adam has momentum m = (1 - b1) g,
// v = (1 - b2) g^2), each r_phi step applies a zero-gradient Adam step to
// the policy, log Z included: log Z -= lr (m_t / (1 - b1^t)) /
// (sqrt(v_t / (1 - b2^t)) + eps) with m_t = b1 m_{t-1}, v_t = b2 v_{t-1}.
// r_phi itself is unaffected, and without the flag the policy stays put.
TEST(PaperProtocolTest, SideEffectMovesOnlyThePolicyByMomentum) {
  BagTask task = TinyBag();
  std::vector<TrajectoryRef> batch = {MakeTrajectory(task, {0, 0, 1, 2}),
                                      MakeTrajectory(task, {1, 1, 0, 2})};
  auto run = [&](bool side_effect, double* log_z_after_policy_step,
                 double* log_z_grad) {
    TrainerOptions o;
    o.objective = Objective::kLEDSubTB;
    o.hidden = 8;
    o.layers = 2;
    o.potential_steps = 3;
    o.seed = 5;
    o.reference_optimizer_side_effect = side_effect;
    auto trainer = *Trainer::Create(task, o);
    EXPECT_TRUE(trainer->PolicyStep(batch).ok());
    *log_z_after_policy_step = trainer->policy()->log_z().item<double>();
    *log_z_grad = trainer->policy()->log_z().grad().item<double>();
    FixedSource source(batch);
    source.cancel_policy_batches = true;  // the round stops after r_phi's steps
    EXPECT_EQ(trainer->Round(source).status().code(), absl::StatusCode::kCancelled);
    return trainer;
  };
  double z_on, g_on, z_off, g_off;
  auto with = run(true, &z_on, &g_on);
  auto without = run(false, &z_off, &g_off);
  ASSERT_DOUBLE_EQ(z_on, z_off);
  EXPECT_TRUE(SameParameters(*with->potential(), *without->potential()));
  EXPECT_DOUBLE_EQ(without->policy()->log_z().item<double>(), z_off);
  EXPECT_FALSE(SameParameters(*with->policy(), *without->policy()));

  const double b1 = 0.9, b2 = 0.999, eps = 1e-8, lr = TrainerOptions{}.log_z_lr;
  double m = (1 - b1) * g_on, v = (1 - b2) * g_on * g_on, z = z_on;
  for (int t = 2; t <= 4; ++t) {
    m *= b1;
    v *= b2;
    z -= lr * (m / (1 - std::pow(b1, t))) / (std::sqrt(v / (1 - std::pow(b2, t))) + eps);
  }
  EXPECT_NEAR(with->policy()->log_z().item<double>(), z, 1e-5);
}

TEST(PaperProtocolTest, LogZIsClampedAtItsMinimumAfterEachPolicyStep) {
  BagTask task = TinyBag();
  std::vector<TrajectoryRef> batch = {MakeTrajectory(task, {0, 0, 1, 2})};
  auto log_z_after_step = [&](double minimum) {
    TrainerOptions o;
    o.objective = Objective::kTB;
    o.hidden = 8;
    o.layers = 1;
    o.log_z_lr = 1.0;
    // log Z far above log R(x) + the log-probabilities: TB pushes it down.
    o.log_z_init = 30;
    o.log_z_min = minimum;
    auto trainer = *Trainer::Create(task, o);
    EXPECT_TRUE(trainer->PolicyStep(batch).ok());
    return trainer->policy()->log_z().item<double>();
  };
  EXPECT_LT(log_z_after_step(-std::numeric_limits<double>::infinity()), 29.5);
  EXPECT_EQ(log_z_after_step(30), 30.0);
  TrainerOptions bad;
  bad.log_z_init = 0;
  bad.log_z_min = 1;
  EXPECT_EQ(Trainer::Create(task, bad).status().code(),
            absl::StatusCode::kInvalidArgument);
}

// (E - T' mean(phi))^2 = T'^2 (E/T' - mean(phi))^2 for each trajectory.
TEST(DecompositionLossTest, LengthSquaredWeightsEachTrajectoryByTPrimeSquared) {
  BagTask task = TinyBag();
  TrajectoryRef t = MakeTrajectory(task, {0, 0, 1, 2});  // T' = 3
  std::vector<const Trajectory*> ptrs = {t.get()};
  auto batch = BuildTrajectoryBatch(task, ptrs, /*partial_energies=*/false);
  ASSERT_TRUE(batch.ok());
  const int64_t L = batch->max_length;
  torch::Tensor phi = torch::zeros({1, L});
  phi[0][0] = 0.5;
  phi[0][1] = -1.0;
  phi[0][2] = 2.0;
  torch::Tensor keep = torch::zeros({1, L});
  keep[0][0] = 1;
  keep[0][2] = 1;
  const double e = t->energy, mean = (0.5 + 2.0) / 2;
  EXPECT_NEAR(DecompositionLoss(phi, keep, *batch).item<double>(),
              std::pow(e / 3 - mean, 2), 1e-5);
  EXPECT_NEAR(DecompositionLoss(phi, keep, *batch, true).item<double>(),
              std::pow(e - 3 * mean, 2), 1e-4);
}

// The state-pair (paper "ssr") policy: the logit of an action is the scorer
// on the encodings of the state and of the neighbour the action leads to.
TEST(StatePairPolicyTest, ScoresEachActionByTheNeighbourItLeadsTo) {
  BagTask task = TinyBag();
  const State s = {1, 0};
  std::vector<NetworkRow> rows = {NetworkRow{&task, &s}};
  auto input = BuildNetworkInput(task, rows, {1}, /*transitions=*/false,
                                 /*pinned=*/false, /*neighbours=*/true);
  ASSERT_TRUE(input.ok()) << input.status();
  auto features = [&task](State x) {
    std::vector<float> f(task.feature_size());
    task.Features(x, f.data());
    return torch::tensor(f);
  };
  const torch::Tensor zeros = torch::zeros({task.feature_size()});
  // Forward: add a -> {2,0}, add b -> {1,1}; stop is invalid below size 3.
  EXPECT_TRUE(torch::equal(input->forward_neighbours[0][0], features({2, 0})));
  EXPECT_TRUE(torch::equal(input->forward_neighbours[0][1], features({1, 1})));
  EXPECT_TRUE(torch::equal(input->forward_neighbours[0][2], zeros));
  // Backward: remove a -> {0,0}; remove b is invalid.
  EXPECT_TRUE(torch::equal(input->backward_neighbours[0][0], features({0, 0})));
  EXPECT_TRUE(torch::equal(input->backward_neighbours[0][1], zeros));
  // At the full size the stop's neighbour is the state itself.
  const State full = {2, 1};
  std::vector<NetworkRow> full_rows = {NetworkRow{&task, &full}};
  auto full_input = BuildNetworkInput(task, full_rows, {1}, false, false, true);
  ASSERT_TRUE(full_input.ok());
  EXPECT_TRUE(torch::equal(full_input->forward_neighbours[0][2], features(full)));

  PolicyNet policy(PolicyNetOptionsFor(task, 8, 2, PolicyArchitecture::kStatePair));
  ASSERT_TRUE(policy->options().needs_neighbours());
  PolicyOutputs out = policy->forward(*input);
  auto module = [&policy](const std::string& name) {
    return policy->named_children()[name]->as<MlpImpl>();
  };
  torch::NoGradGuard no_grad;
  auto score = [&](const char* encoder, const char* scorer, State next) {
    torch::Tensor pair = torch::cat({module(encoder)->forward(features(s)),
                                     module(encoder)->forward(features(next))});
    return module(scorer)->forward(pair).item<double>();
  };
  EXPECT_NEAR(out.forward_logits[0][1].item<double>(),
              score("forward_encoder", "forward_scorer", {1, 1}), 1e-5);
  EXPECT_NEAR(out.backward_logits[0][0].item<double>(),
              score("backward_encoder", "backward_scorer", {0, 0}), 1e-5);
  EXPECT_NEAR(out.log_flow[0].item<double>(),
              module("flow_net")->forward(features(s)).item<double>(), 1e-5);
}

TEST(BagFeaturesTest, CountsAreThePapersNineFeatures) {
  BagTask task;  // 7 letters, size 13, threshold 7
  task.set_features(BagFeatures::kCounts);
  ASSERT_EQ(task.feature_size(), 9);
  std::vector<float> f(9);
  task.Features({3, 0, 1, 0, 0, 2, 0}, f.data());
  EXPECT_EQ(f, (std::vector<float>{3, 0, 1, 0, 0, 2, 0, 3, 0}));
  task.Features({7, 0, 1, 0, 0, 2, 0}, f.data());
  EXPECT_EQ(f, (std::vector<float>{7, 0, 1, 0, 0, 2, 0, 7, 1}));
  EXPECT_EQ(ParseBagFeatures("counts").value(), BagFeatures::kCounts);
  EXPECT_FALSE(ParseBagFeatures("paper").ok());
}

}  // namespace
}  // namespace ledgfn
