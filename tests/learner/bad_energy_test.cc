// One absurd energy costs one trajectory, not the step (issue 21;
// learner/trainer.h): a trajectory with an unusable energy, or whose loss
// terms are not finite, is dropped and the step trains on the rest, with
// exactly the loss and the update of the batch without it; a step is skipped
// only when nothing is left; with --max_energy_disagreement, a wrong energy
// inside the bound that earlier reports outvote is dropped too. Also: metrics.csv never holds nan or inf, and
// the object tracker never takes a non-finite energy.
#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "learner/evaluation.h"
#include "learner/trainer.h"
#include "tasks/bag/bag_task.h"
#include "tasks/hypergrid/hypergrid_task.h"
#include "tasks/object_tracker.h"

namespace ledgfn {
namespace {

// Bag of 2 letters (a = 0, b = 1), size 3, threshold 2.
BagTask TinyBag() { return BagTask(/*num_letters=*/2, /*max_size=*/3, 2); }

TrajectoryRef MakeTrajectory(const Task& task, std::vector<int32_t> actions,
                             double energy, uint64_t sequence) {
  auto t = std::make_shared<Trajectory>();
  t->actions = std::move(actions);
  t->energy = energy;
  t->sequence = sequence;
  return t;
}

TrainerOptions Options(Objective objective) {
  TrainerOptions o;
  o.objective = objective;
  o.hidden = 8;
  o.layers = 1;
  o.max_abs_energy = 10;
  o.seed = 3;
  return o;
}

std::vector<torch::Tensor> Parameters(Trainer& t) {
  std::vector<torch::Tensor> out;
  for (const auto& p : t.policy()->parameters()) out.push_back(p.detach().clone());
  for (const auto& p : t.potential()->parameters()) out.push_back(p.detach().clone());
  return out;
}

void ExpectSameParameters(Trainer& a, Trainer& b) {
  const auto pa = Parameters(a), pb = Parameters(b);
  ASSERT_EQ(pa.size(), pb.size());
  for (size_t i = 0; i < pa.size(); ++i) {
    EXPECT_TRUE(torch::equal(pa[i], pb[i])) << "parameter " << i;
  }
}

class BadEnergyTest : public ::testing::Test {
 protected:
  BagTask task_ = TinyBag();
  // Three good trajectories with their true energies.
  std::vector<TrajectoryRef> Good() {
    std::vector<TrajectoryRef> out;
    uint64_t seq = 0;
    for (std::vector<int32_t> a : {std::vector<int32_t>{0, 0, 1, 2},
                                   std::vector<int32_t>{1, 1, 1, 2},
                                   std::vector<int32_t>{0, 1, 0, 2}}) {
      const double e = task_.Energy(task_.Replay(a)->back());
      out.push_back(MakeTrajectory(task_, a, e, seq++));
    }
    return out;
  }
  // `good` with `bad` inserted second.
  static std::vector<TrajectoryRef> With(std::vector<TrajectoryRef> good,
                                         TrajectoryRef bad) {
    good.insert(good.begin() + 1, std::move(bad));
    return good;
  }
};

TEST_F(BadEnergyTest, OutOfRangeAndNonfiniteEnergiesAreDroppedFromThePolicyStep) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  for (double energy : {-1e300, 1e300, 10.5, -10.5, nan}) {
    SCOPED_TRACE(energy);
    for (Objective objective : {Objective::kSubTB, Objective::kLEDSubTB}) {
      auto with = Trainer::Create(task_, Options(objective));
      auto without = Trainer::Create(task_, Options(objective));
      ASSERT_TRUE(with.ok() && without.ok());
      const auto bad = MakeTrajectory(task_, {1, 0, 1, 2}, energy, 99);
      auto a = (*with)->PolicyStep(With(Good(), bad));
      auto b = (*without)->PolicyStep(Good());
      ASSERT_TRUE(a.ok()) << a.status();
      ASSERT_TRUE(b.ok()) << b.status();
      EXPECT_TRUE(std::isfinite(*a));
      EXPECT_EQ(*a, *b);  // the loss of the batch without it
      ExpectSameParameters(**with, **without);  // and its update
      const DroppedTrajectories& d = (*with)->dropped();
      EXPECT_EQ(d.total(), 1);
      EXPECT_EQ(std::isnan(energy) ? d.nonfinite_energy : d.energy_out_of_range, 1);
      // r_phi's step too.
      auto pa = (*with)->PotentialStep(With(Good(), bad));
      auto pb = (*without)->PotentialStep(Good());
      ASSERT_TRUE(pa.ok() && pb.ok());
      EXPECT_EQ(*pa, *pb);
      ExpectSameParameters(**with, **without);
      EXPECT_EQ((*with)->dropped().total(), 2);
    }
  }
}

// Energies in range whose loss terms still overflow: with beta = 1e38 the
// objectives see beta * E, and 5e38 is inf in float while 0 stays 0. Only
// the trajectory with E = 5 has non-finite terms; it is dropped and the
// loss, the update and r_phi's dropout masks are those of the batch
// without it.
TEST_F(BadEnergyTest, NonfiniteLossTermsAreDroppedAndTheRestTrains) {
  TrainerOptions options = Options(Objective::kLEDSubTB);
  options.reward_exponent = options.reward_exponent_final = 1e38;
  std::vector<TrajectoryRef> zeros;
  uint64_t seq = 0;
  for (std::vector<int32_t> a : {std::vector<int32_t>{0, 0, 1, 2},
                                 std::vector<int32_t>{1, 1, 1, 2}}) {
    zeros.push_back(MakeTrajectory(task_, a, 0.0, seq++));
  }
  const auto bad = MakeTrajectory(task_, {0, 1, 0, 2}, 5.0, 99);
  auto with = Trainer::Create(task_, options);
  auto without = Trainer::Create(task_, options);
  ASSERT_TRUE(with.ok() && without.ok());
  for (int step = 0; step < 2; ++step) {
    auto pa = (*with)->PotentialStep(With(zeros, bad));
    auto pb = (*without)->PotentialStep(zeros);
    ASSERT_TRUE(pa.ok() && pb.ok());
    EXPECT_TRUE(std::isfinite(*pa));
    EXPECT_EQ(*pa, *pb);
    auto a = (*with)->PolicyStep(With(zeros, bad));
    auto b = (*without)->PolicyStep(zeros);
    ASSERT_TRUE(a.ok() && b.ok());
    EXPECT_TRUE(std::isfinite(*a));
    EXPECT_EQ(*a, *b);
    ExpectSameParameters(**with, **without);
  }
  EXPECT_EQ((*with)->dropped().nonfinite_loss, 4);
  EXPECT_EQ((*with)->dropped().total(), 4);
}

// A wrong energy inside the bound, on an object seen before: with
// max_energy_disagreement >= 0 the earlier reports outvote it and it is
// dropped, so the step is the step of the batch without it. Off (the
// default), it trains. A wrong first report cannot be refuted: it trains.
TEST_F(BadEnergyTest, AnEnergyOutvotedByEarlierReportsIsDroppedInsideTheBound) {
  // {1, 0, 0, 2} reaches Good()[0]'s object, the bag {a, a, b}.
  const double truth = task_.Energy(task_.Replay({1, 0, 0, 2})->back());
  const auto wrong = MakeTrajectory(task_, {1, 0, 0, 2}, truth - 3, 99);
  for (Objective objective : {Objective::kSubTB, Objective::kLEDSubTB}) {
    SCOPED_TRACE(ObjectiveName(objective));
    TrainerOptions options = Options(objective);
    options.max_energy_disagreement = 0;
    auto with = Trainer::Create(task_, options);
    auto without = Trainer::Create(task_, options);
    auto off = Trainer::Create(task_, Options(objective));
    ASSERT_TRUE(with.ok() && without.ok() && off.ok());
    auto a = (*with)->PolicyStep(With(Good(), wrong));
    auto b = (*without)->PolicyStep(Good());
    auto c = (*off)->PolicyStep(With(Good(), wrong));
    ASSERT_TRUE(a.ok() && b.ok() && c.ok());
    EXPECT_EQ(*a, *b);  // the loss of the batch without it
    ExpectSameParameters(**with, **without);
    EXPECT_EQ((*with)->dropped().inconsistent_energy, 1);
    EXPECT_EQ((*with)->dropped().total(), 1);
    EXPECT_NE(*c, *b);  // off: it trains
    EXPECT_EQ((*off)->dropped().total(), 0);
    // r_phi's step too.
    auto pa = (*with)->PotentialStep(With(Good(), wrong));
    auto pb = (*without)->PotentialStep(Good());
    ASSERT_TRUE(pa.ok() && pb.ok());
    EXPECT_EQ(*pa, *pb);
    ExpectSameParameters(**with, **without);
    EXPECT_EQ((*with)->dropped().inconsistent_energy, 2);
  }
  // The first report of an object cannot be refuted.
  TrainerOptions options = Options(Objective::kSubTB);
  options.max_energy_disagreement = 0;
  auto fresh = Trainer::Create(task_, options);
  ASSERT_TRUE(fresh.ok());
  ASSERT_TRUE((*fresh)->PolicyStep({wrong}).ok());
  EXPECT_EQ((*fresh)->dropped().total(), 0);
}

// The consensus is per terminal state, not per Task::ObjectKey: two states
// can be one object and still have different, right energies (the sEH
// proxy scores one molecule built from two fragment trees differently).
// Here every bag is "one object"; the states' energies must all train.
TEST(EnergyConsensusKeyTest, StatesOfOneObjectKeepTheirOwnEnergies) {
  class OneObjectBag : public BagTask {
   public:
    // Threshold 3: aab has the base energy, bbb the frequent (or mode) one.
    OneObjectBag() : BagTask(2, 3, 3) {}
    std::string ObjectKey(const State&) const override { return "one"; }
  };
  OneObjectBag task;
  std::vector<TrajectoryRef> batch;
  uint64_t seq = 0;
  for (std::vector<int32_t> a : {std::vector<int32_t>{0, 0, 1, 2},
                                 std::vector<int32_t>{1, 1, 1, 2},
                                 std::vector<int32_t>{0, 1, 0, 2}}) {
    batch.push_back(MakeTrajectory(task, a, task.Energy(task.Replay(a)->back()), seq++));
  }
  ASSERT_NE(batch[0]->energy, batch[1]->energy);
  TrainerOptions options = Options(Objective::kSubTB);
  options.max_energy_disagreement = 0;
  auto trainer = Trainer::Create(task, options);
  ASSERT_TRUE(trainer.ok());
  ASSERT_TRUE((*trainer)->PolicyStep(batch).ok());
  ASSERT_TRUE((*trainer)->PolicyStep(batch).ok());
  EXPECT_EQ((*trainer)->dropped().total(), 0);
}

// With nothing usable left the step is skipped: NaN, counted, no update.
TEST_F(BadEnergyTest, AStepIsSkippedOnlyWhenNothingIsLeft) {
  auto trainer = Trainer::Create(task_, Options(Objective::kSubTB));
  ASSERT_TRUE(trainer.ok());
  const auto before = Parameters(**trainer);
  auto value = (*trainer)->PolicyStep(
      {MakeTrajectory(task_, {0, 0, 1, 2}, 1e300, 0),
       MakeTrajectory(task_, {1, 1, 1, 2}, -20, 1)});
  ASSERT_TRUE(value.ok());
  EXPECT_TRUE(std::isnan(*value));
  EXPECT_EQ((*trainer)->dropped().energy_out_of_range, 2);
  const auto after = Parameters(**trainer);
  for (size_t i = 0; i < before.size(); ++i) {
    EXPECT_TRUE(torch::equal(before[i], after[i]));
  }
}

TEST(TrainerOptionsTest, TheEnergyBoundMustBeInRange) {
  BagTask task = TinyBag();
  for (double bound : {0.0, -1.0, 701.0, std::numeric_limits<double>::infinity(),
                       std::numeric_limits<double>::quiet_NaN()}) {
    TrainerOptions o = Options(Objective::kSubTB);
    o.max_abs_energy = bound;
    EXPECT_FALSE(Trainer::Create(task, o).ok()) << bound;
  }
  TrainerOptions o = Options(Objective::kSubTB);
  o.max_energy_disagreement = std::numeric_limits<double>::quiet_NaN();
  EXPECT_FALSE(Trainer::Create(task, o).ok());
}

// Each task's documented default bound: twice its own largest |E|, >= 10.
TEST(EnergyBoundDefaultsTest, FollowTheTasksOwnEnergies) {
  EXPECT_EQ(BagTask().defaults().max_abs_energy, 10);  // |E| <= log 100
  EXPECT_EQ(HypergridTask(4, 8, 0.1, 0.5, 2.0).defaults().max_abs_energy, 10);
  // R0 = 1e-6: |E| <= -log(1e-6) = 13.8.
  EXPECT_NEAR(HypergridTask(2, 4, 1e-6, 0.5, 2.0).defaults().max_abs_energy,
              -2 * std::log(1e-6), 1e-9);
}

TEST(MetricsCsvTest, NeverHoldsNanOrInf) {
  EvalRow row;
  row.policy_loss = std::numeric_limits<double>::quiet_NaN();  // all skipped
  row.log_z = std::numeric_limits<double>::infinity();
  row.l1 = 0.5;
  row.dropped.energy_out_of_range = 2;
  row.dropped.nonfinite_loss = 1;
  const std::string line = EvalRowToCsv(row);
  EXPECT_EQ(line.find("nan"), std::string::npos) << line;
  EXPECT_EQ(line.find("inf"), std::string::npos) << line;
  auto split = [](const std::string& s) {
    std::vector<std::string> out(1);
    for (char c : s) {
      if (c == ',') {
        out.emplace_back();
      } else {
        out.back().push_back(c);
      }
    }
    return out;
  };
  const std::vector<std::string> header = split(EvalCsvHeader());
  const std::vector<std::string> cells = split(line);
  ASSERT_EQ(cells.size(), header.size());
  std::map<std::string, std::string> value;
  for (size_t i = 0; i < header.size(); ++i) value[header[i]] = cells[i];
  EXPECT_EQ(value["policy_loss"], "");
  EXPECT_EQ(value["log_z"], "");
  EXPECT_EQ(value["top100_score"], "");  // absent
  EXPECT_EQ(value["l1"], "0.5");
  EXPECT_EQ(value["dropped_trajectories"], "3");
}

TEST(ObjectTrackerTest, NeverTakesANonfiniteEnergy) {
  BagTask task = TinyBag();
  ObjectTracker tracker;
  EXPECT_FALSE(tracker.Add(task, {2, 1}, -std::numeric_limits<double>::infinity()));
  EXPECT_FALSE(tracker.Add(task, {2, 1}, std::numeric_limits<double>::quiet_NaN()));
  EXPECT_TRUE(tracker.Add(task, {2, 1}, -2.0));
  EXPECT_EQ(tracker.num_distinct(), 1);
  EXPECT_TRUE(std::isfinite(tracker.TopKMeanReward()));
}

}  // namespace
}  // namespace ledgfn
