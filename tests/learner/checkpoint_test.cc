// Learner checkpoints (learner/checkpoint.h) and the policy-version lease
// (learner/version_lease.h): a restored trainer continues bit for bit,
// unusable checkpoints are passed over, old ones pruned, incompatible
// flags rejected, and versions never repeat across restarts. Trainers run on
// the device of LEDGFN_TEST_DEVICE (tests/test_device.h).
#include "learner/checkpoint.h"

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "tasks/hypergrid/hypergrid_task.h"
#include "gtest/gtest.h"
#include "learner/version_lease.h"
#include "tests/test_device.h"

namespace ledgfn {
namespace {

namespace fs = std::filesystem;

// A trajectory of uniformly random valid forward actions from s_0.
TrajectoryRef RandomTrajectory(const Task& task, std::mt19937& rng) {
  auto t = std::make_shared<Trajectory>();
  State s = task.InitialState();
  std::vector<uint8_t> mask(task.num_forward_actions());
  while (true) {
    task.ForwardMask(s, mask.data());
    std::vector<int> valid;
    for (int a = 0; a < task.num_forward_actions(); ++a) {
      if (mask[a]) valid.push_back(a);
    }
    const int a = valid[std::uniform_int_distribution<int>(0, valid.size() - 1)(rng)];
    t->actions.push_back(a);
    if (a == task.stop_action()) break;
    task.Step(s, a);
  }
  t->energy = task.Energy(s);
  return t;
}

std::vector<TrajectoryRef> Batch(const Task& task, std::mt19937& rng, int n) {
  std::vector<TrajectoryRef> batch;
  for (int i = 0; i < n; ++i) batch.push_back(RandomTrajectory(task, rng));
  return batch;
}

// Every parameter of both networks, log Z included, equal bit for bit.
void ExpectSameParameters(Trainer& a, Trainer& b) {
  auto pa = a.policy()->parameters(), pb = b.policy()->parameters();
  auto qa = a.potential()->parameters(), qb = b.potential()->parameters();
  pa.insert(pa.end(), qa.begin(), qa.end());
  pb.insert(pb.end(), qb.begin(), qb.end());
  ASSERT_EQ(pa.size(), pb.size());
  for (size_t i = 0; i < pa.size(); ++i) EXPECT_TRUE(torch::equal(pa[i], pb[i])) << i;
}

class CheckpointTest : public ::testing::Test {
 protected:
  CheckpointTest() : task_(2, 6, 0.1, 0.5, 2.0) {
    char tmpl[] = "/tmp/ledgfn_checkpoint_XXXXXX";
    dir_ = mkdtemp(tmpl);
    options_.objective = Objective::kLEDSubTB;
    options_.hidden = 16;
    options_.potential_steps = 2;
    options_.seed = 3;
    options_.device = TestDevice();
  }
  ~CheckpointTest() override { fs::remove_all(dir_); }

  std::unique_ptr<Checkpointer> Make(int keep = 3,
                                     CheckpointConfig config = {{"hidden", "16"}}) {
    auto c = Checkpointer::Create(dir_, keep, std::move(config));
    EXPECT_TRUE(c.ok()) << c.status();
    return c.ok() ? std::move(*c) : nullptr;
  }
  std::unique_ptr<Trainer> NewTrainer() { return *Trainer::Create(task_, options_); }
  // `n` training steps of each kind on random batches.
  void Train(Trainer& trainer, int n) {
    for (int i = 0; i < n; ++i) {
      ASSERT_TRUE(trainer.PotentialStep(Batch(task_, rng_, 8)).ok());
      ASSERT_TRUE(trainer.PolicyStep(Batch(task_, rng_, 8)).ok());
    }
  }
  std::optional<RestoredCheckpoint> Restore(Checkpointer& c,
                                            std::vector<std::string>* warnings) {
    auto r = c.Restore(task_, options_, warnings);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? std::move(*r) : std::nullopt;
  }

  HypergridTask task_;
  TrainerOptions options_;
  std::string dir_;
  std::mt19937 rng_{7};
  ObjectTracker tracker_;
};

TEST_F(CheckpointTest, RestoredTrainerContinuesBitForBit) {
  auto trainer = NewTrainer();
  Train(*trainer, 3);
  for (int i = 0; i < 6; ++i) {
    for (int j = 0; j < 6; j += 2) tracker_.Add(task_, {i, j}, task_.Energy({i, j}));
  }
  auto checkpointer = Make();
  const LearnerProgress progress{3, 48, 7, 1.5};
  auto path = checkpointer->Save(*trainer, tracker_, progress);
  ASSERT_TRUE(path.ok()) << path.status();
  EXPECT_EQ(*path, dir_ + "/ckpt-000000000003");
  EXPECT_TRUE(fs::exists(*path + "/COMPLETE"));
  EXPECT_FALSE(fs::exists(*path + ".tmp"));

  std::vector<std::string> warnings;
  auto restored = Restore(*Make(), &warnings);
  ASSERT_TRUE(restored.has_value());
  EXPECT_TRUE(warnings.empty());
  EXPECT_EQ(restored->path, *path);
  Trainer& copy = *restored->trainer;
  EXPECT_EQ(copy.step(), 3);
  EXPECT_EQ(restored->progress.round, 3);
  EXPECT_EQ(restored->progress.trajectories, 48);
  EXPECT_EQ(restored->progress.policy_version, 7);
  EXPECT_EQ(restored->progress.seconds, 1.5);
  ExpectSameParameters(*trainer, copy);

  // The same loss on a fixed batch, bit for bit.
  const auto fixed = Batch(task_, rng_, 8);
  std::vector<const Trajectory*> ptrs;
  for (const auto& t : fixed) ptrs.push_back(t.get());
  const TrajectoryBatch batch = BuildTrajectoryBatch(task_, ptrs, false)->To(TestDevice());
  EXPECT_EQ(trainer->ComputePolicyLoss(batch)->item<double>(),
            copy.ComputePolicyLoss(batch)->item<double>());
  // Negative control: the same weights without the optimizer and RNG state.
  auto weights_only = NewTrainer();
  {
    torch::NoGradGuard no_grad;
    auto from = trainer->policy()->parameters(), to = weights_only->policy()->parameters();
    auto pfrom = trainer->potential()->parameters();
    auto pto = weights_only->potential()->parameters();
    from.insert(from.end(), pfrom.begin(), pfrom.end());
    to.insert(to.end(), pto.begin(), pto.end());
    for (size_t i = 0; i < from.size(); ++i) to[i].copy_(from[i]);
  }
  // One more step of each kind from all three: equal parameters need the
  // Adam moments and step counts (policy, log Z, r_phi) and the dropout RNG.
  const auto potential_batch = Batch(task_, rng_, 8);
  for (Trainer* t : {trainer.get(), &copy, weights_only.get()}) {
    ASSERT_TRUE(t->PotentialStep(potential_batch).ok());
    ASSERT_TRUE(t->PolicyStep(fixed).ok());
  }
  ExpectSameParameters(*trainer, copy);
  EXPECT_FALSE(torch::equal(trainer->policy()->parameters()[0],
                            weights_only->policy()->parameters()[0]));
  EXPECT_FALSE(torch::equal(trainer->potential()->parameters()[0],
                            weights_only->potential()->parameters()[0]));

  ObjectTracker tracker;
  for (const auto& [x, energy] : restored->objects) tracker.Add(task_, x, energy);
  EXPECT_EQ(tracker.num_distinct(), tracker_.num_distinct());
  EXPECT_EQ(tracker.num_modes(), tracker_.num_modes());
  EXPECT_EQ(tracker.TopKMeanReward(), tracker_.TopKMeanReward());
}

TEST_F(CheckpointTest, NoCheckpointMeansAFreshStart) {
  std::vector<std::string> warnings;
  auto restored = Restore(*Make(), &warnings);
  EXPECT_FALSE(restored.has_value());
  EXPECT_EQ(Checkpointer::Create(dir_, 0, {}).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(CheckpointTest, IncompleteUnfinishedAndCorruptCheckpointsAreSkipped) {
  auto checkpointer = Make(/*keep=*/10);
  auto trainer = NewTrainer();
  for (int step = 1; step <= 3; ++step) {
    Train(*trainer, 1);
    ASSERT_TRUE(checkpointer->Save(*trainer, tracker_, {step, 0, step, 0}).ok());
  }
  // Step 3 lost its marker (as if killed before it), step 4 is a leftover
  // .tmp, step 5 is complete but its archive is garbage.
  fs::remove(dir_ + "/ckpt-000000000003/COMPLETE");
  fs::create_directory(dir_ + "/ckpt-000000000004.tmp");
  fs::create_directory(dir_ + "/ckpt-000000000005");
  std::ofstream(dir_ + "/ckpt-000000000005/state.pt") << "not an archive";
  std::ofstream(dir_ + "/ckpt-000000000005/COMPLETE") << "round 5\n";

  std::vector<std::string> warnings;
  auto restored = Restore(*checkpointer, &warnings);
  ASSERT_TRUE(restored.has_value());
  EXPECT_EQ(restored->path, dir_ + "/ckpt-000000000002");
  EXPECT_EQ(restored->trainer->step(), 2);
  ASSERT_EQ(warnings.size(), 3u);
  EXPECT_NE(warnings[0].find("ckpt-000000000004.tmp"), std::string::npos) << warnings[0];
  EXPECT_NE(warnings[1].find("ckpt-000000000005"), std::string::npos) << warnings[1];
  EXPECT_NE(warnings[2].find("ckpt-000000000003 (no COMPLETE"), std::string::npos)
      << warnings[2];

  // Creating a Checkpointer (a new run) removes the leftover .tmp.
  Make();
  EXPECT_FALSE(fs::exists(dir_ + "/ckpt-000000000004.tmp"));

  // When no complete checkpoint is readable, starting over is refused.
  fs::remove_all(dir_ + "/ckpt-000000000001");
  fs::remove_all(dir_ + "/ckpt-000000000002");
  warnings.clear();
  EXPECT_EQ(checkpointer->Restore(task_, options_, &warnings).status().code(),
            absl::StatusCode::kDataLoss);
}

TEST_F(CheckpointTest, KeepsTheNewestN) {
  auto checkpointer = Make(/*keep=*/2);
  auto trainer = NewTrainer();
  for (int step = 1; step <= 4; ++step) {
    Train(*trainer, 1);
    ASSERT_TRUE(checkpointer->Save(*trainer, tracker_, {step, 0, step, 0}).ok());
  }
  // Saving the same step again is a no-op.
  ASSERT_TRUE(checkpointer->Save(*trainer, tracker_, {4, 0, 4, 0}).ok());
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir_)) names.push_back(e.path().filename());
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"ckpt-000000000003", "ckpt-000000000004"}));
}

TEST_F(CheckpointTest, IncompatibleFlagsAreRejectedByName) {
  auto trainer = NewTrainer();
  Train(*trainer, 1);
  ASSERT_TRUE(Make(3, {{"task", "hypergrid"}, {"hidden", "16"}})
                  ->Save(*trainer, tracker_, {1, 0, 1, 0}).ok());
  std::vector<std::string> warnings;
  auto other = Make(3, {{"task", "hypergrid"}, {"hidden", "32"}});
  auto restored = other->Restore(task_, options_, &warnings);
  EXPECT_EQ(restored.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(restored.status().message().find("--hidden=16 but this run has --hidden=32"),
            std::string::npos)
      << restored.status();
  // A flag the checkpoint did not record is a mismatch too.
  auto more = Make(3, {{"task", "hypergrid"}, {"hidden", "16"}, {"objective", "tb"}});
  EXPECT_EQ(more->Restore(task_, options_, &warnings).status().code(),
            absl::StatusCode::kFailedPrecondition);

  // Should the config not cover the network shape, loading still refuses a
  // checkpoint of another size instead of returning a broken trainer.
  options_.hidden = 32;
  auto same = Make(3, {{"task", "hypergrid"}, {"hidden", "16"}});
  EXPECT_EQ(same->Restore(task_, options_, &warnings).status().code(),
            absl::StatusCode::kDataLoss);
}

TEST(VersionLeaseTest, VersionsStayAboveEverythingHandedOutBefore) {
  char tmpl[] = "/tmp/ledgfn_lease_XXXXXX";
  const std::string dir = mkdtemp(tmpl);
  int64_t last = 0;
  {
    auto lease = *VersionLease::Open(dir, 0, /*block=*/10);
    for (int i = 0; i < 25; ++i) last = *lease->Next();
    EXPECT_EQ(last, 25);
    // Dropped without Release, as by kill -9.
  }
  {
    auto lease = *VersionLease::Open(dir, 0, 10);
    EXPECT_GE(lease->previous_high_water(), 25);
    const int64_t next = *lease->Next();
    EXPECT_GT(next, 25);
    EXPECT_LE(next, 25 + 10);  // the gap is at most one block
    last = next;
    ASSERT_TRUE(lease->Release().ok());
  }
  {
    // After a clean shutdown the next run continues right after.
    auto lease = *VersionLease::Open(dir, 0, 10);
    EXPECT_EQ(*lease->Next(), last + 1);
  }
  {
    // The version of a resumed checkpoint is a floor too.
    auto lease = *VersionLease::Open(dir, 500, 10);
    EXPECT_EQ(*lease->Next(), 501);
  }
  std::ofstream(dir + "/VERSIONS") << "garbage\n";
  EXPECT_EQ(VersionLease::Open(dir).status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(VersionLease::Open(dir, 0, 0).status().code(),
            absl::StatusCode::kInvalidArgument);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace ledgfn
