// Tests of the molecule task's block MDP (DESIGN §3, `molecule`) on a small
// hand-built vocabulary, with a fake chemistry.
#include "tasks/molecule/molecule_task.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_join.h"
#include "tasks/molecule/fragment_vocabulary.h"
#include "tasks/molecule/molecule_chemistry.h"
#include "tasks/object_tracker.h"
#include "tasks/registry.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ledgfn {
namespace {

using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;

// Fragments A = 0 (stem atoms {0, 2}), B = 1 ({5}), C = 2 ({1, 0, 0}):
// V = 3, S = 3.
constexpr int kA = 0;
constexpr int kB = 1;
constexpr int kC = 2;
constexpr int kV = 3;
constexpr int kS = 3;
constexpr int kNumForward = kV + 8 * kS * kV + 1;  // 76
constexpr int kStop = kNumForward - 1;             // 75
constexpr int kRootRemoval = 8 * kS;               // 24
constexpr int kSlotFeatures = kV + 1 + 2 * kS + 8;  // 18

FragmentVocabulary SmallVocabulary() {
  FragmentVocabulary vocabulary;
  vocabulary.fragments = {{"A", "a", {0, 2}}, {"B", "b", {5}},
                          {"C", "c", {1, 0, 0}}};
  return vocabulary;
}

// Score = factor * (number of blocks); the "canonical SMILES" is the sorted
// block multiset ("" for the empty molecule). Counts Scores calls and fails
// them on request.
class FakeChemistry : public MoleculeChemistry {
 public:
  explicit FakeChemistry(double factor) : factor_(factor) {}

  absl::StatusOr<std::vector<double>> Scores(
      absl::Span<const BlockGraph> molecules) const override {
    ++score_calls;
    if (fail) return absl::InvalidArgumentError("fake failure");
    std::vector<double> scores;
    for (const BlockGraph& m : molecules) {
      scores.push_back(factor_ * static_cast<double>(m.blockidxs.size()));
    }
    return scores;
  }
  absl::StatusOr<std::string> CanonicalSmiles(
      const BlockGraph& molecule) const override {
    if (molecule.blockidxs.empty()) return std::string();
    std::vector<int> blocks = molecule.blockidxs;
    std::sort(blocks.begin(), blocks.end());
    return "M" + absl::StrJoin(blocks, ".");
  }
  absl::StatusOr<double> MeanPairwiseTanimoto(
      absl::Span<const BlockGraph> molecules) const override {
    return 0.0;
  }

  mutable std::atomic<int> score_calls{0};
  bool fail = false;

 private:
  const double factor_;
};

std::unique_ptr<MoleculeTask> MakeMoleculeTask(
    std::shared_ptr<const MoleculeChemistry> chemistry = nullptr) {
  absl::StatusOr<std::unique_ptr<MoleculeTask>> task =
      MoleculeTask::Create(SmallVocabulary(), std::move(chemistry));
  EXPECT_TRUE(task.ok()) << task.status();
  return *std::move(task);
}

int Attach(int p, int j, int b) { return kV + (p * kS + j) * kV + b; }

State Build(const MoleculeTask& task, const std::vector<int>& actions) {
  State s = task.InitialState();
  for (int a : actions) task.Step(s, a);
  return s;
}

std::vector<int> Valid(const std::vector<uint8_t>& mask) {
  std::vector<int> valid;
  for (int i = 0; i < static_cast<int>(mask.size()); ++i) {
    if (mask[i]) valid.push_back(i);
  }
  return valid;
}

std::vector<int> ValidForward(const Task& task, const State& s) {
  std::vector<uint8_t> mask(task.num_forward_actions());
  task.ForwardMask(s, mask.data());
  return Valid(mask);
}

std::vector<int> ValidBackward(const Task& task, const State& s) {
  std::vector<uint8_t> mask(task.num_backward_actions());
  task.BackwardMask(s, mask.data());
  return Valid(mask);
}

// The attach actions of fragments 0..V-1 at stem (p, j).
std::vector<int> AttachAll(int p, int j) {
  return {Attach(p, j, 0), Attach(p, j, 1), Attach(p, j, 2)};
}

std::vector<int> Concat(std::vector<std::vector<int>> parts) {
  std::vector<int> out;
  for (const auto& part : parts) out.insert(out.end(), part.begin(), part.end());
  return out;
}

TEST(MoleculeTaskTest, CreateRejectsBadVocabularies) {
  EXPECT_EQ(MoleculeTask::Create(FragmentVocabulary(), nullptr).status().code(),
            absl::StatusCode::kInvalidArgument);
  FragmentVocabulary stemless = SmallVocabulary();
  stemless.fragments[1].stem_atoms.clear();
  absl::Status status = MoleculeTask::Create(stemless, nullptr).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("fragment 1 (B) has 0 stems"));
  FragmentVocabulary many = SmallVocabulary();
  many.fragments[2].stem_atoms.assign(MoleculeTask::kMaxStems + 1, 0);
  EXPECT_EQ(MoleculeTask::Create(many, nullptr).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(MoleculeTaskTest, Sizes) {
  auto task = MakeMoleculeTask();
  EXPECT_EQ(task->name(), "molecule");
  EXPECT_EQ(task->max_stems(), kS);
  EXPECT_EQ(task->state_size(), 24);
  EXPECT_EQ(task->num_forward_actions(), kNumForward);
  EXPECT_EQ(task->stop_action(), kStop);
  EXPECT_EQ(task->num_backward_actions(), kRootRemoval + 1);
  EXPECT_EQ(task->feature_size(), 8 * kSlotFeatures);
  EXPECT_EQ(task->max_trajectory_length(), 9);
  EXPECT_FALSE(task->exactly_enumerable());
  EXPECT_EQ(task->object_metrics(), task.get());
  EXPECT_EQ(task->InitialState(), State(24, -1));
  const TaskDefaults d = task->defaults();
  EXPECT_EQ(d.batch_size, 32);
  EXPECT_EQ(d.policy_lr, 5e-4);
  EXPECT_EQ(d.log_z_lr, 5e-2);
}

TEST(MoleculeTaskTest, InitialStateOnlyPlacesAFirstFragment) {
  auto task = MakeMoleculeTask();
  const State s0 = task->InitialState();
  EXPECT_THAT(ValidForward(*task, s0), ElementsAre(0, 1, 2));
  EXPECT_THAT(ValidBackward(*task, s0), ElementsAre());
  EXPECT_EQ(task->Level(s0), 0);
  EXPECT_FALSE(task->IsTerminal(s0));
}

TEST(MoleculeTaskTest, OneBlockOffersExactlyItsStemsAndNoStop) {
  auto task = MakeMoleculeTask();
  State s = Build(*task, {kC});
  State expected(24, -1);
  expected[0] = kC;
  EXPECT_EQ(s, expected);
  EXPECT_EQ(task->Level(s), 1);
  // The root keeps all three stems of C, stem 0 included.
  EXPECT_THAT(ValidForward(*task, s),
              ElementsAreArray(Concat(
                  {AttachAll(0, 0), AttachAll(0, 1), AttachAll(0, 2)})));
  EXPECT_THAT(ValidForward(*task, Build(*task, {kA})),
              ElementsAreArray(Concat({AttachAll(0, 0), AttachAll(0, 1)})));
  EXPECT_THAT(ValidForward(*task, Build(*task, {kB})),
              ElementsAreArray(AttachAll(0, 0)));
}

TEST(MoleculeTaskTest, AttachingUsesTheStemAndOffersTheChildsOwnStems) {
  auto task = MakeMoleculeTask();
  // C attached at stem 1 of the root A.
  State s = Build(*task, {kA, Attach(0, 1, kC)});
  State expected(24, -1);
  expected[0] = kA;
  expected[3] = kC;
  expected[4] = 0;
  expected[5] = 1;
  EXPECT_EQ(s, expected);
  EXPECT_EQ(task->Level(s), 2);
  // Root stem 1 is used; C's stem 0 is its attachment, never offered.
  EXPECT_THAT(ValidForward(*task, s),
              ElementsAreArray(Concat({AttachAll(0, 0), AttachAll(1, 1),
                                       AttachAll(1, 2), {kStop}})));
  // A used stem is not offered again: Replay rejects a second use.
  auto replay = task->Replay({kA, Attach(0, 1, kC), Attach(0, 1, kB), kStop});
  EXPECT_EQ(replay.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(replay.status().message(), HasSubstr("masked"));
  // Nor the child's stem 0.
  EXPECT_FALSE(task->Replay({kA, Attach(0, 1, kC), Attach(1, 0, kB), kStop})
                   .ok());
  // Stop from two blocks on, not before.
  EXPECT_FALSE(task->Replay({kA, kStop}).ok());
  auto two = task->Replay({kA, Attach(0, 1, kC), kStop});
  ASSERT_TRUE(two.ok()) << two.status();
  EXPECT_EQ(two->back(), s);
}

TEST(MoleculeTaskTest, StopIsForcedWhenNoStemIsFree) {
  auto task = MakeMoleculeTask();
  // B's only stem hosts the second B, which owns no stem.
  State s = Build(*task, {kB, Attach(0, 0, kB)});
  EXPECT_THAT(ValidForward(*task, s), ElementsAre(kStop));
}

TEST(MoleculeTaskTest, StopIsForcedAtEightBlocks) {
  auto task = MakeMoleculeTask();
  // A chain of C's, each on stem 1 of the previous one.
  std::vector<int> actions = {kC};
  for (int p = 0; p < 7; ++p) actions.push_back(Attach(p, 1, kC));
  const State seven = Build(*task, {actions.begin(), actions.end() - 1});
  EXPECT_EQ(task->Level(seven), 7);
  // Free stems: the root's 0 and 2, stem 2 of slots 1..5, stems 1 and 2 of
  // slot 6: nine, each with three fragments, and the stop.
  EXPECT_EQ(ValidForward(*task, seven).size(), 9u * 3 + 1);
  const State eight = Build(*task, actions);
  EXPECT_EQ(task->Level(eight), 8);
  EXPECT_THAT(ValidForward(*task, eight), ElementsAre(kStop));
  actions.push_back(kStop);
  EXPECT_TRUE(task->Replay(actions).ok());
}

TEST(MoleculeTaskTest, BackwardMasksAreTheRemovableBlocks) {
  auto task = MakeMoleculeTask();
  // One block: only the root can go.
  EXPECT_THAT(ValidBackward(*task, Build(*task, {kA})),
              ElementsAre(kRootRemoval));
  // Two blocks: both are leaves.
  EXPECT_THAT(ValidBackward(*task, Build(*task, {kA, Attach(0, 1, kC)})),
              ElementsAre(0 * kS + 1, kRootRemoval));
  // Chain A - C - C: the end C (at stem (1, 1)) and the root; not the middle.
  EXPECT_THAT(ValidBackward(*task, Build(*task, {kA, Attach(0, 1, kC),
                                                 Attach(1, 1, kC)})),
              ElementsAre(1 * kS + 1, kRootRemoval));
  // Star: three B's on the root C's stems; the root has three children.
  EXPECT_THAT(
      ValidBackward(*task, Build(*task, {kC, Attach(0, 0, kB), Attach(0, 2, kB),
                                         Attach(0, 1, kB)})),
      ElementsAre(0, 1, 2));
  EXPECT_EQ(task->BackwardAction(kB), kRootRemoval);
  EXPECT_EQ(task->BackwardAction(Attach(5, 2, kA)), 5 * kS + 2);
}

// Blocks of degree <= 1 in the molecule's tree, counted from the jbonds.
int RemovableBlocks(const BlockGraph& graph) {
  std::vector<int> degree(graph.blockidxs.size(), 0);
  for (const auto& bond : graph.jbonds) {
    ++degree[bond[0]];
    ++degree[bond[1]];
  }
  return static_cast<int>(std::count_if(degree.begin(), degree.end(),
                                        [](int d) { return d <= 1; }));
}

TEST(MoleculeTaskTest, RandomRolloutsKeepTheContracts) {
  auto task = MakeMoleculeTask();
  std::mt19937_64 rng(20240611);
  for (int trajectory = 0; trajectory < 1000; ++trajectory) {
    State s = task->InitialState();
    std::vector<State> visited = {s};
    std::vector<int32_t> actions;
    while (true) {
      const std::vector<int> valid = ValidForward(*task, s);
      ASSERT_FALSE(valid.empty());
      for (int a : valid) {
        // Stem 0 of a non-root block is never offered.
        if (a >= kV && a != kStop) {
          const int p = (a - kV) / kV / kS;
          const int j = (a - kV) / kV % kS;
          EXPECT_TRUE(p == 0 || j != 0) << a;
        }
      }
      const int a = valid[std::uniform_int_distribution<size_t>(
          0, valid.size() - 1)(rng)];
      actions.push_back(a);
      if (a == kStop) break;
      task->Step(s, a);
      visited.push_back(s);
      const std::vector<int> back = ValidBackward(*task, s);
      EXPECT_TRUE(std::count(back.begin(), back.end(), task->BackwardAction(a)))
          << "action " << a << " in " << task->ToString(s);
      EXPECT_EQ(static_cast<int>(back.size()),
                RemovableBlocks(task->ToBlockGraph(s)));
      EXPECT_EQ(task->Level(s), static_cast<int>(visited.size()) - 1);
      EXPECT_TRUE(task->CheckState(s).ok()) << task->CheckState(s);
    }
    EXPECT_GE(task->Level(s), 2);
    EXPECT_LE(static_cast<int>(actions.size()), task->max_trajectory_length());
    auto replayed = task->Replay(actions);
    ASSERT_TRUE(replayed.ok()) << replayed.status();
    EXPECT_EQ(*replayed, visited);
  }
}

TEST(MoleculeTaskTest, CheckStateAcceptsReachableStatesOnly) {
  auto task = MakeMoleculeTask();
  EXPECT_TRUE(task->CheckState(task->InitialState()).ok());
  EXPECT_TRUE(task->CheckState(Build(*task, {0, Attach(0, 1, 2)})).ok());
  auto refused = [&](State s, const std::string& why) {
    absl::Status status = task->CheckState(s);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << why;
    EXPECT_NE(status.message().find(why), std::string::npos) << status;
  };
  auto with = [&](std::vector<std::array<int, 3>> slots) {
    State s = task->InitialState();
    for (size_t q = 0; q < slots.size(); ++q) {
      for (int k = 0; k < 3; ++k) s[3 * q + k] = slots[q][k];
    }
    return s;
  };
  refused(State(5, -1), "has 24 values, not 5");
  refused(with({{3, -1, -1}}), "outside the vocabulary");
  refused(with({{0, 0, 0}}), "not -1 for the root");
  refused(with({{0, -1, -1}, {1, 1, 0}}), "no stem of an earlier slot");
  refused(with({{0, -1, -1}, {1, 0, 2}}), "cannot attach at stem 2");  // A has 2
  refused(with({{0, -1, -1}, {1, 0, 0}, {1, 0, 0}}), "stem is taken");
  // A non-root block attached through its stem 0: that stem is not free.
  refused(with({{0, -1, -1}, {2, 0, 0}, {1, 1, 0}}), "cannot attach at stem 0");
  refused(with({{0, -1, -1}, {-1, -1, -1}, {1, 0, 0}}), "must be all -1");
  refused(with({{0, -1, -1}, {-1, 5, 7}}), "must be all -1");
  refused(with({{-2, -1, -1}}), "must be all -1");
}

TEST(MoleculeTaskTest, DockingEnergiesComeFromOutsideAndReadAsAffinities) {
  auto chemistry = std::make_shared<FakeChemistry>(2.0);
  auto task = MoleculeTask::Create(SmallVocabulary(), chemistry,
                                   MoleculeEnergy::kDocking);
  ASSERT_TRUE(task.ok()) << task.status();
  const State x = Build(**task, {0, Attach(0, 1, 2)});
  EXPECT_TRUE(std::isnan((*task)->Energy(x)));  // never the proxy's
  EXPECT_EQ(chemistry->score_calls, 0);
  EXPECT_FALSE((*task)->IsMode(x));
  EXPECT_TRUE((*task)->IsModeOfEnergy(x, -10.0));
  EXPECT_FALSE((*task)->IsModeOfEnergy(x, -9.99));
  EXPECT_DOUBLE_EQ((*task)->ScoreOfEnergy(-8.5), 8.5);
  EXPECT_EQ(ParseMoleculeEnergy("docking").value(), MoleculeEnergy::kDocking);
  EXPECT_EQ(ParseMoleculeEnergy("seh").value(), MoleculeEnergy::kSehProxy);
  EXPECT_EQ(ParseMoleculeEnergy("vina").status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(MoleculeTaskTest, BlockGraphAndDescriptionByHand) {
  auto task = MakeMoleculeTask();
  // A root, C on A's stem 1 (atom 2), B on C's stem 2 (atom 0).
  const State s = Build(*task, {kA, Attach(0, 1, kC), Attach(1, 2, kB)});
  const BlockGraph graph = task->ToBlockGraph(s);
  EXPECT_THAT(graph.blockidxs, ElementsAre(kA, kC, kB));
  EXPECT_THAT(graph.jbonds, ElementsAre(std::array<int, 4>{0, 1, 2, 1},
                                        std::array<int, 4>{1, 2, 0, 5}));
  EXPECT_EQ(task->ToString(s), "blocks 0,2,1 bonds 0-1:2-1,1-2:0-5");
  EXPECT_EQ(task->ToString(task->InitialState()), "blocks - bonds -");
  EXPECT_EQ(task->ToString(Build(*task, {kB})), "blocks 1 bonds -");
  EXPECT_EQ(task->ObjectKey(s), task->ToString(s));
  const BlockGraph empty = task->ToBlockGraph(task->InitialState());
  EXPECT_TRUE(empty.blockidxs.empty());
  EXPECT_TRUE(empty.jbonds.empty());
}

TEST(MoleculeTaskTest, FeaturesOfATwoBlockStateByHand) {
  auto task = MakeMoleculeTask();
  const State s = Build(*task, {kA, Attach(0, 1, kC)});
  std::vector<float> features(task->feature_size(), -1.0f);
  task->Features(s, features.data());
  // Per slot: [0, 4) block + 1, [4, 7) free stems, [7, 15) parent slot,
  // [15, 18) parent stem.
  std::vector<float> expected(task->feature_size(), 0.0f);
  expected[0 + 1] = 1;             // Slot 0 holds A.
  expected[0 + 4] = 1;             // A's stem 0 is free (stem 1 is used).
  expected[18 + 3] = 1;            // Slot 1 holds C.
  expected[18 + 4 + 1] = 1;        // C's stems 1 and 2 are free.
  expected[18 + 4 + 2] = 1;
  expected[18 + 7 + 0] = 1;        // Parent slot 0.
  expected[18 + 15 + 1] = 1;       // Parent stem 1.
  for (int p = 2; p < 8; ++p) expected[18 * p] = 1;  // Empty slots.
  EXPECT_EQ(features, expected);
}

TEST(MoleculeTaskTest, EnergiesByHand) {
  auto chemistry = std::make_shared<FakeChemistry>(1.0);
  auto task = MakeMoleculeTask(chemistry);
  const State s0 = task->InitialState();
  const State two = Build(*task, {kA, Attach(0, 1, kC)});
  const State three = Build(*task, {kA, Attach(0, 1, kC), Attach(0, 0, kB)});
  // Score 2: -10 log(2/8) = 10 log 4; s_0 scores 0, clipped to 0.1.
  EXPECT_DOUBLE_EQ(task->Energy(two), 10 * std::log(4.0));
  EXPECT_DOUBLE_EQ(task->PartialEnergy(two), 10 * std::log(4.0));
  EXPECT_DOUBLE_EQ(task->PartialEnergy(s0), 10 * std::log(80.0));
  EXPECT_EQ(chemistry->score_calls, 3);
  // One Scores call per batch.
  const std::vector<State> batch = {two, s0, three};
  const std::vector<double> energies = task->Energies(batch);
  EXPECT_EQ(chemistry->score_calls, 4);
  ASSERT_EQ(energies.size(), 3u);
  EXPECT_DOUBLE_EQ(energies[0], 10 * std::log(4.0));
  EXPECT_DOUBLE_EQ(energies[1], 10 * std::log(80.0));
  EXPECT_DOUBLE_EQ(energies[2], 10 * std::log(8.0 / 3.0));
  EXPECT_EQ(task->PartialEnergies(batch), energies);
  EXPECT_EQ(chemistry->score_calls, 5);
  // A failing chemistry gives NaN.
  chemistry->fail = true;
  EXPECT_TRUE(std::isnan(task->Energy(two)));
  for (double e : task->Energies(batch)) EXPECT_TRUE(std::isnan(e));
  EXPECT_FALSE(task->IsMode(two));
}

TEST(MoleculeTaskTest, LowScoresAreClipped) {
  auto task = MakeMoleculeTask(std::make_shared<FakeChemistry>(0.04));
  // Score 0.08 and negative scores clip to 0.1.
  EXPECT_DOUBLE_EQ(task->Energy(Build(*task, {kA, Attach(0, 1, kC)})),
                   10 * std::log(80.0));
  EXPECT_DOUBLE_EQ(MoleculeTask::EnergyOfScore(-3.0), 10 * std::log(80.0));
  EXPECT_DOUBLE_EQ(MoleculeTask::EnergyOfScore(8.0), 0.0);
}

TEST(MoleculeTaskTest, ModesHaveScoreAtLeastSevenAndAHalf) {
  // Score 1.5 per block: 5 blocks score exactly 7.5, 4 blocks 6.
  auto task = MakeMoleculeTask(std::make_shared<FakeChemistry>(1.5));
  std::vector<int> actions = {kC};
  for (int p = 0; p < 4; ++p) actions.push_back(Attach(p, 1, kC));
  const State five = Build(*task, actions);
  const State four = Build(*task, {actions.begin(), actions.end() - 1});
  EXPECT_TRUE(task->IsMode(five));
  EXPECT_FALSE(task->IsMode(four));
  EXPECT_DOUBLE_EQ(task->Energy(five), -10 * std::log(7.5 / 8));
}

TEST(MoleculeTaskTest, WithoutChemistryEnergiesAreNaN) {
  auto task = MakeMoleculeTask();
  const State two = Build(*task, {kA, Attach(0, 1, kC)});
  EXPECT_TRUE(std::isnan(task->Energy(two)));
  EXPECT_TRUE(std::isnan(task->PartialEnergy(task->InitialState())));
  const std::vector<State> batch = {two, two};
  for (double e : task->Energies(batch)) EXPECT_TRUE(std::isnan(e));
  EXPECT_FALSE(task->IsMode(two));
}

TEST(MoleculeTaskTest, OneMoleculeInTwoBlockOrdersIsOneObject) {
  auto task = MakeMoleculeTask(std::make_shared<FakeChemistry>(1.0));
  // A-C built from A and from C: different states, one molecule.
  const State from_a = Build(*task, {kA, Attach(0, 1, kC)});
  const State from_c = Build(*task, {kC, Attach(0, 0, kA)});
  ASSERT_NE(from_a, from_c);
  EXPECT_EQ(task->ToString(from_a), "M0.2");
  EXPECT_EQ(task->ObjectKey(from_a), task->ObjectKey(from_c));
  ObjectTracker tracker;
  EXPECT_TRUE(tracker.Add(*task, from_a, task->Energy(from_a)));
  EXPECT_FALSE(tracker.Add(*task, from_c, task->Energy(from_c)));
  EXPECT_EQ(tracker.num_distinct(), 1);
  const auto exported = tracker.Export();
  ASSERT_EQ(exported.size(), 1u);
  EXPECT_EQ(exported[0].first, from_a);  // The first state seen.
}

TEST(MoleculeTaskTest, MakeTaskNeedsTheDataDirectory) {
  TaskOptions options;
  options.name = "molecule";
  absl::Status status = MakeTask(options).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("--molecule_data_dir is required"));
  options.molecule_data_dir = "/nonexistent/ledgfn/molecule";
  EXPECT_FALSE(MakeTask(options).ok());
}

}  // namespace
}  // namespace ledgfn
