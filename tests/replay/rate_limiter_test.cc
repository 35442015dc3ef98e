#include "replay/rate_limiter.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace ledgfn {
namespace {

// Long enough never to expire on a loaded machine; a test that relies on it
// not expiring fails (rather than hangs) if the code is wrong.
const absl::Duration kGenerous = absl::Minutes(2);

std::unique_ptr<RateLimiter> Make(double spi, int64_t min_size,
                                  double error_buffer) {
  auto limiter =
      RateLimiter::Create(RateLimiterOptions{spi, min_size, error_buffer});
  EXPECT_TRUE(limiter.ok()) << limiter.status();
  return *std::move(limiter);
}

// Waits (by polling the observable state, not by guessing a duration) until
// `pending` calls of the given kind are blocked inside the limiter.
void WaitForPending(const RateLimiter& limiter, bool inserts,
                    int64_t pending) {
  const absl::Time deadline = absl::Now() + kGenerous;
  while (absl::Now() < deadline) {
    const RateLimiterInfo info = limiter.Info();
    const auto& stats = inserts ? info.insert_stats : info.sample_stats;
    if (stats.pending == pending) return;
    absl::SleepFor(absl::Milliseconds(1));
  }
  FAIL() << "timed out waiting for " << pending << " pending calls";
}

TEST(RateLimiterOptionsTest, ValidateFollowsReverb) {
  EXPECT_TRUE(RateLimiterOptions({2.0, 3, 4.0}).Validate().ok());
  EXPECT_TRUE(RateLimiterOptions({1.0, 1, 1.0}).Validate().ok());
  // error_buffer == max(1, spi) is the boundary and allowed.
  EXPECT_TRUE(RateLimiterOptions({2.0, 3, 2.0}).Validate().ok());
  EXPECT_TRUE(RateLimiterOptions({0.5, 3, 1.0}).Validate().ok());

  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  for (const RateLimiterOptions& bad : std::vector<RateLimiterOptions>{
           {0.0, 3, 4.0},     // spi must be > 0
           {-1.0, 3, 4.0},    // spi must be > 0
           {nan, 3, 4.0},     // spi must be finite
           {inf, 3, 4.0},     // spi must be finite
           {2.0, 0, 4.0},     // min size must be >= 1
           {2.0, -2, 4.0},    // min size must be >= 1
           {2.0, 3, -1.0},    // error_buffer must be >= 0
           {2.0, 3, nan},     // error_buffer must be finite
           {2.0, 3, inf},     // error_buffer must be finite
           {2.0, 3, 1.99},    // error_buffer < spi
           {0.5, 3, 0.99},    // error_buffer < 1
           {1.0, 1, 0.0},     // error_buffer < 1
       }) {
    EXPECT_EQ(bad.Validate().code(), absl::StatusCode::kInvalidArgument)
        << bad.samples_per_insert << " " << bad.min_size_to_sample << " "
        << bad.error_buffer;
    EXPECT_EQ(RateLimiter::Create(bad).status().code(),
              absl::StatusCode::kInvalidArgument);
  }
}

TEST(RateLimiterOptionsTest, ValidateBatchSizes) {
  const RateLimiterOptions options{2.0, 3, 4.0};  // 2 * error_buffer = 8
  EXPECT_TRUE(options.ValidateBatchSizes(1, 1).ok());
  EXPECT_TRUE(options.ValidateBatchSizes(6, 1).ok());   // 6 + 2 = 8
  EXPECT_TRUE(options.ValidateBatchSizes(2, 3).ok());   // 2 + 6 = 8
  EXPECT_EQ(options.ValidateBatchSizes(7, 1).code(),    // 9
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(options.ValidateBatchSizes(1, 4).code(),    // 9
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(options.ValidateBatchSizes(0, 1).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(RateLimiterOptions({2.0, 3, 1.0}).ValidateBatchSizes(1, 1).code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(RateLimiterOptionsTest, MinAndMaxDiff) {
  const RateLimiterOptions options{2.0, 3, 4.0};
  EXPECT_EQ(options.min_diff(), 2.0);   // 2 * 3 - 4
  EXPECT_EQ(options.max_diff(), 10.0);  // 2 * 3 + 4
}

// spi = 2, min_size = 3, error_buffer = 4: min_diff = 2, max_diff = 10,
// diff = 2 * inserts - samples. Each step worked out by hand from
//   CanInsert(n) = inserts + n - deletes <= 3 || 2 * (inserts + n) - samples
//                  <= 10
//   CanSample(n) = inserts - deletes >= 3 && 2 * inserts - samples - n >= 2.
TEST(RateLimiterTest, AlgebraStepByStep) {
  auto rl = Make(2.0, 3, 4.0);

  // I=0 S=0 D=0. Size 0: no samples. Inserts free up to size 3; beyond,
  // 2*(0+n) <= 10 allows up to n = 5 at once.
  EXPECT_FALSE(rl->CanSample(1));
  EXPECT_TRUE(rl->CanInsert(1));
  EXPECT_TRUE(rl->CanInsert(3));   // 0 + 3 <= 3 (warm-up)
  EXPECT_TRUE(rl->CanInsert(5));   // 2 * 5 - 0 = 10 <= 10
  EXPECT_FALSE(rl->CanInsert(6));  // 12 > 10
  EXPECT_FALSE(rl->CanInsert(0));  // counts must be >= 1
  EXPECT_FALSE(rl->CanSample(0));

  // Two inserts: size 2 < 3, still no samples.
  EXPECT_TRUE(rl->AwaitAndInsert(2, absl::ZeroDuration()).ok());
  EXPECT_FALSE(rl->CanSample(1));

  // I=3, diff 6. Samples: 6 - n >= 2 for n <= 4. Inserts: 2*(3+n) <= 10
  // for n <= 2.
  EXPECT_TRUE(rl->AwaitAndInsert(1, absl::ZeroDuration()).ok());
  EXPECT_TRUE(rl->CanSample(1));
  EXPECT_TRUE(rl->CanSample(4));
  EXPECT_FALSE(rl->CanSample(5));
  EXPECT_TRUE(rl->CanInsert(1));   // 8
  EXPECT_TRUE(rl->CanInsert(2));   // 10
  EXPECT_FALSE(rl->CanInsert(3));  // 12

  // I=5, diff 10: inserts blocked, up to 8 samples allowed.
  EXPECT_TRUE(rl->AwaitAndInsert(2, absl::ZeroDuration()).ok());
  EXPECT_FALSE(rl->CanInsert(1));  // 12 > 10
  EXPECT_EQ(rl->AwaitAndInsert(1, absl::ZeroDuration()).code(),
            absl::StatusCode::kDeadlineExceeded);
  EXPECT_TRUE(rl->CanSample(8));   // 10 - 8 = 2
  EXPECT_FALSE(rl->CanSample(9));

  // S=1, diff 9: one sample is not enough to insert (2*6 - 1 = 11 > 10).
  EXPECT_TRUE(rl->AwaitAndSample(1, absl::ZeroDuration()).ok());
  EXPECT_FALSE(rl->CanInsert(1));
  // S=2, diff 8: 2*6 - 2 = 10, one insert allowed, not two (14 - 2 = 12).
  EXPECT_TRUE(rl->AwaitAndSample(1, absl::ZeroDuration()).ok());
  EXPECT_TRUE(rl->CanInsert(1));
  EXPECT_FALSE(rl->CanInsert(2));

  // I=6, diff 10; sample 8 -> S=10, diff 2: no more samples (2 - 1 < 2),
  // inserts allowed again (2*7 - 10 = 4).
  EXPECT_TRUE(rl->AwaitAndInsert(1, absl::ZeroDuration()).ok());
  EXPECT_TRUE(rl->AwaitAndSample(8, absl::ZeroDuration()).ok());
  EXPECT_FALSE(rl->CanSample(1));
  EXPECT_EQ(rl->AwaitAndSample(1, absl::ZeroDuration()).code(),
            absl::StatusCode::kDeadlineExceeded);
  EXPECT_TRUE(rl->CanInsert(1));
  EXPECT_TRUE(rl->CanInsert(3));   // 2*9 - 10 = 8
  EXPECT_TRUE(rl->CanInsert(4));   // 2*10 - 10 = 10
  EXPECT_FALSE(rl->CanInsert(5));  // 12

  // I=7, diff 4: samples allowed (4 - 2 = 2 >= 2).
  rl->Insert(1);
  EXPECT_TRUE(rl->CanSample(2));
  EXPECT_FALSE(rl->CanSample(3));
  // Deletes shrink the size: D=5 -> size 2 < 3 blocks samples despite the
  // credit, and reopens the warm-up window for inserts.
  rl->Delete(5);
  EXPECT_FALSE(rl->CanSample(1));
  EXPECT_TRUE(rl->CanInsert(1));   // 7 + 1 - 5 = 3 <= 3
  EXPECT_TRUE(rl->CanInsert(3));   // size 5 > 3; 2*10 - 10 = 10 <= 10
  EXPECT_FALSE(rl->CanInsert(4));  // size 6 > 3; 2*11 - 10 = 12 > 10
}

// The warm-up rule lets inserts through whatever the diff, as long as the
// size after the insert is at most min_size_to_sample.
TEST(RateLimiterTest, WarmUpIgnoresDiffUntilMinSize) {
  auto rl = Make(2.0, 3, 4.0);
  rl->Insert(5);  // diff 10
  EXPECT_FALSE(rl->CanInsert(1));
  rl->Delete(4);  // size 1
  EXPECT_TRUE(rl->CanInsert(1));   // size 2; diff would be 12
  EXPECT_TRUE(rl->CanInsert(2));   // size 3; diff would be 14
  EXPECT_FALSE(rl->CanInsert(3));  // size 4 > 3 and 16 > 10
  EXPECT_FALSE(rl->CanSample(1));  // size 1 < 3
}

TEST(RateLimiterTest, InfoReportsCountersAndLimits) {
  auto rl = Make(2.0, 3, 4.0);
  rl->Insert(5);
  rl->Sample(3);
  rl->Delete(1);
  rl->Insert(0);   // no-op
  rl->Sample(-2);  // no-op
  const RateLimiterInfo info = rl->Info();
  EXPECT_EQ(info.samples_per_insert, 2.0);
  EXPECT_EQ(info.min_size_to_sample, 3);
  EXPECT_EQ(info.error_buffer, 4.0);
  EXPECT_EQ(info.min_diff, 2.0);
  EXPECT_EQ(info.max_diff, 10.0);
  EXPECT_EQ(info.inserts, 5);
  EXPECT_EQ(info.samples, 3);
  EXPECT_EQ(info.deletes, 1);
  EXPECT_EQ(info.size, 4);
  EXPECT_EQ(info.diff, 7.0);
  EXPECT_FALSE(info.cancelled);
  EXPECT_EQ(info.insert_stats.completed, 0);  // only Await* calls count
}

TEST(RateLimiterTest, InvalidCountsAreRejected) {
  auto rl = Make(1.0, 1, 1.0);
  EXPECT_EQ(rl->AwaitCanInsert(0, kGenerous).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(rl->AwaitAndInsert(-1, kGenerous).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(rl->AwaitCanSample(0, kGenerous).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(rl->AwaitAndSample(-4, kGenerous).code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(RateLimiterTest, BlockedSamplerUnblocksExactlyWhenInsertMakesItLegal) {
  auto rl = Make(2.0, 3, 4.0);
  rl->Insert(3);
  rl->Sample(4);  // diff 2
  // A sample of 3 needs diff >= 5: two more inserts (diff 4, then 6).
  ASSERT_FALSE(rl->CanSample(3));

  absl::Notification done;
  absl::Status status = absl::UnknownError("not run");
  std::thread sampler([&] {
    status = rl->AwaitAndSample(3, kGenerous);
    done.Notify();
  });
  WaitForPending(*rl, /*inserts=*/false, 1);

  ASSERT_TRUE(rl->AwaitAndInsert(1, absl::ZeroDuration()).ok());  // diff 4
  // Still illegal, so the sampler cannot have returned OK (only timing out,
  // which takes kGenerous, could end its wait).
  EXPECT_FALSE(rl->CanSample(3));
  EXPECT_FALSE(done.HasBeenNotified());
  EXPECT_EQ(rl->Info().sample_stats.pending, 1);
  EXPECT_EQ(rl->Info().samples, 4);

  ASSERT_TRUE(rl->AwaitAndInsert(1, absl::ZeroDuration()).ok());  // diff 6
  ASSERT_TRUE(done.WaitForNotificationWithTimeout(kGenerous));
  sampler.join();
  EXPECT_TRUE(status.ok()) << status;

  const RateLimiterInfo info = rl->Info();
  EXPECT_EQ(info.inserts, 5);
  EXPECT_EQ(info.samples, 7);  // recorded atomically with the wake-up
  EXPECT_EQ(info.diff, 3.0);
  EXPECT_EQ(info.sample_stats.completed, 1);
  EXPECT_EQ(info.sample_stats.blocked, 1);
  EXPECT_EQ(info.sample_stats.pending, 0);
  EXPECT_GT(info.sample_stats.blocked_time, absl::ZeroDuration());
  EXPECT_EQ(info.insert_stats.completed, 2);
  EXPECT_EQ(info.insert_stats.blocked, 0);
  EXPECT_EQ(info.insert_stats.blocked_time, absl::ZeroDuration());
}

TEST(RateLimiterTest, BlockedInserterUnblocksExactlyWhenSamplesMakeItLegal) {
  auto rl = Make(2.0, 3, 4.0);
  rl->Insert(5);  // diff 10: inserts blocked
  ASSERT_FALSE(rl->CanInsert(1));

  absl::Notification done;
  absl::Status status = absl::UnknownError("not run");
  std::thread inserter([&] {
    status = rl->AwaitCanInsert(1, kGenerous);  // wait only, no record
    done.Notify();
  });
  WaitForPending(*rl, /*inserts=*/true, 1);
  EXPECT_GT(rl->Info().insert_stats.pending_time, absl::ZeroDuration());

  ASSERT_TRUE(rl->AwaitAndSample(1, absl::ZeroDuration()).ok());  // diff 9
  EXPECT_FALSE(rl->CanInsert(1));  // 12 - 1 = 11 > 10
  EXPECT_FALSE(done.HasBeenNotified());

  ASSERT_TRUE(rl->AwaitAndSample(1, absl::ZeroDuration()).ok());  // diff 8
  ASSERT_TRUE(done.WaitForNotificationWithTimeout(kGenerous));
  inserter.join();
  EXPECT_TRUE(status.ok()) << status;
  EXPECT_EQ(rl->Info().inserts, 5);  // AwaitCanInsert records nothing
  EXPECT_EQ(rl->Info().insert_stats.blocked, 1);
}

TEST(RateLimiterTest, CancelUnblocksWaitersWithCancelled) {
  auto rl = Make(1.0, 1, 1.0);
  rl->Insert(2);
  rl->Sample(2);  // size 2, diff 0: samples blocked; inserts allowed
  ASSERT_FALSE(rl->CanSample(1));
  auto full = Make(1.0, 1, 1.0);
  full->Insert(2);  // diff 2 = max_diff: inserts blocked
  ASSERT_FALSE(full->CanInsert(1));

  absl::Status sample_status, insert_status;
  absl::Notification sample_done, insert_done;
  std::thread sampler([&] {
    sample_status = rl->AwaitAndSample(1, absl::InfiniteDuration());
    sample_done.Notify();
  });
  std::thread inserter([&] {
    insert_status = full->AwaitAndInsert(1, absl::InfiniteDuration());
    insert_done.Notify();
  });
  WaitForPending(*rl, /*inserts=*/false, 1);
  WaitForPending(*full, /*inserts=*/true, 1);
  EXPECT_FALSE(sample_done.HasBeenNotified());
  EXPECT_FALSE(insert_done.HasBeenNotified());

  rl->Cancel();
  full->Cancel();
  ASSERT_TRUE(sample_done.WaitForNotificationWithTimeout(kGenerous));
  ASSERT_TRUE(insert_done.WaitForNotificationWithTimeout(kGenerous));
  sampler.join();
  inserter.join();
  EXPECT_EQ(sample_status.code(), absl::StatusCode::kCancelled);
  EXPECT_EQ(insert_status.code(), absl::StatusCode::kCancelled);
  EXPECT_EQ(rl->Info().samples, 2);  // nothing recorded
  EXPECT_EQ(full->Info().inserts, 2);

  // After Cancel every call fails, even one that would be legal (as Reverb).
  EXPECT_TRUE(rl->cancelled());
  EXPECT_TRUE(rl->Info().cancelled);
  EXPECT_TRUE(rl->CanInsert(1));
  EXPECT_EQ(rl->AwaitAndInsert(1, kGenerous).code(),
            absl::StatusCode::kCancelled);
  EXPECT_EQ(rl->AwaitCanInsert(1, absl::ZeroDuration()).code(),
            absl::StatusCode::kCancelled);
  EXPECT_EQ(rl->Info().inserts, 2);
}

TEST(RateLimiterTest, TimeoutReturnsDeadlineExceeded) {
  auto rl = Make(1.0, 1, 1.0);
  const absl::Time start = absl::Now();
  const absl::Status status = rl->AwaitCanSample(1, absl::Milliseconds(50));
  const absl::Duration elapsed = absl::Now() - start;
  EXPECT_EQ(status.code(), absl::StatusCode::kDeadlineExceeded) << status;
  EXPECT_GE(elapsed, absl::Milliseconds(50));

  RateLimiterInfo info = rl->Info();
  EXPECT_EQ(info.sample_stats.completed, 1);
  EXPECT_EQ(info.sample_stats.blocked, 1);
  EXPECT_EQ(info.sample_stats.pending, 0);
  EXPECT_GT(info.sample_stats.blocked_time, absl::ZeroDuration());
  EXPECT_LE(info.sample_stats.blocked_time, elapsed);

  // Zero and negative timeouts: immediate answers.
  EXPECT_EQ(rl->AwaitAndSample(1, absl::ZeroDuration()).code(),
            absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(rl->AwaitAndSample(1, -absl::Seconds(1)).code(),
            absl::StatusCode::kDeadlineExceeded);
  EXPECT_TRUE(rl->AwaitAndInsert(1, absl::ZeroDuration()).ok());
  EXPECT_TRUE(rl->AwaitAndInsert(1, -absl::Seconds(1)).ok());
  EXPECT_EQ(rl->AwaitAndInsert(1, absl::Milliseconds(10)).code(),
            absl::StatusCode::kDeadlineExceeded);  // diff would be 3 > 2
  EXPECT_TRUE(rl->AwaitAndSample(1, absl::InfiniteDuration()).ok());
  info = rl->Info();
  EXPECT_EQ(info.inserts, 2);
  EXPECT_EQ(info.samples, 1);
  EXPECT_EQ(info.insert_stats.completed, 3);
  EXPECT_EQ(info.insert_stats.blocked, 1);
}

TEST(RateLimiterTest, AwaitAndInsertIsAtomicUnderContention) {
  // spi 1, min 1, buffer 1: max_diff 2, so exactly two inserts are legal
  // without samples however many threads race for them.
  auto rl = Make(1.0, 1, 1.0);
  constexpr int kThreads = 16;
  std::atomic<int> ok{0};
  std::atomic<int> exceeded{0};
  absl::Notification go;
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&] {
      go.WaitForNotification();
      const absl::Status status = rl->AwaitAndInsert(1, absl::ZeroDuration());
      if (status.ok()) ++ok;
      if (status.code() == absl::StatusCode::kDeadlineExceeded) ++exceeded;
    });
  }
  go.Notify();
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(ok.load(), 2);
  EXPECT_EQ(exceeded.load(), kThreads - 2);
  EXPECT_EQ(rl->Info().inserts, 2);
}

TEST(RateLimiterTest, ProducerConsumerKeepsTheRatio) {
  // Blocking producers and consumers with a fixed amount of work each; the
  // limiter must keep the diff within bounds throughout and let all finish.
  auto rl = Make(2.0, 10, 6.0);  // min_diff 14, max_diff 26
  constexpr int kInserts = 2000;
  constexpr int kSamples = 2 * kInserts - 20;  // total credit minus min_diff
  std::atomic<bool> in_bounds{true};
  auto check = [&] {
    const RateLimiterInfo info = rl->Info();
    if (info.diff > info.max_diff) in_bounds = false;
    if (info.size >= info.min_size_to_sample && info.samples > 0 &&
        info.diff < info.min_diff) {
      in_bounds = false;
    }
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < 2; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kInserts / 2; ++i) {
        ASSERT_TRUE(rl->AwaitAndInsert(1, kGenerous).ok());
        check();
      }
    });
    threads.emplace_back([&] {
      for (int i = 0; i < kSamples / 2; ++i) {
        ASSERT_TRUE(rl->AwaitAndSample(1, kGenerous).ok());
        check();
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_TRUE(in_bounds.load());
  const RateLimiterInfo info = rl->Info();
  EXPECT_EQ(info.inserts, kInserts);
  EXPECT_EQ(info.samples, kSamples);
  EXPECT_EQ(info.diff, 20.0);
}

TEST(RateLimiterTest, RestoreClampsRunawayHighDiff) {
  auto rl = Make(2.0, 3, 4.0);
  // E.g. a checkpoint whose sample counter was lost: raw diff 2000 would
  // block inserts until 1990 samples had happened.
  rl->Restore(/*inserts=*/1000, /*samples=*/0, /*deletes=*/997);
  RateLimiterInfo info = rl->Info();
  EXPECT_EQ(info.inserts, 1000);
  EXPECT_EQ(info.deletes, 997);
  EXPECT_EQ(info.samples, 1990);  // diff clamped to max_diff
  EXPECT_EQ(info.diff, 10.0);
  EXPECT_FALSE(rl->CanInsert(1));
  EXPECT_TRUE(rl->CanSample(1));
  // ceil(spi) = 2 samples reopen inserts.
  ASSERT_TRUE(rl->AwaitAndSample(1, absl::ZeroDuration()).ok());
  EXPECT_FALSE(rl->CanInsert(1));
  ASSERT_TRUE(rl->AwaitAndSample(1, absl::ZeroDuration()).ok());
  EXPECT_TRUE(rl->CanInsert(1));
}

TEST(RateLimiterTest, RestoreClampsRunawayLowDiff) {
  auto rl = Make(2.0, 3, 4.0);
  // Raw diff 2000 - 100000 would starve samplers for 49000 inserts.
  rl->Restore(/*inserts=*/1000, /*samples=*/100000, /*deletes=*/990);
  RateLimiterInfo info = rl->Info();
  EXPECT_EQ(info.samples, 1998);  // diff clamped to min_diff
  EXPECT_EQ(info.diff, 2.0);
  EXPECT_FALSE(rl->CanSample(1));
  EXPECT_TRUE(rl->CanInsert(1));
  ASSERT_TRUE(rl->AwaitAndInsert(1, absl::ZeroDuration()).ok());
  EXPECT_TRUE(rl->CanSample(1));

  // Clamping up would need negative samples: samples become 0, the state of
  // a fresh limiter after the restored inserts.
  rl->Restore(/*inserts=*/0, /*samples=*/50, /*deletes=*/0);
  info = rl->Info();
  EXPECT_EQ(info.samples, 0);
  EXPECT_EQ(info.diff, 0.0);
  EXPECT_TRUE(rl->CanInsert(3));
}

TEST(RateLimiterTest, RestoreSanitisesGarbageAndWakesWaiters) {
  auto rl = Make(1.0, 2, 1.0);
  rl->Insert(2);
  rl->Sample(1);  // size 2, diff 1: 1 - 1 = 0 < min_diff 1
  absl::Notification done;
  absl::Status status;
  std::thread sampler([&] {
    status = rl->AwaitAndSample(1, kGenerous);
    done.Notify();
  });
  WaitForPending(*rl, /*inserts=*/false, 1);
  // Negative counts and deletes > inserts are clamped: inserts 5, samples 0,
  // deletes 3 -> size 2, diff 5 > max_diff 3 -> samples 2, diff 3: legal.
  rl->Restore(/*inserts=*/5, /*samples=*/-7, /*deletes=*/3);
  ASSERT_TRUE(done.WaitForNotificationWithTimeout(kGenerous));
  sampler.join();
  EXPECT_TRUE(status.ok()) << status;
  RateLimiterInfo info = rl->Info();
  EXPECT_EQ(info.inserts, 5);
  EXPECT_EQ(info.samples, 3);
  EXPECT_EQ(info.deletes, 3);

  rl->Restore(-5, -7, 100);
  info = rl->Info();
  EXPECT_EQ(info.inserts, 0);
  EXPECT_EQ(info.samples, 0);
  EXPECT_EQ(info.deletes, 0);
  EXPECT_TRUE(rl->CanInsert(1));
}

// For many option sets and raw (possibly inconsistent) checkpointed states,
// after Restore at least one side is legal, and each blocked side becomes
// legal within the documented number of (legal) operations of the other.
TEST(RateLimiterTest, RestoreNeverLeavesTheLimiterStuck) {
  const std::vector<RateLimiterOptions> option_sets = {
      {2.0, 3, 4.0}, {0.5, 5, 1.0}, {1.0, 1, 1.0}, {3.5, 2, 3.5},
      {0.25, 1, 3.0}, {8.0, 100, 8.0}, {1.0, 64, 30.0}};
  const std::vector<int64_t> inserts_values = {-3, 0, 1, 2, 3, 7, 100, 100000};
  const std::vector<int64_t> samples_values = {-1, 0, 1, 5, 37, 1000, 10000000};
  for (const auto& options : option_sets) {
    const int64_t max_samples_needed =
        static_cast<int64_t>(std::ceil(options.samples_per_insert));
    const int64_t max_inserts_needed =
        options.min_size_to_sample +
        static_cast<int64_t>(std::ceil((2 * options.error_buffer + 1) /
                                       options.samples_per_insert));
    for (int64_t inserts : inserts_values) {
      for (int64_t samples : samples_values) {
        for (int64_t deletes :
             {int64_t{-1}, int64_t{0}, int64_t{1}, inserts - 1, inserts,
              inserts + 5}) {
          SCOPED_TRACE(::testing::Message()
                       << "spi=" << options.samples_per_insert
                       << " min=" << options.min_size_to_sample
                       << " eb=" << options.error_buffer << " I=" << inserts
                       << " S=" << samples << " D=" << deletes);
          auto rl = *RateLimiter::Create(options);
          rl->Restore(inserts, samples, deletes);
          const bool can_insert = rl->CanInsert(1);
          const bool can_sample = rl->CanSample(1);
          ASSERT_TRUE(can_insert || can_sample);
          if (!can_insert) {
            int64_t n = 0;
            while (!rl->CanInsert(1)) {
              ASSERT_TRUE(rl->AwaitAndSample(1, absl::ZeroDuration()).ok());
              ASSERT_LE(++n, max_samples_needed);
            }
          }
          rl->Restore(inserts, samples, deletes);
          if (!can_sample) {
            int64_t n = 0;
            while (!rl->CanSample(1)) {
              ASSERT_TRUE(rl->AwaitAndInsert(1, absl::ZeroDuration()).ok());
              ASSERT_LE(++n, max_inserts_needed);
            }
          }
        }
      }
    }
  }
}

}  // namespace
}  // namespace ledgfn
