#include "replay/table.h"

#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "common/trajectory.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ledgfn {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

Trajectory MakeTrajectory(double energy, int32_t actor_id = 0,
                          uint64_t sequence = 0) {
  Trajectory t;
  t.actions = {1, 2, 3};
  t.energy = energy;
  t.actor_id = actor_id;
  t.sequence = sequence;
  return t;
}

std::unique_ptr<Table> MakeTable(int64_t capacity, double alpha = 1.0) {
  auto table = Table::Create(TableOptions{capacity, alpha});
  EXPECT_TRUE(table.ok()) << table.status();
  return *std::move(table);
}

std::vector<int64_t> Keys(const std::vector<Table::Item>& items) {
  std::vector<int64_t> keys;
  for (const auto& item : items) keys.push_back(item.key);
  return keys;
}

// Pearson's chi-square statistic of `counts` against probabilities `p`.
double ChiSquare(const std::map<int64_t, int64_t>& counts,
                 const std::map<int64_t, double>& p, int64_t draws) {
  double chi2 = 0.0;
  for (const auto& [key, prob] : p) {
    const double expected = prob * static_cast<double>(draws);
    const auto it = counts.find(key);
    const double observed = it == counts.end() ? 0.0 : it->second;
    chi2 += (observed - expected) * (observed - expected) / expected;
  }
  return chi2;
}

// Probabilities ∝ exp(-alpha * E) for the given key -> energy map.
std::map<int64_t, double> BoltzmannProbabilities(
    const std::map<int64_t, double>& energies, double alpha) {
  std::map<int64_t, double> p;
  double max_x = -std::numeric_limits<double>::infinity();
  for (const auto& [key, e] : energies) max_x = std::max(max_x, -alpha * e);
  double z = 0.0;
  for (const auto& [key, e] : energies) z += std::exp(-alpha * e - max_x);
  for (const auto& [key, e] : energies) p[key] = std::exp(-alpha * e - max_x) / z;
  return p;
}

std::map<int64_t, int64_t> Count(const std::vector<Table::Item>& items) {
  std::map<int64_t, int64_t> counts;
  for (const auto& item : items) ++counts[item.key];
  return counts;
}

// 99.99% quantiles of the chi-square distribution: a correct sampler fails
// these with probability 1e-4, and the fixed seeds make each test
// deterministic anyway.
constexpr double kChi2Dof3 = 21.11;
constexpr double kChi2Dof7 = 29.88;

TEST(TableOptionsTest, ValidateRejectsBadOptions) {
  EXPECT_TRUE(TableOptions({1, 1.0}).Validate().ok());
  EXPECT_TRUE(TableOptions({1000, 0.0}).Validate().ok());
  EXPECT_EQ(TableOptions({0, 1.0}).Validate().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(TableOptions({-5, 1.0}).Validate().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(TableOptions({int64_t{1} << 40, 1.0}).Validate().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(
      TableOptions({10, std::numeric_limits<double>::quiet_NaN()}).Validate()
          .code(),
      absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(
      TableOptions({10, std::numeric_limits<double>::infinity()}).Validate()
          .code(),
      absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Table::Create(TableOptions{0, 1.0}).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(TableTest, EmptyTableAndNonPositiveCountsSampleNothing) {
  auto table = MakeTable(4);
  std::mt19937_64 rng(1);
  EXPECT_THAT(table->SampleUniform(5, rng), IsEmpty());
  EXPECT_THAT(table->SampleNewestWindow(5, 3, rng), IsEmpty());
  EXPECT_THAT(table->SamplePrioritized(5, rng), IsEmpty());
  EXPECT_THAT(table->TakeFresh(5), IsEmpty());
  EXPECT_EQ(table->size(), 0);

  table->Insert(MakeTrajectory(0.0));
  EXPECT_THAT(table->SampleUniform(0, rng), IsEmpty());
  EXPECT_THAT(table->SampleUniform(-3, rng), IsEmpty());
  EXPECT_THAT(table->SampleNewestWindow(0, 3, rng), IsEmpty());
  EXPECT_THAT(table->SampleNewestWindow(3, 0, rng), IsEmpty());
  EXPECT_THAT(table->SampleNewestWindow(3, -1, rng), IsEmpty());
  EXPECT_THAT(table->SamplePrioritized(-1, rng), IsEmpty());
  EXPECT_THAT(table->TakeFresh(0), IsEmpty());
  EXPECT_EQ(table->num_fresh(), 1);
  EXPECT_THAT(Keys(table->SampleUniform(3, rng)), ElementsAre(0, 0, 0));
}

TEST(TableTest, FifoEvictionAndMonotonicKeys) {
  auto table = MakeTable(3);
  EXPECT_EQ(table->capacity(), 3);
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(table->Insert(MakeTrajectory(0.0, 0, 100 + i)), i);
    EXPECT_EQ(table->size(), std::min(i + 1, 3));
  }
  EXPECT_EQ(table->total_inserted(), 5);
  EXPECT_EQ(table->total_evicted(), 2);

  // Keys 0 and 1 are gone; 2..4 remain with their own trajectories.
  std::mt19937_64 rng(7);
  const auto items = table->SampleUniform(3000, rng);
  ASSERT_EQ(items.size(), 3000u);
  std::map<int64_t, int64_t> counts;
  for (const auto& item : items) {
    ASSERT_NE(item.trajectory, nullptr);
    EXPECT_EQ(item.trajectory->sequence, static_cast<uint64_t>(100 + item.key));
    ++counts[item.key];
  }
  EXPECT_EQ(counts.size(), 3u);
  EXPECT_EQ(counts.begin()->first, 2);
  EXPECT_EQ(counts.rbegin()->first, 4);
  // Uniform: each of 3 keys ~1000 of 3000.
  EXPECT_LT(ChiSquare(counts, {{2, 1.0 / 3}, {3, 1.0 / 3}, {4, 1.0 / 3}}, 3000),
            18.4);  // 2 dof, 99.99%

  // One more insert evicts key 2 next.
  EXPECT_EQ(table->Insert(MakeTrajectory(0.0, 0, 105)), 5);
  for (const auto& item : table->SampleUniform(500, rng)) {
    EXPECT_GE(item.key, 3);
    EXPECT_LE(item.key, 5);
  }
}

TEST(TableTest, SampledItemsSurviveEviction) {
  auto table = MakeTable(2);
  table->Insert(MakeTrajectory(1.5, 3, 42));
  std::mt19937_64 rng(3);
  const auto items = table->SampleUniform(1, rng);
  ASSERT_EQ(items.size(), 1u);
  for (int i = 0; i < 10; ++i) table->Insert(MakeTrajectory(0.0));
  EXPECT_EQ(table->total_evicted(), 9);
  EXPECT_EQ(items[0].key, 0);
  EXPECT_EQ(items[0].trajectory->sequence, 42u);
  EXPECT_EQ(items[0].trajectory->actor_id, 3);
  EXPECT_EQ(items[0].trajectory->energy, 1.5);
  EXPECT_EQ(items[0].trajectory.use_count(), 1);  // the table let go
}

TEST(TableTest, NewestWindowOnlyReturnsNewestItems) {
  auto table = MakeTable(10);
  for (int i = 0; i < 15; ++i) table->Insert(MakeTrajectory(0.0));
  // Live keys: 5..14.
  std::mt19937_64 rng(11);

  std::set<int64_t> seen;
  for (const auto& item : table->SampleNewestWindow(3000, 3, rng)) {
    seen.insert(item.key);
  }
  EXPECT_EQ(seen, (std::set<int64_t>{12, 13, 14}));

  seen.clear();
  for (const auto& item : table->SampleNewestWindow(1000, 1, rng)) {
    seen.insert(item.key);
  }
  EXPECT_EQ(seen, (std::set<int64_t>{14}));

  // A window larger than the table covers exactly the live items.
  seen.clear();
  for (const auto& item : table->SampleNewestWindow(5000, 1000, rng)) {
    seen.insert(item.key);
  }
  std::set<int64_t> live;
  for (int64_t k = 5; k < 15; ++k) live.insert(k);
  EXPECT_EQ(seen, live);
}

TEST(TableTest, PrioritizedFrequenciesMatchBoltzmannWeights) {
  for (const double alpha : {1.0, 0.5, 2.0}) {
    SCOPED_TRACE(alpha);
    auto table = MakeTable(8, alpha);
    const std::vector<double> energies = {0.0, 0.5, 1.0, 1.5,
                                          2.0, 2.5, 3.0, 3.5};
    std::map<int64_t, double> by_key;
    for (double e : energies) by_key[table->Insert(MakeTrajectory(e))] = e;

    constexpr int kDraws = 200000;
    std::mt19937_64 rng(12345);
    const auto items = table->SamplePrioritized(kDraws, rng);
    ASSERT_EQ(items.size(), static_cast<size_t>(kDraws));
    for (const auto& item : items) {
      ASSERT_EQ(item.trajectory->energy, by_key.at(item.key));
    }
    const auto counts = Count(items);
    const auto p = BoltzmannProbabilities(by_key, alpha);
    EXPECT_LT(ChiSquare(counts, p, kDraws), kChi2Dof7);

    // Power check: the same counts are wildly inconsistent with uniform
    // sampling and with the wrong temperature.
    std::map<int64_t, double> uniform;
    for (const auto& [key, e] : by_key) uniform[key] = 1.0 / 8;
    EXPECT_GT(ChiSquare(counts, uniform, kDraws), 1000.0);
    EXPECT_GT(ChiSquare(counts, BoltzmannProbabilities(by_key, alpha * 1.2),
                        kDraws),
              100.0);
  }
}

TEST(TableTest, PrioritizedForgetsEvictedItems) {
  auto table = MakeTable(4);
  // Very heavy items (weight e^20 each) that will all be evicted.
  for (int i = 0; i < 4; ++i) table->Insert(MakeTrajectory(-20.0));
  std::map<int64_t, double> by_key;
  for (double e : {0.0, 1.0, 2.0, 3.0}) {
    by_key[table->Insert(MakeTrajectory(e))] = e;
  }
  EXPECT_EQ(table->total_evicted(), 4);

  constexpr int kDraws = 100000;
  std::mt19937_64 rng(99);
  const auto items = table->SamplePrioritized(kDraws, rng);
  for (const auto& item : items) {
    ASSERT_GE(item.key, 4);
    ASSERT_EQ(item.trajectory->energy, by_key.at(item.key));
  }
  EXPECT_LT(ChiSquare(Count(items), BoltzmannProbabilities(by_key, 1.0),
                      kDraws),
            kChi2Dof3);
}

TEST(TableTest, PrioritizedStaysExactForExtremeEnergies) {
  auto table = MakeTable(4);
  // exp(-2000) underflows; only the shifted weights make these samplable.
  std::map<int64_t, double> by_key;
  for (double e : {2000.0, 2001.0, 2002.0}) {
    by_key[table->Insert(MakeTrajectory(e))] = e;
  }
  constexpr int kDraws = 60000;
  std::mt19937_64 rng(5);
  auto items = table->SamplePrioritized(kDraws, rng);
  ASSERT_EQ(items.size(), static_cast<size_t>(kDraws));
  EXPECT_LT(ChiSquare(Count(items), BoltzmannProbabilities(by_key, 1.0),
                      kDraws),
            18.4);  // 2 dof, 99.99%

  // exp(+5000) overflows; this item must take every draw, with no NaN/inf.
  const int64_t heavy = table->Insert(MakeTrajectory(-5000.0));
  for (const auto& item : table->SamplePrioritized(1000, rng)) {
    ASSERT_EQ(item.key, heavy);
  }

  // Evict the three light items and then the heavy one: the total weight
  // collapses to exp(-7000) relative to the old shift and must be re-centred.
  by_key.clear();
  for (double e : {3000.0, 3000.5, 3001.0}) {
    table->Insert(MakeTrajectory(e));
  }
  for (const auto& item : table->SamplePrioritized(1000, rng)) {
    ASSERT_EQ(item.key, heavy);
  }
  by_key[table->Insert(MakeTrajectory(3000.25))] = 3000.25;
  for (int64_t key = 4; key < 7; ++key) by_key[key] = 3000.0 + 0.5 * (key - 4);
  EXPECT_EQ(table->total_evicted(), 4);
  items = table->SamplePrioritized(kDraws, rng);
  for (const auto& item : items) {
    ASSERT_EQ(item.trajectory->energy, by_key.at(item.key));
  }
  EXPECT_LT(ChiSquare(Count(items), BoltzmannProbabilities(by_key, 1.0),
                      kDraws),
            kChi2Dof3);
}

TEST(TableTest, PrioritizedIgnoresNanEnergiesAndFallsBackWhenAllAreNan) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  auto table = MakeTable(3);
  table->Insert(MakeTrajectory(nan));
  // Only NaN items: uniform fallback still returns items.
  std::mt19937_64 rng(8);
  EXPECT_THAT(Keys(table->SamplePrioritized(3, rng)), ElementsAre(0, 0, 0));

  const int64_t good = table->Insert(MakeTrajectory(1.0));
  table->Insert(MakeTrajectory(nan));
  for (const auto& item : table->SamplePrioritized(2000, rng)) {
    ASSERT_EQ(item.key, good);
  }
  // +inf energy has weight 0 next to a finite one; -inf dominates.
  table->Insert(MakeTrajectory(std::numeric_limits<double>::infinity()));
  for (const auto& item : table->SamplePrioritized(2000, rng)) {
    ASSERT_EQ(item.key, good);
  }
  const int64_t best =
      table->Insert(MakeTrajectory(-std::numeric_limits<double>::infinity()));
  for (const auto& item : table->SamplePrioritized(2000, rng)) {
    ASSERT_EQ(item.key, best);
  }
}

TEST(TableTest, ZeroAlphaIsUniform) {
  auto table = MakeTable(4, 0.0);
  std::map<int64_t, double> uniform;
  for (double e : {-50.0, 0.0, 7.0, 300.0}) {
    uniform[table->Insert(MakeTrajectory(e))] = 0.25;
  }
  constexpr int kDraws = 40000;
  std::mt19937_64 rng(21);
  EXPECT_LT(ChiSquare(Count(table->SamplePrioritized(kDraws, rng)), uniform,
                      kDraws),
            kChi2Dof3);
}

TEST(TableTest, SamplingIsDeterministicGivenTheEngine) {
  auto table = MakeTable(16);
  for (int i = 0; i < 16; ++i) table->Insert(MakeTrajectory(0.1 * i));
  std::mt19937_64 a(77), b(77);
  EXPECT_EQ(Keys(table->SamplePrioritized(50, a)),
            Keys(table->SamplePrioritized(50, b)));
  EXPECT_EQ(Keys(table->SampleUniform(50, a)), Keys(table->SampleUniform(50, b)));
  EXPECT_EQ(Keys(table->SampleNewestWindow(50, 5, a)),
            Keys(table->SampleNewestWindow(50, 5, b)));
}

TEST(TableTest, TakeFreshOrderCursorAndEvictedSkips) {
  auto table = MakeTable(5);
  for (int i = 0; i < 3; ++i) table->Insert(MakeTrajectory(0.0, 0, i));
  EXPECT_EQ(table->num_fresh(), 3);

  const auto first = table->TakeFresh(2);
  EXPECT_THAT(Keys(first), ElementsAre(0, 1));
  EXPECT_EQ(first[1].trajectory->sequence, 1u);
  EXPECT_EQ(table->num_fresh(), 1);
  EXPECT_THAT(Keys(table->TakeFresh(5)), ElementsAre(2));  // fewer available
  EXPECT_THAT(table->TakeFresh(1), IsEmpty());
  EXPECT_EQ(table->num_fresh(), 0);
  // Taken items are still in the table.
  EXPECT_EQ(table->size(), 3);

  // Keys 3..9; capacity 5 evicts 0..4, of which 3 and 4 were never taken.
  for (int i = 3; i < 10; ++i) table->Insert(MakeTrajectory(0.0, 0, i));
  EXPECT_EQ(table->total_evicted(), 5);
  EXPECT_EQ(table->fresh_evicted(), 2);
  EXPECT_EQ(table->num_fresh(), 5);
  EXPECT_THAT(Keys(table->TakeFresh(2)), ElementsAre(5, 6));
  // Evicting already-taken items does not count as fresh_evicted.
  table->Insert(MakeTrajectory(0.0, 0, 10));  // evicts 5 (taken)
  table->Insert(MakeTrajectory(0.0, 0, 11));  // evicts 6 (taken)
  EXPECT_EQ(table->fresh_evicted(), 2);
  table->Insert(MakeTrajectory(0.0, 0, 12));  // evicts 7 (fresh)
  EXPECT_EQ(table->fresh_evicted(), 3);
  const auto rest = table->TakeFresh(100);
  EXPECT_THAT(Keys(rest), ElementsAre(8, 9, 10, 11, 12));
  for (const auto& item : rest) {
    EXPECT_EQ(item.trajectory->sequence, static_cast<uint64_t>(item.key));
  }
  // taken (2 + 1 + 2 + 5) + fresh_evicted (3) + num_fresh (0) == inserted.
  EXPECT_EQ(10 + table->fresh_evicted() + table->num_fresh(),
            table->total_inserted());
}

TEST(TableTest, ConcurrentInsertsWithSamplerAreConsistent) {
  constexpr int kThreads = 4;
  constexpr int kPerThread = 5000;
  constexpr int64_t kCapacity = 1000;
  constexpr int kSamplerIterations = 500;
  auto table = MakeTable(kCapacity);

  std::vector<std::vector<int64_t>> keys(kThreads);
  std::vector<std::thread> inserters;
  for (int t = 0; t < kThreads; ++t) {
    inserters.emplace_back([&table, &keys, t] {
      for (int i = 0; i < kPerThread; ++i) {
        keys[t].push_back(
            table->Insert(MakeTrajectory(0.01 * (i % 100), t, i)));
      }
    });
  }

  // The sampler does a fixed amount of work, concurrently with whatever
  // part of the inserts overlaps it; its checks hold for any interleaving.
  std::map<int64_t, std::pair<int32_t, uint64_t>> identity;
  std::vector<Table::Item> taken;
  bool consistent = true;
  std::thread sampler([&] {
    std::mt19937_64 rng(2024);
    auto check = [&](const std::vector<Table::Item>& items) {
      for (const auto& item : items) {
        const auto id = std::make_pair(item.trajectory->actor_id,
                                       item.trajectory->sequence);
        auto [it, inserted] = identity.emplace(item.key, id);
        if (!inserted && it->second != id) consistent = false;
        if (item.key < 0 || item.key >= kThreads * kPerThread) {
          consistent = false;
        }
      }
    };
    for (int i = 0; i < kSamplerIterations; ++i) {
      check(table->SampleUniform(8, rng));
      check(table->SamplePrioritized(8, rng));
      check(table->SampleNewestWindow(8, 50, rng));
      auto fresh = table->TakeFresh(16);
      check(fresh);
      taken.insert(taken.end(), fresh.begin(), fresh.end());
      // size() and total_evicted() are read separately, so only bounds.
      const int64_t size = table->size();
      if (size < 0 || size > kCapacity) consistent = false;
    }
  });
  for (auto& thread : inserters) thread.join();
  sampler.join();
  EXPECT_TRUE(consistent);

  constexpr int64_t kTotal = kThreads * kPerThread;
  EXPECT_EQ(table->total_inserted(), kTotal);
  EXPECT_EQ(table->size(), kCapacity);
  EXPECT_EQ(table->total_evicted(), kTotal - kCapacity);

  // Every key was handed out exactly once, increasing within each thread.
  std::set<int64_t> all_keys;
  for (const auto& thread_keys : keys) {
    ASSERT_EQ(thread_keys.size(), static_cast<size_t>(kPerThread));
    for (size_t i = 1; i < thread_keys.size(); ++i) {
      ASSERT_LT(thread_keys[i - 1], thread_keys[i]);
    }
    all_keys.insert(thread_keys.begin(), thread_keys.end());
  }
  EXPECT_EQ(all_keys.size(), static_cast<size_t>(kTotal));
  EXPECT_EQ(*all_keys.begin(), 0);
  EXPECT_EQ(*all_keys.rbegin(), kTotal - 1);

  // Every observed key maps to the trajectory its inserter got it for.
  for (const auto& [key, id] : identity) {
    ASSERT_EQ(keys[id.first][id.second], key);
  }

  // Fresh accounting balances, and TakeFresh returned strictly increasing
  // keys (hence increasing sequences per actor).
  const auto rest = table->TakeFresh(static_cast<int>(kTotal));
  taken.insert(taken.end(), rest.begin(), rest.end());
  EXPECT_EQ(static_cast<int64_t>(taken.size()) + table->fresh_evicted(),
            kTotal);
  EXPECT_EQ(table->num_fresh(), 0);
  for (size_t i = 1; i < taken.size(); ++i) {
    ASSERT_LT(taken[i - 1].key, taken[i].key);
  }
  // The newest item is never evicted, so it was taken last.
  ASSERT_FALSE(taken.empty());
  EXPECT_EQ(taken.back().key, kTotal - 1);
}

}  // namespace
}  // namespace ledgfn
