// Tests of the distinct-object record behind the modes and top-100 metrics.
#include "tasks/object_tracker.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "tasks/hypergrid/hypergrid_task.h"
#include "gtest/gtest.h"

namespace ledgfn {
namespace {

TEST(ObjectTrackerTest, EmptyTracker) {
  ObjectTracker tracker;
  EXPECT_EQ(tracker.top_k(), 100);
  EXPECT_EQ(tracker.num_distinct(), 0);
  EXPECT_EQ(tracker.num_modes(), 0);
  EXPECT_EQ(tracker.TopKMeanReward(), 0.0);
}

TEST(ObjectTrackerTest, DedupesAndCountsModes) {
  HypergridTask task(2, 8, 0.1, 0.5, 2.0);
  ObjectTracker tracker;
  EXPECT_TRUE(tracker.Add(task, {1, 1}, task.Energy({1, 1})));  // Mode.
  EXPECT_TRUE(tracker.Add(task, {0, 0}, task.Energy({0, 0})));
  EXPECT_FALSE(tracker.Add(task, {1, 1}, task.Energy({1, 1})));  // Again.
  EXPECT_TRUE(tracker.Add(task, {6, 1}, task.Energy({6, 1})));   // Mode.
  EXPECT_FALSE(tracker.Add(task, {0, 0}, task.Energy({0, 0})));
  EXPECT_EQ(tracker.num_distinct(), 3);
  EXPECT_EQ(tracker.num_modes(), 2);
  // Fewer than k objects: the mean over all of them, each counted once.
  EXPECT_NEAR(tracker.TopKMeanReward(), (2.6 + 0.6 + 2.6) / 3, 1e-12);
}

TEST(ObjectTrackerTest, TopKKeepsTheLowestEnergies) {
  HypergridTask task(1, 100, 0.1, 0.5, 2.0);
  ObjectTracker tracker(3);
  // Energies given explicitly: the tracker trusts its caller's oracle.
  const double energies[] = {1.0, 2.0, 3.0, 0.5, 5.0, 2.5, -1.0};
  for (int i = 0; i < 7; ++i) {
    EXPECT_TRUE(tracker.Add(task, {i}, energies[i]));
    if (i == 2) {
      EXPECT_NEAR(tracker.TopKMeanReward(),
                  (std::exp(-1.0) + std::exp(-2.0) + std::exp(-3.0)) / 3,
                  1e-12);
    }
  }
  // The best three of all seven: -1, 0.5, 1.
  EXPECT_NEAR(tracker.TopKMeanReward(),
              (std::exp(1.0) + std::exp(-0.5) + std::exp(-1.0)) / 3, 1e-12);
  // A duplicate with a better energy does not enter the top k twice.
  EXPECT_FALSE(tracker.Add(task, {6}, -1.0));
  EXPECT_FALSE(tracker.Add(task, {4}, -10.0));
  EXPECT_NEAR(tracker.TopKMeanReward(),
              (std::exp(1.0) + std::exp(-0.5) + std::exp(-1.0)) / 3, 1e-12);
  EXPECT_EQ(tracker.num_distinct(), 7);
}

TEST(ObjectTrackerTest, IgnoresNaNEnergies) {
  HypergridTask task(1, 8, 0.1, 0.5, 2.0);
  ObjectTracker tracker;
  EXPECT_FALSE(
      tracker.Add(task, {2}, std::numeric_limits<double>::quiet_NaN()));
  EXPECT_EQ(tracker.num_distinct(), 0);
  EXPECT_TRUE(tracker.Add(task, {2}, 1.0));
  EXPECT_NEAR(tracker.TopKMeanReward(), std::exp(-1.0), 1e-12);
}

TEST(ObjectTrackerTest, ConcurrentAddsCountEachObjectOnce) {
  HypergridTask task(2, 16, 0.1, 0.5, 2.0);
  ObjectTracker tracker(10);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      // Every thread adds all 256 cells; only one add per cell may win.
      for (int i = 0; i < 16; ++i) {
        for (int j = 0; j < 16; ++j)
          tracker.Add(task, {i, j}, task.Energy({i, j}));
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(tracker.num_distinct(), 256);
  // H = 16: a_d in (0.3, 0.4] for k = 2, 13 ... count band-2 cells directly.
  int modes = 0;
  for (int i = 0; i < 16; ++i) {
    for (int j = 0; j < 16; ++j) modes += task.IsMode({i, j});
  }
  EXPECT_GT(modes, 0);
  EXPECT_EQ(tracker.num_modes(), modes);
}

TEST(ObjectTrackerTest, ExportedObjectsRestoreCountsAndTopKExactly) {
  HypergridTask task(2, 16, 0.1, 0.5, 2.0);
  ObjectTracker tracker(5);
  // Energies that differ from the task's, so a restore that recomputed them
  // (instead of using the exported ones) would change the top k.
  for (int i = 0; i < 16; ++i) {
    for (int j = 0; j < 16; ++j) tracker.Add(task, {i, j}, 0.01 * (i * 16 + j));
  }
  auto objects = tracker.Export();
  ASSERT_EQ(static_cast<int64_t>(objects.size()), tracker.num_distinct());
  // In reverse: the restored state must not depend on the order of Adds.
  ObjectTracker restored(5);
  for (auto it = objects.rbegin(); it != objects.rend(); ++it) {
    EXPECT_TRUE(restored.Add(task, it->first, it->second));
  }
  EXPECT_EQ(restored.num_distinct(), tracker.num_distinct());
  EXPECT_EQ(restored.num_modes(), tracker.num_modes());
  EXPECT_GT(restored.num_modes(), 0);
  EXPECT_EQ(restored.TopKMeanReward(), tracker.TopKMeanReward());
  EXPECT_NEAR(restored.TopKMeanReward(),
              (1 + std::exp(-0.01) + std::exp(-0.02) + std::exp(-0.03) +
               std::exp(-0.04)) / 5,
              1e-12);
}

// A 1-D hypergrid whose objects are identified by cell / 10 only, so cells
// 0..9 are one object, 10..19 another, and so on.
class DecadeKeyTask : public HypergridTask {
 public:
  DecadeKeyTask() : HypergridTask(1, 100, 0.1, 0.5, 2.0) {}
  std::string ObjectKey(const State& x) const override {
    return std::to_string(x[0] / 10);
  }
};

TEST(ObjectTrackerTest, DedupesByObjectKeyAndKeepsTheFirstState) {
  DecadeKeyTask task;
  ObjectTracker tracker;
  EXPECT_TRUE(tracker.Add(task, {3}, 1.0));
  EXPECT_FALSE(tracker.Add(task, {7}, 1.0));  // Same key "0".
  EXPECT_TRUE(tracker.Add(task, {13}, 2.0));
  EXPECT_EQ(tracker.num_distinct(), 2);
  auto objects = tracker.Export();
  std::sort(objects.begin(), objects.end());
  EXPECT_EQ(objects, (std::vector<std::pair<State, double>>{{{3}, 1.0},
                                                           {{13}, 2.0}}));
  EXPECT_NEAR(tracker.TopKMeanReward(), (std::exp(-1.0) + std::exp(-2.0)) / 2,
              1e-12);
}

TEST(ObjectTrackerTest, TopKListsTheBestObjectsLowestEnergyFirst) {
  HypergridTask task(1, 100, 0.1, 0.5, 2.0);
  ObjectTracker tracker(3);
  EXPECT_TRUE(tracker.TopK().empty());
  const double energies[] = {1.0, 2.0, 3.0, 0.5, 5.0, 2.5, -1.0};
  for (int i = 0; i < 7; ++i) tracker.Add(task, {i}, energies[i]);
  EXPECT_EQ(tracker.TopK(), (std::vector<std::pair<State, double>>{
                                {{6}, -1.0}, {{3}, 0.5}, {{0}, 1.0}}));
  // Equal energies: the smaller key (raw bytes of the state) wins, whatever
  // the order of the Adds.
  ObjectTracker ties(1);
  ties.Add(task, {2}, 0.0);
  ties.Add(task, {1}, 0.0);
  ties.Add(task, {3}, 0.0);
  EXPECT_EQ(ties.TopK(),
            (std::vector<std::pair<State, double>>{{{1}, 0.0}}));
}

}  // namespace
}  // namespace ledgfn
