// Tests of the task definitions (DESIGN §3), trajectory replay and MakeTask.
#include "tasks/registry.h"

#include <cmath>
#include <cstdint>
#include <fstream>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "tasks/bag/bag_task.h"
#include "tasks/hypergrid/hypergrid_task.h"
#include "tasks/instance_family.h"
#include "tasks/set/set_task.h"
#include "tasks/state_graph.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ledgfn {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::vector<uint8_t> Mask(const Task& task, const State& s) {
  std::vector<uint8_t> mask(task.num_forward_actions());
  task.ForwardMask(s, mask.data());
  return mask;
}

std::vector<uint8_t> BackMask(const Task& task, const State& s) {
  std::vector<uint8_t> mask(task.num_backward_actions());
  task.BackwardMask(s, mask.data());
  return mask;
}

std::vector<float> Features(const Task& task, const State& s) {
  std::vector<float> f(task.feature_size(), -1.0f);
  task.Features(s, f.data());
  return f;
}

std::string WriteTempFile(const std::string& name, const std::string& text) {
  const std::string path = ::testing::TempDir() + "/" + name;
  std::ofstream(path) << text;
  return path;
}

// ---------------------------------------------------------------- hypergrid

TEST(HypergridTaskTest, SizesAndMasks) {
  HypergridTask task(2, 4, 0.1, 0.5, 2.0);
  EXPECT_EQ(task.name(), "hypergrid");
  EXPECT_EQ(task.num_forward_actions(), 3);
  EXPECT_EQ(task.stop_action(), 2);
  EXPECT_EQ(task.num_backward_actions(), 2);
  EXPECT_EQ(task.feature_size(), 8);
  EXPECT_EQ(task.max_trajectory_length(), 2 * 3 + 1);

  State s = task.InitialState();
  EXPECT_THAT(s, ElementsAre(0, 0));
  EXPECT_THAT(Mask(task, s), ElementsAre(1, 1, 1));
  EXPECT_THAT(BackMask(task, s), ElementsAre(0, 0));
  for (int i = 0; i < 3; ++i) task.Step(s, 0);
  task.Step(s, 1);
  EXPECT_THAT(s, ElementsAre(3, 1));
  EXPECT_EQ(task.Level(s), 4);
  // Axis 0 is at the edge; stop stays valid.
  EXPECT_THAT(Mask(task, s), ElementsAre(0, 1, 1));
  EXPECT_THAT(BackMask(task, s), ElementsAre(1, 1));
  EXPECT_FALSE(task.IsTerminal(s));
  EXPECT_THAT(Features(task, s), ElementsAre(0, 0, 0, 1, 0, 1, 0, 0));
}

TEST(HypergridTaskTest, RewardsByHand) {
  // H = 8: a_d = |k/7 - 0.5| is 0.5, 0.357, 0.214, 0.071 for k = 0..3.
  HypergridTask task(2, 8, 0.1, 0.5, 2.0);
  // Corner: band 1 only.
  EXPECT_NEAR(task.Energy({0, 0}), -std::log(0.6), 1e-12);
  EXPECT_NEAR(task.Energy({7, 0}), -std::log(0.6), 1e-12);
  // Centre: neither band.
  EXPECT_NEAR(task.Energy({3, 4}), -std::log(0.1), 1e-12);
  // One axis outside band 1 cancels both products.
  EXPECT_NEAR(task.Energy({1, 3}), -std::log(0.1), 1e-12);
  // Both axes in band 2: the mode value R0 + R1 + R2.
  EXPECT_NEAR(task.Energy({1, 6}), -std::log(2.6), 1e-12);
  // Band 2 on one axis only.
  EXPECT_NEAR(task.Energy({0, 1}), -std::log(0.6), 1e-12);
  EXPECT_EQ(task.PartialEnergy({1, 6}), task.Energy({1, 6}));

  EXPECT_TRUE(task.IsMode({1, 1}));
  EXPECT_TRUE(task.IsMode({6, 1}));
  EXPECT_FALSE(task.IsMode({0, 0}));
  EXPECT_FALSE(task.IsMode({1, 0}));
  EXPECT_FALSE(task.IsMode({3, 3}));
}

TEST(HypergridTaskTest, BandEdgesFollowTorchgfn) {
  // H = 5: k = 1 gives a = 0.25 exactly, which is outside the strict band 1.
  HypergridTask five(1, 5, 0.1, 0.5, 2.0);
  EXPECT_NEAR(five.Energy({1}), -std::log(0.1), 1e-12);
  EXPECT_NEAR(five.Energy({0}), -std::log(0.6), 1e-12);
  // H = 11: a = 0.3 (k = 2, 8) is outside band 2, a = 0.4 (k = 1, 9) inside
  // (torchgfn's `ax < 0.4 + EPS`), symmetrically on both sides.
  HypergridTask eleven(1, 11, 0.1, 0.5, 2.0);
  EXPECT_FALSE(eleven.IsMode({2}));
  EXPECT_FALSE(eleven.IsMode({8}));
  EXPECT_TRUE(eleven.IsMode({1}));
  EXPECT_TRUE(eleven.IsMode({9}));
  EXPECT_FALSE(eleven.IsMode({0}));  // a = 0.5
  EXPECT_NEAR(eleven.Energy({9}), -std::log(2.6), 1e-12);
  EXPECT_NEAR(eleven.Energy({8}), -std::log(0.6), 1e-12);
}

TEST(HypergridTaskTest, ExactLogZ) {
  HypergridTask task(2, 8, 0.1, 0.5, 2.0);
  // 64 cells * 0.1 + 16 band-1 cells * 0.5 + 4 band-2 cells * 2 = 22.4.
  absl::StatusOr<StateGraph> graph = EnumerateStateGraph(task, 1 << 20);
  ASSERT_TRUE(graph.ok()) << graph.status();
  EXPECT_EQ(graph->objects.size(), 64u);
  EXPECT_NEAR(ExactLogZFromGraph(task, *graph), 3.1090609588609945, 1e-12);
  absl::StatusOr<double> closed_form = task.ExactLogZ();
  ASSERT_TRUE(closed_form.ok());
  EXPECT_NEAR(*closed_form, 3.1090609588609945, 1e-12);
}

TEST(HypergridTaskTest, ClosedFormLogZMatchesEnumerationOnDefaultGrid) {
  HypergridTask task(4, 8, 0.1, 0.5, 2.0);
  absl::StatusOr<StateGraph> graph = EnumerateStateGraph(task, 1 << 20);
  ASSERT_TRUE(graph.ok()) << graph.status();
  EXPECT_EQ(graph->num_states(), 4096);
  EXPECT_NEAR(*task.ExactLogZ(), ExactLogZFromGraph(task, *graph), 1e-10);
}

// ---------------------------------------------------------------------- set

TEST(TaskDefaultsTest, BatchedEnergiesLoopAndObjectKeysAreTheStateBytes) {
  HypergridTask task(2, 8, 0.1, 0.5, 2.0);
  const std::vector<State> states = {{1, 1}, {0, 0}, {6, 1}};
  EXPECT_THAT(task.Energies(states),
              ElementsAre(task.Energy({1, 1}), task.Energy({0, 0}),
                          task.Energy({6, 1})));
  EXPECT_THAT(task.PartialEnergies(states),
              ElementsAre(task.PartialEnergy({1, 1}),
                          task.PartialEnergy({0, 0}),
                          task.PartialEnergy({6, 1})));
  // Little-endian int32s.
  EXPECT_EQ(task.ObjectKey({1, 256}),
            std::string("\x01\0\0\0\0\x01\0\0", 8));
  EXPECT_NE(task.ObjectKey({1, 0}), task.ObjectKey({0, 1}));
}

TEST(TaskDefaultsTest, ASingleInstanceTaskIsItsOwnEmptyInstance) {
  HypergridTask task(2, 8, 0.1, 0.5, 2.0);
  EXPECT_EQ(task.instances(), nullptr);
  absl::StatusOr<std::shared_ptr<const Task>> self = InstanceOf(task, {});
  ASSERT_TRUE(self.ok()) << self.status();
  EXPECT_EQ(self->get(), &task);
  const InstanceId other{"er-10-0.5", 3};
  EXPECT_EQ(InstanceOf(task, other).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(InstanceOf(task, other).status().message(),
              HasSubstr(other.ToString()));
  EXPECT_TRUE(IsTrainingInstanceOf(task, {}));
  EXPECT_FALSE(IsTrainingInstanceOf(task, other));
  EXPECT_TRUE(TestInstancesOf(task).empty());
  // Drawing the empty id leaves the generator alone.
  std::mt19937_64 rng(7), untouched(7);
  EXPECT_TRUE(DrawTrainingInstanceOf(task, rng).empty());
  EXPECT_EQ(rng(), untouched());
}

TEST(SetTaskTest, NamedSizesAndItemEnergies) {
  absl::StatusOr<std::unique_ptr<SetTask>> small =
      SetTask::FromSizeName("small");
  ASSERT_TRUE(small.ok());
  EXPECT_EQ((*small)->universe_size(), 30);
  EXPECT_EQ((*small)->target_size(), 20);
  const std::vector<double>& e = (*small)->item_energies();
  EXPECT_EQ(e[0], -0.43814);
  EXPECT_EQ(e[2], -0.43814);
  EXPECT_EQ(e[3], -0.40046);
  EXPECT_EQ(e[29], 0.88349);
  EXPECT_FALSE((*small)->exactly_enumerable());

  absl::StatusOr<std::unique_ptr<SetTask>> medium =
      SetTask::FromSizeName("medium");
  ASSERT_TRUE(medium.ok());
  EXPECT_EQ((*medium)->universe_size(), 80);
  EXPECT_EQ((*medium)->target_size(), 60);
  EXPECT_EQ((*medium)->item_energies()[7], -0.78668);
  EXPECT_EQ((*medium)->item_energies()[8], -0.78379);

  absl::StatusOr<std::unique_ptr<SetTask>> large =
      SetTask::FromSizeName("large");
  ASSERT_TRUE(large.ok());
  EXPECT_EQ((*large)->universe_size(), 100);
  EXPECT_EQ((*large)->target_size(), 80);
  EXPECT_EQ((*large)->item_energies()[99], 0.92445);

  EXPECT_EQ(SetTask::FromSizeName("huge").status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(SetTaskTest, MasksStepsAndEnergies) {
  SetTask task({0.5, -1.0, 2.0, 0.25}, 2);
  EXPECT_FALSE(task.has_stop_action());
  EXPECT_EQ(task.stop_action(), -1);
  EXPECT_EQ(task.max_trajectory_length(), 2);
  State s = task.InitialState();
  EXPECT_EQ(task.PartialEnergy(s), 0.0);
  EXPECT_THAT(Mask(task, s), ElementsAre(1, 1, 1, 1));
  EXPECT_THAT(BackMask(task, s), ElementsAre(0, 0, 0, 0));
  task.Step(s, 2);
  EXPECT_THAT(Mask(task, s), ElementsAre(1, 1, 0, 1));
  EXPECT_THAT(BackMask(task, s), ElementsAre(0, 0, 1, 0));
  EXPECT_FALSE(task.IsTerminal(s));
  EXPECT_DOUBLE_EQ(task.PartialEnergy(s), 2.0);
  task.Step(s, 1);
  EXPECT_TRUE(task.IsTerminal(s));
  EXPECT_EQ(task.Level(s), 2);
  EXPECT_THAT(Mask(task, s), ElementsAre(0, 0, 0, 0));
  EXPECT_DOUBLE_EQ(task.Energy(s), 1.0);
  EXPECT_FALSE(task.IsMode(s));
  EXPECT_THAT(Features(task, s), ElementsAre(0, 1, 1, 0));
  EXPECT_EQ(task.ToString(s), "{1,2}");
}

TEST(SetTaskTest, DynamicProgramMatchesBruteForce) {
  const std::vector<double> energies = {0.3, -1.2, 0.7, 2.0, -0.5, 0.1, 0.0};
  const int n = static_cast<int>(energies.size());
  for (int k = 1; k <= n; ++k) {
    SetTask task(energies, k);
    double z = 0.0;
    for (uint32_t bits = 0; bits < (1u << n); ++bits) {
      if (__builtin_popcount(bits) != k) continue;
      double e = 0.0;
      for (int i = 0; i < n; ++i) {
        if (bits >> i & 1) e += energies[i];
      }
      z += std::exp(-e);
    }
    absl::StatusOr<double> log_z = task.ExactLogZ();
    ASSERT_TRUE(log_z.ok());
    EXPECT_NEAR(*log_z, std::log(z), 1e-12) << "k = " << k;
  }
}

TEST(SetTaskTest, DynamicProgramMatchesCountingOnSmallSize) {
  // 10 values, each on 3 items: Z = Σ over per-value counts c_k in 0..3 with
  // Σ c_k = 20 of Π_k C(3, c_k) exp(-c_k v_k).
  std::unique_ptr<SetTask> task = *SetTask::FromSizeName("small");
  const std::vector<double>& e = task->item_energies();
  const double binom[4] = {1, 3, 3, 1};
  double z = 0.0;
  for (int code = 0; code < (1 << 20); ++code) {
    int total = 0;
    double term = 1.0;
    for (int k = 0; k < 10; ++k) {
      const int c = (code >> (2 * k)) & 3;
      total += c;
      term *= binom[c] * std::exp(-c * e[3 * k]);
    }
    if (total == 20) z += term;
  }
  EXPECT_NEAR(*task->ExactLogZ(), std::log(z), 1e-10);
}

// ---------------------------------------------------------------------- bag

TEST(BagTaskTest, SizesMasksAndFeatures) {
  BagTask task;
  EXPECT_EQ(task.num_letters(), 7);
  EXPECT_EQ(task.max_size(), 13);
  EXPECT_EQ(task.threshold(), 7);
  EXPECT_EQ(task.num_forward_actions(), 8);
  EXPECT_EQ(task.stop_action(), 7);
  EXPECT_EQ(task.num_backward_actions(), 7);
  EXPECT_EQ(task.feature_size(), 98);
  EXPECT_EQ(task.max_trajectory_length(), 14);

  State s = task.InitialState();
  EXPECT_THAT(Mask(task, s), ElementsAre(1, 1, 1, 1, 1, 1, 1, 0));
  EXPECT_THAT(BackMask(task, s), ElementsAre(0, 0, 0, 0, 0, 0, 0));
  for (int i = 0; i < 12; ++i) task.Step(s, i % 3);
  EXPECT_EQ(task.Level(s), 12);
  EXPECT_THAT(Mask(task, s), ElementsAre(1, 1, 1, 1, 1, 1, 1, 0));
  EXPECT_THAT(BackMask(task, s), ElementsAre(1, 1, 1, 0, 0, 0, 0));
  task.Step(s, 6);
  EXPECT_THAT(s, ElementsAre(4, 4, 4, 0, 0, 0, 1));
  // Full: stop is forced.
  EXPECT_THAT(Mask(task, s), ElementsAre(0, 0, 0, 0, 0, 0, 0, 1));
  EXPECT_EQ(task.ToString(s), "aaaabbbbccccg");

  std::vector<float> f = Features(task, s);
  double sum = 0.0;
  for (float v : f) sum += v;
  EXPECT_EQ(sum, 7.0);
  EXPECT_EQ(f[0 * 14 + 4], 1.0f);
  EXPECT_EQ(f[3 * 14 + 0], 1.0f);
  EXPECT_EQ(f[6 * 14 + 1], 1.0f);
}

TEST(BagTaskTest, EnergyRule) {
  BagTask task;
  const double base = -std::log(0.01), frequent = -std::log(10.0),
               mode = -std::log(30.0);
  // Partial bags: never modes, ">= 7 of a letter" already counts.
  EXPECT_NEAR(task.PartialEnergy({0, 0, 0, 0, 0, 0, 0}), base, 1e-12);
  EXPECT_NEAR(task.PartialEnergy({6, 0, 0, 0, 0, 0, 0}), base, 1e-12);
  EXPECT_NEAR(task.PartialEnergy({7, 0, 0, 0, 0, 0, 0}), frequent, 1e-12);
  EXPECT_FALSE(task.IsMode({7, 0, 0, 0, 0, 0, 0}));
  // Full bags without a frequent letter.
  EXPECT_NEAR(task.Energy({6, 6, 1, 0, 0, 0, 0}), base, 1e-12);
  EXPECT_FALSE(task.IsMode({6, 6, 1, 0, 0, 0, 0}));
  // Full bags with one: 30 for a mode, 10 otherwise.
  int modes = 0, others = 0;
  for (int c = 7; c <= 13; ++c) {
    for (int l = 1; l < 7; ++l) {
      State x(7, 0);
      x[0] = c;
      x[l] = 13 - c;
      if (task.IsMode(x)) {
        ++modes;
        EXPECT_NEAR(task.Energy(x), mode, 1e-12);
      } else {
        ++others;
        EXPECT_NEAR(task.Energy(x), frequent, 1e-12);
      }
    }
  }
  EXPECT_GT(modes, 0);
  EXPECT_GT(others, 0);
}

TEST(BagTaskTest, TerminalBagsAndModeFraction) {
  BagTask task;
  absl::StatusOr<StateGraph> graph = EnumerateStateGraph(task, 1 << 20);
  ASSERT_TRUE(graph.ok()) << graph.status();
  ASSERT_EQ(graph->objects.size(), 27132u);  // C(19, 6)
  int frequent = 0, modes = 0;
  for (int32_t i : graph->objects) {
    const State& x = graph->states[i];
    ASSERT_EQ(task.Level(x), 13);
    bool has_frequent = false;
    for (int c : x) has_frequent = has_frequent || c >= 7;
    frequent += has_frequent;
    if (task.IsMode(x)) {
      ++modes;
      EXPECT_TRUE(has_frequent) << task.ToString(x);
    }
  }
  EXPECT_EQ(frequent, 7 * 924);  // 7 letters x C(12, 6) completions.
  const double fraction = static_cast<double>(modes) / frequent;
  EXPECT_GT(fraction, 0.22);
  EXPECT_LT(fraction, 0.28);
}

TEST(BagTaskTest, ModeHashIsPinned) {
  // The mode set must not change silently across builds: pin the packing
  // and the seed.
  EXPECT_EQ(BagTask::kModeSeed, 0x4C454447464E2D31ULL);
  EXPECT_EQ(BagTask::PackCounts({13, 0, 0, 0, 0, 0, 1}), 0x000100000000000DULL);
  // Reference values of SplitMix64 (first outputs of the generator seeded
  // with 0 are SplitMix64(0), SplitMix64(gamma), ...).
  EXPECT_EQ(BagTask::SplitMix64(0), 0xE220A8397B1DCDAFULL);
}

TEST(BagTaskTest, SmallerBagsUseHalfPlusOneThreshold) {
  BagTask task(3, 5);
  EXPECT_EQ(task.threshold(), 3);
  EXPECT_EQ(task.feature_size(), 18);
  EXPECT_EQ(task.num_forward_actions(), 4);
  EXPECT_NEAR(task.PartialEnergy({3, 0, 0}), -std::log(10.0), 1e-12);
  EXPECT_NEAR(task.PartialEnergy({2, 2, 0}), -std::log(0.01), 1e-12);
}

TEST(BagTaskTest, ParsesModesList) {
  absl::StatusOr<std::vector<State>> modes =
      ParseBagModes("# comment\n\n  aaaaaaabbbbbb  \nGGGGGGGFEDCBA\r\n", 7, 13);
  ASSERT_TRUE(modes.ok()) << modes.status();
  ASSERT_EQ(modes->size(), 2u);
  EXPECT_THAT((*modes)[0], ElementsAre(7, 6, 0, 0, 0, 0, 0));
  EXPECT_THAT((*modes)[1], ElementsAre(1, 1, 1, 1, 1, 1, 7));

  absl::Status bad_letter =
      ParseBagModes("aaaaaaabbbbbb\n#x\naaaaaaabbbbbh\n", 7, 13).status();
  EXPECT_EQ(bad_letter.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(bad_letter.message(), HasSubstr("line 3"));
  absl::Status short_line = ParseBagModes("aaaa\n", 7, 13).status();
  EXPECT_EQ(short_line.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(short_line.message(), HasSubstr("line 1"));
  EXPECT_EQ(ParseBagModes("# only comments\n\n", 7, 13).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(BagTaskTest, ExplicitModesReplaceTheHash) {
  const std::string path =
      WriteTempFile("modes.txt", "aaaaaaabbbbbb\nabcdefgabcdef\n");
  TaskOptions options;
  options.name = "bag";
  options.bag_modes_file = path;
  absl::StatusOr<std::unique_ptr<Task>> task = MakeTask(options);
  ASSERT_TRUE(task.ok()) << task.status();
  EXPECT_TRUE((*task)->IsMode({7, 6, 0, 0, 0, 0, 0}));
  EXPECT_NEAR((*task)->Energy({7, 6, 0, 0, 0, 0, 0}), -std::log(30.0), 1e-12);
  // Listed without a frequent letter: still a mode.
  EXPECT_TRUE((*task)->IsMode({2, 2, 2, 2, 2, 2, 1}));
  // Not listed: the frequent rule alone.
  EXPECT_FALSE((*task)->IsMode({7, 0, 6, 0, 0, 0, 0}));
  EXPECT_NEAR((*task)->Energy({7, 0, 6, 0, 0, 0, 0}), -std::log(10.0), 1e-12);
}

// ------------------------------------------------------------------- replay

TEST(ReplayTest, AcceptsLegalTrajectories) {
  HypergridTask grid(2, 4, 0.1, 0.5, 2.0);
  absl::StatusOr<std::vector<State>> states = grid.Replay({0, 1, 0, 2});
  ASSERT_TRUE(states.ok()) << states.status();
  ASSERT_EQ(states->size(), 4u);
  EXPECT_THAT(states->front(), ElementsAre(0, 0));
  EXPECT_THAT(states->back(), ElementsAre(2, 1));
  // Stopping at the origin: the object is s_0 itself.
  states = grid.Replay({2});
  ASSERT_TRUE(states.ok());
  EXPECT_EQ(states->size(), 1u);

  SetTask set({0.1, 0.2, 0.3, 0.4}, 2);
  states = set.Replay({3, 0});
  ASSERT_TRUE(states.ok()) << states.status();
  EXPECT_THAT(states->back(), ElementsAre(1, 0, 0, 1));

  BagTask bag;
  std::vector<int32_t> actions(13, 4);
  actions.push_back(7);
  states = bag.Replay(actions);
  ASSERT_TRUE(states.ok()) << states.status();
  EXPECT_EQ(states->size(), 14u);
  EXPECT_THAT(states->back(), ElementsAre(0, 0, 0, 0, 13, 0, 0));
}

void ExpectRejected(const Task& task, const std::vector<int32_t>& actions,
                    const std::string& reason) {
  absl::Status status = task.Replay(actions).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument)
      << testing::PrintToString(actions);
  EXPECT_THAT(status.message(), HasSubstr(reason))
      << testing::PrintToString(actions);
}

TEST(ReplayTest, RejectsIllegalTrajectoriesWithStop) {
  HypergridTask grid(2, 4, 0.1, 0.5, 2.0);
  ExpectRejected(grid, {}, "empty");
  ExpectRejected(grid, {3}, "outside");
  ExpectRejected(grid, {-1, 2}, "outside");
  ExpectRejected(grid, {0, 0, 0, 0, 2}, "masked");  // Past the edge.
  ExpectRejected(grid, {0, 2, 1, 2}, "not the last");
  ExpectRejected(grid, {0, 1}, "does not end with the stop");
  ExpectRejected(grid, std::vector<int32_t>(8, 1), "more than");

  BagTask bag;
  ExpectRejected(bag, {0, 1, 7}, "masked");  // Stop before size 13.
  ExpectRejected(bag, std::vector<int32_t>(13, 2),
                 "does not end with the stop");
  std::vector<int32_t> extra(13, 2);
  extra.push_back(0);  // A 14th letter instead of the forced stop.
  ExpectRejected(bag, extra, "masked");
}

TEST(ReplayTest, RejectsIllegalTrajectoriesWithoutStop) {
  SetTask set({0.1, 0.2, 0.3, 0.4}, 2);
  ExpectRejected(set, {1, 1}, "masked");  // Adding an item twice.
  ExpectRejected(set, {1}, "terminal");   // Only one of two items.
  ExpectRejected(set, {4, 0}, "outside");
  ExpectRejected(set, {0, 1, 2}, "more than");
}

// A chain whose mask stays open past its terminal state, so only Replay's
// own terminal check stops a trajectory from running through it.
class LeakyChainTask : public Task {
 public:
  std::string name() const override { return "chain"; }
  int state_size() const override { return 1; }
  int feature_size() const override { return 1; }
  int num_forward_actions() const override { return 1; }
  int num_backward_actions() const override { return 1; }
  bool has_stop_action() const override { return false; }
  int max_trajectory_length() const override { return 5; }
  State InitialState() const override { return {0}; }
  void ForwardMask(const State&, uint8_t* mask) const override { mask[0] = 1; }
  void BackwardMask(const State& s, uint8_t* mask) const override {
    mask[0] = s[0] > 0;
  }
  void Step(State& s, int) const override { ++s[0]; }
  bool IsTerminal(const State& s) const override { return s[0] == 2; }
  int Level(const State& s) const override { return s[0]; }
  void Features(const State& s, float* out) const override { out[0] = s[0]; }
  double Energy(const State&) const override { return 0.0; }
  double PartialEnergy(const State&) const override { return 0.0; }
  bool IsMode(const State&) const override { return false; }
  bool exactly_enumerable() const override { return false; }
  TaskDefaults defaults() const override { return {}; }
};

TEST(ReplayTest, RejectsContinuingPastTerminalState) {
  LeakyChainTask chain;
  EXPECT_TRUE(chain.Replay({0, 0}).ok());
  ExpectRejected(chain, {0, 0, 0}, "past terminal state s_2");
  ExpectRejected(chain, {0}, "terminal");
  // Defaults of the base class.
  EXPECT_EQ(chain.ExactLogZ().status().code(),
            absl::StatusCode::kUnimplemented);
  EXPECT_EQ(chain.ToString({3}), "3");
  HypergridTask grid(3, 4, 0.1, 0.5, 2.0);
  EXPECT_EQ(grid.ToString({1, 0, 2}), "1,0,2");
}

// ----------------------------------------------------------------- MakeTask

TEST(MakeTaskTest, BuildsEachTask) {
  TaskOptions options;
  options.name = "hypergrid";
  options.hypergrid_dim = 3;
  options.hypergrid_side = 5;
  absl::StatusOr<std::unique_ptr<Task>> task = MakeTask(options);
  ASSERT_TRUE(task.ok()) << task.status();
  EXPECT_EQ((*task)->name(), "hypergrid");
  EXPECT_EQ((*task)->state_size(), 3);
  EXPECT_EQ((*task)->feature_size(), 15);

  options.name = "set";
  options.set_size = "medium";
  task = MakeTask(options);
  ASSERT_TRUE(task.ok()) << task.status();
  EXPECT_EQ((*task)->name(), "set");
  EXPECT_EQ((*task)->state_size(), 80);
  EXPECT_EQ((*task)->max_trajectory_length(), 60);

  options.name = "bag";
  task = MakeTask(options);
  ASSERT_TRUE(task.ok()) << task.status();
  EXPECT_EQ((*task)->name(), "bag");
  EXPECT_EQ((*task)->defaults().batch_size, 32);
  EXPECT_EQ((*task)->defaults().subtb_lambda, 0.99);
}

TEST(MakeTaskTest, VectorTasksStepBackAndHaveNoOtherCapability) {
  for (const char* name : {"hypergrid", "set", "bag"}) {
    TaskOptions options;
    options.name = name;
    absl::StatusOr<std::unique_ptr<Task>> task = MakeTask(options);
    ASSERT_TRUE(task.ok()) << task.status();
    EXPECT_NE((*task)->backward_dynamics(), nullptr) << name;
    EXPECT_EQ((*task)->graph_states(), nullptr) << name;
    EXPECT_EQ((*task)->fragment_tree_layout(), nullptr) << name;
    EXPECT_EQ((*task)->instances(), nullptr) << name;
    EXPECT_EQ((*task)->object_metrics(), nullptr) << name;
  }
}

absl::StatusCode MakeCode(const TaskOptions& options) {
  return MakeTask(options).status().code();
}

TEST(MakeTaskTest, RejectsBadOptions) {
  constexpr auto kInvalid = absl::StatusCode::kInvalidArgument;
  TaskOptions o;
  o.name = "grid";
  EXPECT_EQ(MakeCode(o), kInvalid);
  EXPECT_THAT(MakeTask(o).status().message(), HasSubstr("unknown task"));

  o = TaskOptions();
  o.name = "hypergrid";
  o.hypergrid_dim = 0;
  EXPECT_EQ(MakeCode(o), kInvalid);
  o.hypergrid_dim = 1000;
  EXPECT_EQ(MakeCode(o), kInvalid);
  o.hypergrid_dim = 2;
  o.hypergrid_side = 0;
  EXPECT_EQ(MakeCode(o), kInvalid);
  o.hypergrid_side = 1;
  EXPECT_EQ(MakeCode(o), kInvalid);
  o.hypergrid_side = 100000;
  EXPECT_EQ(MakeCode(o), kInvalid);
  o.hypergrid_side = 8;
  o.hypergrid_r0 = 0.0;
  EXPECT_EQ(MakeCode(o), kInvalid);
  o.hypergrid_r0 = std::nan("");
  EXPECT_EQ(MakeCode(o), kInvalid);
  o.hypergrid_r0 = 0.1;
  o.hypergrid_r2 = -1.0;
  EXPECT_EQ(MakeCode(o), kInvalid);

  o = TaskOptions();
  o.name = "set";
  o.set_size = "tiny";
  EXPECT_EQ(MakeCode(o), kInvalid);

  o = TaskOptions();
  o.name = "bag";
  o.bag_modes_file = ::testing::TempDir() + "/no_such_modes_file.txt";
  EXPECT_EQ(MakeCode(o), absl::StatusCode::kNotFound);
  o.bag_modes_file = WriteTempFile("bad_modes.txt", "aaaaaaabbbbbb\nhello\n");
  EXPECT_EQ(MakeCode(o), kInvalid);
  EXPECT_THAT(MakeTask(o).status().message(), HasSubstr("line 2"));
}

}  // namespace
}  // namespace ledgfn
