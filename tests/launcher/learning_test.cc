// Learning end to end through the embedded trainer, with fixed seeds and
// exact evaluation (DESIGN §2.6). Each case runs well under 60 s on 2 cores.
// The learner trains on the device of LEDGFN_TEST_DEVICE (tests/test_device.h).
#include <torch/torch.h>

#include "tasks/registry.h"
#include "gtest/gtest.h"
#include "local/embedded_trainer.h"
#include "tests/test_device.h"

namespace ledgfn {
namespace {

std::unique_ptr<Task> Hypergrid2D() {
  TaskOptions t;
  t.name = "hypergrid";
  t.hypergrid_dim = 2;
  t.hypergrid_side = 8;
  return *MakeTask(t);
}

EmbeddedOptions HypergridOptions(Objective objective) {
  EmbeddedOptions o;
  o.trainer.objective = objective;
  o.trainer.subtb_lambda = 0.9;
  o.trainer.policy_lr = 1e-3;
  o.trainer.log_z_lr = 0.1;
  o.trainer.hidden = 64;
  o.trainer.seed = 1;
  o.trainer.device = TestDevice();
  o.batch_size = 16;
  o.rounds = 2000;
  o.eval_every = 2000;
  return o;
}

class HypergridLearningTest : public ::testing::TestWithParam<Objective> {
 protected:
  void SetUp() override { torch::set_num_threads(1); }
};

TEST_P(HypergridLearningTest, ReachesExactTarget) {
  auto task = Hypergrid2D();
  auto rows = RunEmbedded(*task, HypergridOptions(GetParam()), {});
  ASSERT_TRUE(rows.ok()) << rows.status();
  const EvalRow& first = rows->front();
  const EvalRow& last = rows->back();
  EXPECT_NEAR(last.exact_log_z, 3.1091, 1e-4);
  ASSERT_TRUE(last.l1.has_value());
  EXPECT_GT(*first.l1, 0.5);  // the untrained policy is far off
  EXPECT_LT(*last.l1, 0.05);
  EXPECT_LT(std::abs(last.log_z - 3.1091), 0.05);
  EXPECT_EQ(last.modes, 4);  // hypergrid 8x8 has four mode cells
}

INSTANTIATE_TEST_SUITE_P(TbAndSubTb, HypergridLearningTest,
                         ::testing::Values(Objective::kTB, Objective::kSubTB),
                         [](const auto& info) {
                           return info.param == Objective::kTB ? "TB" : "SubTB";
                         });

TEST(BagLearningTest, LedSubTbFindsModesAndHalvesExactL1) {
  torch::set_num_threads(1);
  TaskOptions t;
  t.name = "bag";
  auto task = *MakeTask(t);
  EmbeddedOptions o;
  const TaskDefaults d = task->defaults();
  o.trainer.objective = Objective::kLEDSubTB;
  o.trainer.subtb_lambda = d.subtb_lambda;
  o.trainer.policy_lr = d.policy_lr;
  o.trainer.log_z_lr = d.log_z_lr;
  o.trainer.potential_lr = d.potential_lr;
  o.trainer.hidden = d.hidden;
  o.trainer.seed = 0;
  o.trainer.device = TestDevice();
  o.batch_size = d.batch_size;
  o.replay_batch_size = d.replay_batch_size;
  o.epsilon = d.epsilon;
  o.rounds = BAG_TEST_ROUNDS;
  o.eval_every = o.rounds;
  auto rows = RunEmbedded(*task, o, {});
  ASSERT_TRUE(rows.ok()) << rows.status();
  const EvalRow& first = rows->front();
  const EvalRow& last = rows->back();
  EXPECT_GT(last.modes, 0);
  ASSERT_TRUE(first.l1 && last.l1);
  EXPECT_LT(*last.l1, *first.l1 / 2) << "from " << *first.l1;
}

TEST(EmbeddedTest, ActorThreadsTrainAndStopCleanly) {
  torch::set_num_threads(1);
  auto task = Hypergrid2D();
  EmbeddedOptions o = HypergridOptions(Objective::kLEDSubTB);
  o.actors = 2;
  o.rounds = 150;
  o.eval_every = 50;
  o.trainer.potential_steps = 2;
  auto rows = RunEmbedded(*task, o, {});
  ASSERT_TRUE(rows.ok()) << rows.status();
  // Fresh batches only: every trained trajectory was sampled, and actors
  // lead by at most the limiter's bound.
  EXPECT_GE(rows->back().trajectories, 150 * 16);
  EXPECT_LE(rows->back().trajectories, 150 * 16 + 16 * 3 + 2 * 16);
  EXPECT_LT(*rows->back().l1, *rows->front().l1);
}

TEST(EmbeddedTest, RejectsBadOptions) {
  auto task = Hypergrid2D();
  EmbeddedOptions o = HypergridOptions(Objective::kTB);
  o.batch_size = 0;
  EXPECT_EQ(RunEmbedded(*task, o, {}).status().code(),
            absl::StatusCode::kInvalidArgument);
  o = HypergridOptions(Objective::kTB);
  o.replay_selector = Selector::kFresh;  // not a drawing selector
  EXPECT_EQ(RunEmbedded(*task, o, {}).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace ledgfn
