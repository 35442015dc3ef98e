// MIS through the embedded trainer (issue "maximum independent set"):
//  * on one fixed tiny graph, TB and LED-SubTB drive the exact L1 between
//    the policy's terminal distribution and R(x) = exp(|I|) / Z under 0.05;
//  * every objective trains on a family of graphs and reports the test-set
//    evaluation (mean and best |I| against the greedy baseline).
#include <torch/torch.h>

#include <cmath>
#include <fstream>
#include <string>

#include "tasks/mis/mis_task.h"
#include "gtest/gtest.h"
#include "local/embedded_trainer.h"
#include "tests/test_device.h"
#include "tasks/registry.h"

namespace ledgfn {
namespace {

// A 6-node graph whose maximal independent sets have sizes 2 and 3.
std::unique_ptr<Task> TinyGraph() {
  const std::string path = ::testing::TempDir() + "/tiny_mis.txt";
  std::ofstream(path) << "# 6-node test graph\nn 6\n0 1\n1 2\n2 3\n3 4\n4 5\n1 4\n";
  TaskOptions t;
  t.name = "mis";
  t.mis_edge_list_files = {path};
  auto task = MakeTask(t);
  EXPECT_TRUE(task.ok()) << task.status();
  return *std::move(task);
}

class MisTinyGraphTest : public ::testing::TestWithParam<Objective> {
 protected:
  void SetUp() override { torch::set_num_threads(1); }
};

TEST_P(MisTinyGraphTest, ReachesExactTarget) {
  auto task = TinyGraph();
  ASSERT_TRUE(task->exactly_enumerable());
  EmbeddedOptions o;
  o.trainer.objective = GetParam();
  o.trainer.hidden = 32;
  o.trainer.layers = 3;  // learning rates: the defaults
  o.trainer.potential_steps = 4;
  o.trainer.seed = 3;
  o.trainer.uniform_backward = true;
  o.trainer.device = TestDevice();
  o.batch_size = 16;
  o.rounds = MIS_TEST_ROUNDS;
  o.eval_every = o.rounds;
  o.test_samples = 4;
  auto rows = RunEmbedded(*task, o, {});
  ASSERT_TRUE(rows.ok()) << rows.status();
  const EvalRow& first = rows->front();
  const EvalRow& last = rows->back();
  ASSERT_TRUE(first.l1 && last.l1);
  EXPECT_GT(*first.l1, 0.1);  // the untrained policy is off
  EXPECT_LT(*last.l1, 0.05) << "from " << *first.l1;
  // log F(s_0), the conditional log Z, matches the exact one.
  EXPECT_LT(*last.log_z_error, 0.1);
}

INSTANTIATE_TEST_SUITE_P(TbAndLedSubTb, MisTinyGraphTest,
                         ::testing::Values(Objective::kTB, Objective::kLEDSubTB),
                         [](const auto& info) {
                           return info.param == Objective::kTB ? "TB"
                                                               : "LEDSubTB";
                         });

class MisFamilyTest : public ::testing::TestWithParam<Objective> {
 protected:
  void SetUp() override { torch::set_num_threads(1); }
};

TEST_P(MisFamilyTest, TrainsAndEvaluatesOnTestGraphs) {
  TaskOptions t;
  t.name = "mis";
  t.mis_family = "er-16-0.2";
  t.mis_train_instances = 8;
  t.mis_test_instances = 3;
  auto task = MakeTask(t);
  ASSERT_TRUE(task.ok()) << task.status();
  EmbeddedOptions o;
  o.trainer.objective = GetParam();
  o.trainer.hidden = 16;
  o.trainer.layers = 2;
  o.trainer.potential_steps = 2;
  o.trainer.device = TestDevice();
  o.trainer.reward_exponent = 1.0;
  o.trainer.reward_exponent_final = 2.0;
  o.trainer.reward_exponent_anneal_steps = 10;
  o.batch_size = 8;
  o.rounds = 20;
  o.eval_every = 10;
  o.test_samples = 5;
  auto rows = RunEmbedded(**task, o, {});
  ASSERT_TRUE(rows.ok()) << rows.status();
  ASSERT_EQ(rows->size(), 3u);
  for (const EvalRow& row : *rows) {
    ASSERT_TRUE(row.test_mean_energy && row.test_best_energy &&
                row.baseline_energy);
    // Energies are -|I|: at least one node per set on graphs with nodes.
    EXPECT_LE(*row.test_best_energy, *row.test_mean_energy);
    EXPECT_LE(*row.test_mean_energy, -1.0);
    EXPECT_LE(*row.baseline_energy, -1.0);
    EXPECT_EQ(row.modes, 0);
  }
  EXPECT_EQ(rows->back().trajectories, 20 * 8);
  EXPECT_TRUE(std::isfinite(rows->back().policy_loss));
  EXPECT_TRUE(std::isfinite(rows->back().log_z));
  EXPECT_EQ(rows->back().skipped_steps, 0);
}

INSTANTIATE_TEST_SUITE_P(
    AllObjectives, MisFamilyTest,
    ::testing::Values(Objective::kTB, Objective::kDB, Objective::kSubTB,
                      Objective::kFLDB, Objective::kFLSubTB, Objective::kLEDDB,
                      Objective::kLEDSubTB),
    [](const auto& info) {
      std::string name = ObjectiveName(info.param);
      for (char& c : name) {
        if (c == '-') c = '_';
      }
      return name;
    });

}  // namespace
}  // namespace ledgfn
