// MeteredOracle counts the energies an oracle computed, the cost LED-GFN
// saves over FL-GFN: one per trajectory versus one per state.
#include "actor/metered_oracle.h"

#include <atomic>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "gtest/gtest.h"

namespace ledgfn {
namespace {

// Returns E = first value of each state; fails for an empty batch.
class FirstValueOracle : public EnergyOracle {
 public:
  absl::StatusOr<std::vector<double>> Energies(
      absl::Span<const State> objects) override {
    if (objects.empty()) return absl::InvalidArgumentError("empty");
    std::vector<double> out;
    for (const State& s : objects) out.push_back(s[0]);
    return out;
  }
  absl::StatusOr<std::vector<double>> PartialEnergies(
      absl::Span<const State> states) override {
    return Energies(states);
  }
};

TEST(MeteredOracleTest, CountsEveryObjectOfSuccessfulCallsAndReportsEachCall) {
  FirstValueOracle inner;
  std::atomic<int64_t> reported{0};
  std::atomic<int> calls{0};
  MeteredOracle oracle(inner, [&](int64_t n, absl::Duration took) {
    reported += n;
    ++calls;
    EXPECT_GE(took, absl::ZeroDuration());
  });
  const std::vector<State> three = {{1}, {2}, {3}};
  auto e = oracle.Energies(three);
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(*e, (std::vector<double>{1, 2, 3}));
  ASSERT_TRUE(oracle.PartialEnergies(absl::MakeConstSpan(three).subspan(0, 2)).ok());
  EXPECT_FALSE(oracle.Energies({}).ok());  // failed: counted as a call, 0 objects
  EXPECT_EQ(oracle.usage().objects, 5);
  EXPECT_EQ(reported.load(), 5);
  EXPECT_EQ(calls.load(), 3);
}

TEST(MeteredOracleTest, ConcurrentCallsAreCountedExactly) {
  FirstValueOracle inner;
  MeteredOracle oracle(inner);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      const std::vector<State> batch(7, State{1});
      for (int i = 0; i < 250; ++i) ASSERT_TRUE(oracle.Energies(batch).ok());
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(oracle.usage().objects, 4 * 250 * 7);
}

}  // namespace
}  // namespace ledgfn
