// Tests of the reconnect backoff shared by the actor's clients.
#include "common/backoff.h"

#include <thread>

#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"

namespace ledgfn {
namespace {

using absl::Milliseconds;

TEST(ExponentialBackoffTest, DoublesFromInitialUpToMax) {
  ExponentialBackoff backoff(Milliseconds(50), Milliseconds(400));
  EXPECT_EQ(backoff.Next(), Milliseconds(50));
  EXPECT_EQ(backoff.Next(), Milliseconds(100));
  EXPECT_EQ(backoff.Next(), Milliseconds(200));
  EXPECT_EQ(backoff.Next(), Milliseconds(400));
  EXPECT_EQ(backoff.Next(), Milliseconds(400));
}

TEST(ExponentialBackoffTest, CapsAtAMaxThatIsNoPowerOfTwoOfInitial) {
  ExponentialBackoff backoff(Milliseconds(50), Milliseconds(120));
  EXPECT_EQ(backoff.Next(), Milliseconds(50));
  EXPECT_EQ(backoff.Next(), Milliseconds(100));
  EXPECT_EQ(backoff.Next(), Milliseconds(120));
  EXPECT_EQ(backoff.Next(), Milliseconds(120));
}

TEST(ExponentialBackoffTest, ResetStartsOverFromInitial) {
  ExponentialBackoff backoff(Milliseconds(20), Milliseconds(1000));
  backoff.Next();
  backoff.Next();
  backoff.Next();
  backoff.Reset();
  EXPECT_EQ(backoff.Next(), Milliseconds(20));
  EXPECT_EQ(backoff.Next(), Milliseconds(40));
}

TEST(ExponentialBackoffTest, BoundsAreMadeUsable) {
  ExponentialBackoff low_max(Milliseconds(100), Milliseconds(10));
  EXPECT_EQ(low_max.max(), Milliseconds(100));
  EXPECT_EQ(low_max.Next(), Milliseconds(100));
  EXPECT_EQ(low_max.Next(), Milliseconds(100));
  // A zero delay would double to zero forever: a reconnect loop that spins.
  ExponentialBackoff zero(absl::ZeroDuration(), Milliseconds(5));
  EXPECT_EQ(zero.Next(), Milliseconds(1));
  EXPECT_EQ(zero.Next(), Milliseconds(2));
}

TEST(ExponentialBackoffTest, WaitSleepsTheNextDelay) {
  ExponentialBackoff backoff(Milliseconds(30), Milliseconds(1000));
  absl::Mutex mu;
  bool stop = false;
  absl::MutexLock lock(&mu);
  const absl::Time start = absl::Now();
  EXPECT_FALSE(backoff.Wait(mu, absl::Condition(&stop)));
  EXPECT_GE(absl::Now() - start, Milliseconds(30));
  EXPECT_EQ(backoff.Next(), Milliseconds(60));  // the wait used up 30 ms
}

TEST(ExponentialBackoffTest, WaitReturnsAsSoonAsStopHolds) {
  ExponentialBackoff backoff(absl::Seconds(120), absl::Seconds(120));
  absl::Mutex mu;
  bool stop = false;
  std::thread stopper([&] {
    absl::SleepFor(Milliseconds(50));
    absl::MutexLock lock(&mu);
    stop = true;
  });
  const absl::Time start = absl::Now();
  {
    absl::MutexLock lock(&mu);
    EXPECT_TRUE(backoff.Wait(mu, absl::Condition(&stop)));
  }
  EXPECT_LT(absl::Now() - start, absl::Seconds(30));
  stopper.join();

  // Already stopped: no wait at all.
  absl::MutexLock lock(&mu);
  const absl::Time again = absl::Now();
  EXPECT_TRUE(backoff.Wait(mu, absl::Condition(&stop)));
  EXPECT_LT(absl::Now() - again, absl::Seconds(30));
}

}  // namespace
}  // namespace ledgfn
