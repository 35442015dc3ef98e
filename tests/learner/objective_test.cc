// Every objective on a tiny hand-built batch against values computed in the
// test, plus the identities of DESIGN §2.1-2.2, on the device of
// LEDGFN_TEST_DEVICE (tests/test_device.h).
#include <cmath>
#include <memory>
#include <numeric>
#include <random>
#include <vector>

#include "tasks/hypergrid/hypergrid_task.h"
#include "model/policy_net.h"
#include "gtest/gtest.h"
#include "learner/balance_loss.h"
#include "learner/credit_assignment.h"
#include "learner/decomposition_loss.h"
#include "learner/policy_loss.h"
#include "learner/trainer.h"
#include "learner/trajectory_batch.h"
#include "tests/test_device.h"

namespace ledgfn {
namespace {

// Hypergrid D=2, H=3: actions 0 (+x), 1 (+y), 2 (stop); backward 0 (-x), 1 (-y).
// tau1 = +x +x +y stop: (0,0) (1,0) (2,0) (2,1) -> x = (2,1), T = 4, T' = 3.
// tau2 = stop at the origin: T = 1, T' = 0.
class ObjectiveTest : public ::testing::Test {
 protected:
  ObjectiveTest() : task_(2, 3, 0.1, 0.5, 2.0) {
    tau1_.actions = {0, 0, 1, 2};
    tau1_.energy = task_.Energy({2, 1});
    tau1_.partial_energies = {task_.PartialEnergy({0, 0}), task_.PartialEnergy({1, 0}),
                              task_.PartialEnergy({2, 0}), task_.PartialEnergy({2, 1})};
    tau2_.actions = {2};
    tau2_.energy = task_.Energy({0, 0});
    tau2_.partial_energies = {task_.PartialEnergy({0, 0})};
    batch_ = BuildTrajectoryBatch(task_, {&tau1_, &tau2_}, true)->To(TestDevice());
    // Network outputs: the same forward logits (1, 2, 3) and backward
    // logits (0.5, -0.5) at every state; log-flows 0.3 * t - 0.2 * b.
    const int64_t L = batch_.max_length;  // 4
    out_.forward_logits =
        torch::tensor({1.0f, 2.0f, 3.0f}).view({1, 1, 3}).expand({2, L + 1, 3});
    out_.backward_logits =
        torch::tensor({0.5f, -0.5f}).view({1, 1, 2}).expand({2, L + 1, 2});
    out_.log_flow = torch::zeros({2, L + 1});
    for (int b = 0; b < 2; ++b)
      for (int t = 0; t <= L; ++t) out_.log_flow[b][t] = flow(b, t);
    for (torch::Tensor* t : {&out_.forward_logits, &out_.backward_logits, &out_.log_flow}) {
      *t = t->to(TestDevice());
    }
  }
  static torch::Tensor Scalar(double v) { return torch::tensor(v).to(TestDevice()); }

  static double flow(int b, int t) { return 0.3 * t - 0.2 * b; }
  static double lse(std::vector<double> v) {
    double m = *std::max_element(v.begin(), v.end()), s = 0;
    for (double x : v) s += std::exp(x - m);
    return m + std::log(s);
  }

  // Hand-derived per-transition log P_F - log P_B of tau1 and tau2.
  std::vector<double> Ratios1() const {
    const double all = lse({1, 2, 3});
    const double no_x = lse({2, 3});  // at x = 2 the +x action is masked
    return {
        (1 - all) - 0.0,                  // (0,0)->(1,0); one parent
        (1 - all) - 0.0,                  // (1,0)->(2,0); one parent
        (2 - no_x) - (-0.5 - lse({0.5, -0.5})),  // (2,0)->(2,1); parents -x,-y
        (3 - no_x),                       // stop: log P_B = 0
    };
  }
  double Ratio2() const { return 3 - lse({1, 2, 3}); }

  // The objective by explicit loops over spans (the definition).
  static double SpanLoss(const std::vector<double>& logf,
                         const std::vector<double>& d, int mode,
                         double lambda) {
    const int T = static_cast<int>(d.size());
    double num = 0, den = 0;
    for (int i = 0; i < T; ++i) {
      for (int j = i + 1; j <= T; ++j) {
        double r = logf[i] - logf[j];
        for (int k = i; k < j; ++k) r += d[k];
        double w = mode == 0 ? (i == 0 && j == T)
                 : mode == 1 ? (j == i + 1)
                             : std::pow(lambda, j - i);
        num += w * r * r;
        den += w;
      }
    }
    return num / den;
  }

  double Loss(const CreditAssignment& credits, SpanWeighting w, double lambda,
              double log_z) {
    torch::Tensor weights = SpanWeights(batch_.lengths, batch_.max_length, w, lambda);
    return PolicyLoss(PolicyLossInputs{&out_, Scalar(log_z), &batch_,
                                       &credits, weights, false})
        .item<double>();
  }

  HypergridTask task_;
  Trajectory tau1_, tau2_;
  TrajectoryBatch batch_;
  PolicyOutputs out_;
};

TEST_F(ObjectiveTest, BatchLayoutAndStopHasUnitBackwardProbability) {
  EXPECT_EQ(batch_.max_length, 4);
  EXPECT_EQ(batch_.lengths[0].item<int64_t>(), 4);
  EXPECT_EQ(batch_.nonstop_lengths[0].item<int64_t>(), 3);
  EXPECT_EQ(batch_.nonstop_lengths[1].item<int64_t>(), 0);
  torch::Tensor d = TransitionLogRatios(out_, batch_, false);
  const auto r1 = Ratios1();
  for (int t = 0; t < 4; ++t) EXPECT_NEAR(d[0][t].item<double>(), r1[t], 1e-6) << t;
  EXPECT_NEAR(d[1][0].item<double>(), Ratio2(), 1e-6);
  for (int t = 1; t < 4; ++t) EXPECT_EQ(d[1][t].item<double>(), 0.0);
}

TEST_F(ObjectiveTest, TrajectoryBalanceByHand) {
  const double log_z = 0.7;
  const auto r1 = Ratios1();
  const double res1 = log_z + std::accumulate(r1.begin(), r1.end(), 0.0) + tau1_.energy;
  const double res2 = log_z + Ratio2() + tau2_.energy;
  EXPECT_NEAR(Loss(PlainCredits(batch_), SpanWeighting::kTrajectory, 0, log_z),
              (res1 * res1 + res2 * res2) / 2, 1e-5);
}

TEST_F(ObjectiveTest, DetailedBalanceBoundaries) {
  const double log_z = 0.7;
  // log F(s_0) = log Z, interior = network, log F(s_T) = -E(x).
  std::vector<double> f1 = {log_z, flow(0, 1), flow(0, 2), flow(0, 3), -tau1_.energy};
  std::vector<double> f2 = {log_z, -tau2_.energy};
  const double expected =
      (SpanLoss(f1, Ratios1(), 1, 0) + SpanLoss(f2, {Ratio2()}, 1, 0)) / 2;
  EXPECT_NEAR(Loss(PlainCredits(batch_), SpanWeighting::kDetailed, 0, log_z),
              expected, 1e-5);
  // DB of tau2 is its single span: (log Z + log P_F(stop) + E)^2.
  const double r2 = log_z + Ratio2() + tau2_.energy;
  EXPECT_NEAR(SpanLoss(f2, {Ratio2()}, 1, 0), r2 * r2, 1e-12);
}

TEST_F(ObjectiveTest, SubTrajectoryBalanceWeightsNormalisedPerTrajectory) {
  const double log_z = -0.4, lambda = 0.9;
  std::vector<double> f1 = {log_z, flow(0, 1), flow(0, 2), flow(0, 3), -tau1_.energy};
  std::vector<double> f2 = {log_z, -tau2_.energy};
  const double expected = (SpanLoss(f1, Ratios1(), 2, lambda) +
                           SpanLoss(f2, {Ratio2()}, 2, lambda)) / 2;
  EXPECT_NEAR(Loss(PlainCredits(batch_), SpanWeighting::kSubTrajectory, lambda, log_z),
              expected, 1e-5);
  torch::Tensor w = SpanWeights(batch_.lengths, 4, SpanWeighting::kSubTrajectory, lambda);
  EXPECT_NEAR(w[0].sum().item<double>(), 1.0, 1e-6);
  EXPECT_NEAR(w[1].sum().item<double>(), 1.0, 1e-6);
  // lambda^(j-i): span (0,2) weighs lambda times span (0,1) in tau1.
  EXPECT_NEAR(w[0][0][2].item<double>() / w[0][0][1].item<double>(), lambda, 1e-6);
  // Nothing outside 0 <= i < j <= T_b.
  EXPECT_EQ(w[1].narrow(1, 2, 3).abs().sum().item<double>(), 0.0);
  EXPECT_EQ(w[0][2][1].item<double>(), 0.0);
}

TEST_F(ObjectiveTest, ForwardLookingCreditsAndZeroTerminalBoundary) {
  const double log_z = 0.25;
  CreditAssignment fl = PartialEnergyCredits(batch_);
  const auto& e = tau1_.partial_energies;
  std::vector<double> d = Ratios1();
  for (int t = 0; t < 3; ++t) d[t] += e[t + 1] - e[t];  // stop credit is 0
  EXPECT_EQ(fl.credits[0][3].item<double>(), 0.0);
  std::vector<double> f1 = {log_z, flow(0, 1), flow(0, 2), flow(0, 3), 0.0};
  std::vector<double> f2 = {log_z, 0.0};
  const double expected = (SpanLoss(f1, d, 2, 0.9) + SpanLoss(f2, {Ratio2()}, 2, 0.9)) / 2;
  EXPECT_NEAR(Loss(fl, SpanWeighting::kSubTrajectory, 0.9, log_z), expected, 1e-5);
}

TEST_F(ObjectiveTest, LedCreditsRedistributeToTheEnergyAndStopCarriesNothing) {
  torch::Tensor phi = torch::tensor({{0.4f, -1.3f, 2.2f, 99.0f}, {5.0f, 6.0f, 7.0f, 8.0f}})
                          .to(TestDevice());
  CreditAssignment led = LearnedCredits(phi, batch_, LedVariant::kRedistribute);
  const double share = (tau1_.energy - (0.4 - 1.3 + 2.2)) / 3;
  EXPECT_NEAR(led.credits[0][0].item<double>(), 0.4 + share, 1e-6);
  EXPECT_NEAR(led.credits[0][2].item<double>(), 2.2 + share, 1e-6);
  EXPECT_EQ(led.credits[0][3].item<double>(), 0.0);  // stop: 0 (99 ignored)
  EXPECT_NEAR(led.credits[0].sum().item<double>(), tau1_.energy, 1e-6);
  // T' = 0: the stop carries the whole energy.
  EXPECT_NEAR(led.credits[1][0].item<double>(), tau2_.energy, 1e-6);
  EXPECT_EQ(led.terminal_log_flow.abs().sum().item<double>(), 0.0);

  const double log_z = 0.1;
  std::vector<double> d = Ratios1();
  for (int t = 0; t < 3; ++t) d[t] += led.credits[0][t].item<double>();
  std::vector<double> f1 = {log_z, flow(0, 1), flow(0, 2), flow(0, 3), 0.0};
  std::vector<double> f2 = {log_z, 0.0};
  const double expected =
      (SpanLoss(f1, d, 1, 0) + SpanLoss(f2, {Ratio2() + tau2_.energy}, 1, 0)) / 2;
  EXPECT_NEAR(Loss(led, SpanWeighting::kDetailed, 0, log_z), expected, 1e-5);
}

TEST_F(ObjectiveTest, LedStarTerminalBoundaryIsSumOfPotentialsMinusEnergy) {
  torch::Tensor phi = torch::tensor({{0.4f, -1.3f, 2.2f, 99.0f}, {5.0f, 6.0f, 7.0f, 8.0f}})
                          .to(TestDevice());
  CreditAssignment star = LearnedCredits(phi, batch_, LedVariant::kCorrection);
  EXPECT_NEAR(star.terminal_log_flow[0].item<double>(), 0.4 - 1.3 + 2.2 - tau1_.energy, 1e-6);
  EXPECT_NEAR(star.terminal_log_flow[1].item<double>(), -tau2_.energy, 1e-6);
  EXPECT_NEAR(star.credits[0][1].item<double>(), -1.3, 1e-6);
  EXPECT_EQ(star.credits[0][3].item<double>(), 0.0);
}

TEST_F(ObjectiveTest, FullSpanOfAnyCreditsIsTrajectoryBalanceWithSummedCredits) {
  std::mt19937_64 rng(7);
  std::normal_distribution<float> normal;
  for (int trial = 0; trial < 5; ++trial) {
    torch::Tensor c = torch::zeros({2, 4});
    for (int t = 0; t < 4; ++t) c[0][t] = normal(rng);
    c[1][0] = normal(rng);
    c = c.to(TestDevice());
    CreditAssignment credits{c, torch::zeros({2}, TestDevice())};
    const double log_z = normal(rng);
    torch::Tensor terms = TransitionLogRatios(out_, batch_, false) + c;
    torch::Tensor flows = StateLogFlows(out_.log_flow, Scalar(log_z), batch_,
                                        credits.terminal_log_flow);
    torch::Tensor r = SpanResiduals(flows, terms);
    const auto r1 = Ratios1();
    const double tb1 = log_z + std::accumulate(r1.begin(), r1.end(), 0.0) +
                       c[0].sum().item<double>();
    EXPECT_NEAR(r[0][0][4].item<double>(), tb1, 1e-5);
    EXPECT_NEAR(r[1][0][1].item<double>(), log_z + Ratio2() + c[1][0].item<double>(), 1e-5);
  }
  // And with exact FL credits and lambda -> infinity, FL-SubTB is TB (the
  // credits telescope to E(x) - E(s_0), absorbed by log Z).
  const double log_z = 0.3;
  const double shift = task_.PartialEnergy({0, 0});
  CreditAssignment fl = PartialEnergyCredits(batch_);
  const double sub = Loss(fl, SpanWeighting::kSubTrajectory, 1e6, log_z + shift);
  const double tb = Loss(PlainCredits(batch_), SpanWeighting::kTrajectory, 0, log_z);
  EXPECT_NEAR(sub, tb, 1e-4 * std::max(1.0, tb));
}

// A trajectory that carries its states (the learner's replay source attaches
// what validation replayed) is not replayed again: the batch is built from
// the states it carries. Shown with states that are legal but not those of
// its actions, which only a builder that reads them can pick up.
TEST(TrajectoryBatchTest, CarriedStatesAreUsedInsteadOfReplaying) {
  HypergridTask task(2, 3, 0.1, 0.5, 2.0);
  Trajectory x_first, y_first;
  x_first.actions = {0, 1, 2};  // (0,0) (1,0) (1,1)
  y_first.actions = {1, 0, 2};  // (0,0) (0,1) (1,1)
  x_first.energy = y_first.energy = task.Energy({1, 1});
  Trajectory carrier = x_first;
  carrier.states = std::make_shared<const std::vector<State>>(
      *task.Replay(y_first.actions));
  auto features = [&task](const Trajectory& t) {
    return BuildTrajectoryBatch(task, {&t}, false)->states.features;
  };
  ASSERT_FALSE(torch::equal(features(x_first), features(y_first)));
  EXPECT_TRUE(torch::equal(features(carrier), features(y_first)));
  // With the states of its own actions, the batch is the replayed one.
  carrier.states = std::make_shared<const std::vector<State>>(
      *task.Replay(x_first.actions));
  const TrajectoryBatch carried = *BuildTrajectoryBatch(task, {&carrier}, false);
  const TrajectoryBatch replayed = *BuildTrajectoryBatch(task, {&x_first}, false);
  EXPECT_TRUE(torch::equal(carried.states.features, replayed.states.features));
  EXPECT_TRUE(torch::equal(carried.transitions.features, replayed.transitions.features));
  EXPECT_TRUE(torch::equal(carried.forward_mask, replayed.forward_mask));
  EXPECT_TRUE(torch::equal(carried.backward_mask, replayed.backward_mask));
  EXPECT_TRUE(torch::equal(carried.uniform_log_pb, replayed.uniform_log_pb));
}

TEST(DecompositionLossTest, FixedMaskByHand) {
  HypergridTask task(2, 4, 0.1, 0.5, 2.0);
  Trajectory a, b;
  a.actions = {0, 1, 1, 2};  // T' = 3
  a.energy = 1.7;
  b.actions = {2};  // T' = 0: skipped
  b.energy = 0.4;
  TrajectoryBatch batch = BuildTrajectoryBatch(task, {&a, &b}, false)->To(TestDevice());
  torch::Tensor phi =
      torch::tensor({{0.2f, 0.5f, -0.1f, 9.0f}, {1.0f, 1.0f, 1.0f, 1.0f}}).to(TestDevice());
  torch::Tensor keep =
      torch::tensor({{1.0f, 0.0f, 1.0f, 0.0f}, {0.0f, 0.0f, 0.0f, 0.0f}}).to(TestDevice());
  // C = 2 kept transitions: (1.7/3 - (0.2 - 0.1)/2)^2, averaged over the one
  // trajectory with T' > 0.
  const double expected = std::pow(1.7 / 3 - 0.1 / 2, 2);
  EXPECT_NEAR(DecompositionLoss(phi, keep, batch).item<double>(), expected, 1e-6);
}

TEST(DecompositionLossTest, AllDroppedKeepsExactlyOneAndRuleOfDropout) {
  HypergridTask task(2, 8, 0.1, 0.5, 2.0);
  Trajectory a;
  a.actions = {0, 0, 1, 1, 0, 2};
  TrajectoryBatch batch = BuildTrajectoryBatch(task, {&a}, false)->To(TestDevice());
  std::mt19937_64 rng(3);
  for (int i = 0; i < 50; ++i) {
    torch::Tensor keep = DrawKeepMask(batch, 0.999999, rng);
    EXPECT_EQ(keep.sum().item<double>(), 1.0);
    EXPECT_EQ(keep[0][5].item<double>(), 0.0);  // never the stop
  }
  torch::Tensor all = DrawKeepMask(batch, 0.0, rng);
  EXPECT_EQ(all.sum().item<double>(), 5.0);
  EXPECT_EQ(DropoutProbability(-1, 9), 0.1);
  EXPECT_EQ(DropoutProbability(-1, 10), 0.2);
  EXPECT_EQ(DropoutProbability(0.3, 4), 0.3);
}

TEST(TrainerTest, PolicyLossSendsNoGradientIntoThePotential) {
  HypergridTask task(2, 4, 0.1, 0.5, 2.0);
  TrainerOptions options;
  options.objective = Objective::kLEDSubTB;
  options.hidden = 16;
  options.device = TestDevice();
  auto trainer = *Trainer::Create(task, options);
  Trajectory a;
  a.actions = {0, 1, 1, 2};
  a.energy = task.Energy({1, 2});
  TrajectoryBatch batch = BuildTrajectoryBatch(task, {&a}, false)->To(TestDevice());
  torch::Tensor loss = *trainer->ComputePolicyLoss(batch);
  loss.backward();
  for (const auto& p : trainer->potential()->parameters()) {
    EXPECT_FALSE(p.grad().defined() && p.grad().abs().sum().item<double>() > 0);
  }
  double policy_grad = 0;
  for (const auto& p : trainer->policy()->parameters())
    if (p.grad().defined()) policy_grad += p.grad().abs().sum().item<double>();
  EXPECT_GT(policy_grad, 0);
}

TEST(TrainerTest, RejectsBadOptions) {
  HypergridTask task(2, 4, 0.1, 0.5, 2.0);
  TrainerOptions options;
  options.subtb_lambda = -1;
  EXPECT_EQ(Trainer::Create(task, options).status().code(), absl::StatusCode::kInvalidArgument);
  options.subtb_lambda = 0.9;
  options.led_dropout = 1.0;
  EXPECT_EQ(Trainer::Create(task, options).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(TrainerTest, InvalidTrajectoryIsAnErrorNotACrash) {
  HypergridTask task(2, 4, 0.1, 0.5, 2.0);
  TrainerOptions options;
  options.device = TestDevice();
  auto trainer = *Trainer::Create(task, options);
  auto bad = std::make_shared<Trajectory>();
  bad->actions = {0, 0, 0, 0, 2};  // walks off the grid
  EXPECT_EQ(trainer->PolicyStep({bad}).status().code(), absl::StatusCode::kInvalidArgument);
  // An unusable energy is bad data, not a bad program: the trajectory is
  // dropped and counted, and with nothing left the step is skipped
  // (bad_energy_test.cc has the rest).
  auto nan = std::make_shared<Trajectory>();
  nan->actions = {2};
  nan->energy = std::nan("");
  auto skipped = trainer->PolicyStep({nan});
  ASSERT_TRUE(skipped.ok()) << skipped.status();
  EXPECT_TRUE(std::isnan(*skipped));
  EXPECT_EQ(trainer->dropped().nonfinite_energy, 1);
}

}  // namespace
}  // namespace ledgfn
