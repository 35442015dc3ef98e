// Learner batches of MIS trajectories on graphs of different sizes: masks
// padded per instance, graph rows per (trajectory, position), uniform P_B
// over the selected nodes, and the policy loss of a mixed batch equal to
// the mean of the per-trajectory losses (disjoint-union batching and
// padding change nothing).
#include <unistd.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "tasks/mis/mis_task.h"
#include "gtest/gtest.h"
#include "learner/trainer.h"
#include "learner/trajectory_batch.h"

namespace ledgfn {
namespace {

// Per process: ctest runs these tests in parallel processes, and one must
// not truncate a file another is reading.
std::string WriteFile(const std::string& name, const std::string& text) {
  const std::string path =
      ::testing::TempDir() + "/" + std::to_string(getpid()) + "-" + name;
  std::ofstream(path) << text;
  return path;
}

// Instance 0: path 0-1-2-3 (4 nodes); instance 1: star centred on 0 with
// leaves 1..5 (6 nodes).
std::unique_ptr<MisFamilyTask> TwoGraphs() {
  MisFamilyOptions o;
  o.edge_list_files = {WriteFile("path4.txt", "0 1\n1 2\n2 3\n"),
                       WriteFile("star6.txt", "0 1\n0 2\n0 3\n0 4\n0 5\n")};
  auto task = MisFamilyTask::Create(o);
  EXPECT_TRUE(task.ok()) << task.status();
  return *std::move(task);
}

Trajectory On(const MisFamilyTask& task, uint64_t seed,
              std::vector<int32_t> actions) {
  Trajectory t;
  t.instance = InstanceId{task.family(), seed};
  t.actions = std::move(actions);
  t.energy = -static_cast<double>(t.actions.size());
  return t;
}

TEST(MisBatchTest, PadsMasksAndRowsPerInstance) {
  auto task = TwoGraphs();
  // Path: select 0 (excludes 1), then 2 (excludes 3): I = {0, 2}.
  // Star: select leaves 1..5 in turn (0 excluded at once): I = {1..5}.
  const Trajectory path = On(*task, 0, {0, 2});
  const Trajectory star = On(*task, 1, {3, 1, 2, 5, 4});
  std::vector<const Trajectory*> ptrs{&path, &star};
  auto batch = BuildTrajectoryBatch(*task, ptrs, /*with_partial_energies=*/false);
  ASSERT_TRUE(batch.ok()) << batch.status();
  EXPECT_EQ(batch->max_length, 5);
  ASSERT_EQ(batch->forward_mask.sizes(), (std::vector<int64_t>{2, 6, 6}));

  // s_0 of the path: nodes 0..3 valid, columns 4 and 5 beyond its graph.
  auto fm = batch->forward_mask.to(torch::kInt);
  EXPECT_EQ(fm[0][0].sum().item<int>(), 4);
  EXPECT_EQ(fm[0][0][4].item<int>(), 0);
  EXPECT_EQ(fm[0][0][5].item<int>(), 0);
  // After selecting 0 on the path, only 2 and 3 remain undecided.
  EXPECT_EQ(fm[0][1].sum().item<int>(), 2);
  // Star after selecting leaf 3: the centre is excluded, 4 leaves remain.
  EXPECT_EQ(fm[1][1].sum().item<int>(), 4);
  EXPECT_EQ(fm[1][1][0].item<int>(), 0);

  // Uniform P_B: 1/|S| at s_{t+1}, i.e. -log(t + 1).
  auto pb = batch->uniform_log_pb;
  EXPECT_NEAR(pb[0][0].item<float>(), 0.0, 1e-6);
  EXPECT_NEAR(pb[0][1].item<float>(), -std::log(2.0), 1e-6);
  EXPECT_NEAR(pb[0][2].item<float>(), 0.0, 1e-6);  // padding
  EXPECT_NEAR(pb[1][4].item<float>(), -std::log(5.0), 1e-6);

  // Graph rows: [2, 6] states, n_b nodes for t <= T'_b, empty beyond.
  const GraphBatch& states = batch->states.graph;
  ASSERT_TRUE(batch->states.is_graph());
  EXPECT_EQ(states.num_rows, 12);
  EXPECT_EQ(states.max_nodes, 6);
  auto counts = torch::bincount(states.node_row, {}, 12);
  const std::vector<int64_t> expected_counts = {4, 4, 4, 0, 0, 0,
                                                6, 6, 6, 6, 6, 6};
  for (int r = 0; r < 12; ++r) {
    EXPECT_EQ(counts[r].item<int64_t>(), expected_counts[r]) << "row " << r;
  }
  // Transition rows [2, 5]: (s_t, s_{t+1}) for t < T'_b, two label columns.
  const GraphBatch& pairs = batch->transitions.graph;
  EXPECT_EQ(pairs.num_rows, 10);
  EXPECT_EQ(pairs.node_labels.size(1), 2);
  EXPECT_EQ(pairs.node_labels.size(0), 2 * 4 + 5 * 6);
  // First pair of the path: s_0 all undecided -> s_1 = {0 selected, 1
  // excluded, 2 and 3 undecided}.
  const auto first = pairs.node_labels.narrow(0, 0, 4);
  EXPECT_TRUE(torch::equal(first.select(1, 0),
                           torch::full({4}, MisTask::kUndecided, torch::kLong)));
  EXPECT_TRUE(torch::equal(
      first.select(1, 1),
      torch::tensor({MisTask::kSelected, MisTask::kExcluded,
                     MisTask::kUndecided, MisTask::kUndecided},
                    torch::kLong)));
}

TEST(MisBatchTest, MixedBatchLossIsTheMeanOfSingleLosses) {
  auto task = TwoGraphs();
  const Trajectory path = On(*task, 0, {1, 3});
  const Trajectory star = On(*task, 1, {0});
  const Trajectory star2 = On(*task, 1, {2, 4, 1, 3, 5});
  for (Objective objective : {Objective::kTB, Objective::kSubTB,
                              Objective::kLEDSubTB}) {
    TrainerOptions o;
    o.objective = objective;
    o.hidden = 8;
    o.layers = 2;
    o.uniform_backward = true;
    auto trainer = Trainer::Create(*task, o);
    ASSERT_TRUE(trainer.ok());
    auto loss_of = [&](std::vector<const Trajectory*> ptrs) {
      auto batch = BuildTrajectoryBatch(*task, ptrs, false);
      EXPECT_TRUE(batch.ok()) << batch.status();
      return (*(*trainer)->ComputePolicyLoss(*batch)).item<double>();
    };
    const double mixed = loss_of({&path, &star, &star2});
    const double mean =
        (loss_of({&path}) + loss_of({&star}) + loss_of({&star2})) / 3;
    EXPECT_NEAR(mixed, mean, 1e-5 * std::max(1.0, std::abs(mean)))
        << ObjectiveName(objective);
  }
}

// GFlowNet-CombOpt's rounds train in minibatches: each pass covers every
// trajectory once, one Adam step per minibatch.
TEST(MisBatchTest, PolicyStepsCoverTheBatchOncePerPassInMinibatches) {
  auto task = TwoGraphs();
  std::vector<TrajectoryRef> refs;
  for (const Trajectory& t :
       {On(*task, 0, {1, 3}), On(*task, 1, {0}), On(*task, 1, {2, 4, 1, 3, 5}),
        On(*task, 0, {0, 2}), On(*task, 0, {3, 0})}) {
    refs.push_back(std::make_shared<const Trajectory>(t));
  }
  TrainerOptions o;
  o.objective = Objective::kDB;
  o.hidden = 8;
  o.layers = 2;
  o.uniform_backward = true;
  // Steps too small to change the loss: each minibatch's loss is the loss
  // of its trajectories under the initial networks.
  o.policy_lr = 1e-30;
  o.log_z_lr = 1e-30;
  o.policy_minibatch = 1;
  auto trainer = Trainer::Create(*task, o);
  ASSERT_TRUE(trainer.ok());
  std::vector<const Trajectory*> ptrs;
  for (const TrajectoryRef& r : refs) ptrs.push_back(r.get());
  auto whole = BuildTrajectoryBatch(*task, ptrs, false);
  ASSERT_TRUE(whole.ok());
  const double batch_loss =
      (*(*trainer)->ComputePolicyLoss(*whole)).item<double>();
  // Minibatches of one: the mean of the five single losses, i.e. the loss of
  // the whole batch, only if each trajectory was trained on exactly once.
  auto mean = (*trainer)->PolicySteps(refs);
  ASSERT_TRUE(mean.ok()) << mean.status();
  EXPECT_NEAR(*mean, batch_loss, 1e-5 * std::max(1.0, std::abs(batch_loss)));
  EXPECT_EQ((*trainer)->step(), 5);

  // 5 trajectories in minibatches of 2 (2, 2, 1), two passes: 6 steps.
  o.policy_minibatch = 2;
  o.policy_passes = 2;
  trainer = Trainer::Create(*task, o);
  ASSERT_TRUE(trainer.ok());
  ASSERT_TRUE((*trainer)->PolicySteps(refs).ok());
  EXPECT_EQ((*trainer)->step(), 6);

  // The default: one step on the whole batch, its loss.
  o.policy_minibatch = 0;
  o.policy_passes = 1;
  trainer = Trainer::Create(*task, o);
  ASSERT_TRUE(trainer.ok());
  auto one = (*trainer)->PolicySteps(refs);
  ASSERT_TRUE(one.ok());
  EXPECT_DOUBLE_EQ(*one, batch_loss);
  EXPECT_EQ((*trainer)->step(), 1);

  o.policy_minibatch = -1;
  EXPECT_FALSE(Trainer::Create(*task, o).ok());
}

TEST(MisBatchTest, RejectsForeignAndMissingInstances) {
  auto task = TwoGraphs();
  Trajectory foreign = On(*task, 0, {0, 2});
  foreign.instance.family = "rb200-300";
  Trajectory missing = On(*task, 0, {0, 2});
  missing.instance = InstanceId{};
  Trajectory illegal = On(*task, 0, {0, 1});  // 1 is excluded after 0
  for (const Trajectory* t : {&foreign, &missing, &illegal}) {
    std::vector<const Trajectory*> ptrs{t};
    EXPECT_EQ(BuildTrajectoryBatch(*task, ptrs, false).status().code(),
              absl::StatusCode::kInvalidArgument);
  }
}

}  // namespace
}  // namespace ledgfn
