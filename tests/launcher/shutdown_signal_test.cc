// The shutdown signal's contract (launcher/shutdown_signal.h): a running
// callback finishes before its registration is gone, a removed callback never
// runs, a signal before registration runs the callback at registration, a
// second signal exits at once. Real signals, raised in this process
// (or, where a test must signal twice, in a death test's child).
#include "launcher/shutdown_signal.h"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>

#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"

namespace ledgfn {
namespace {

TEST(ShutdownSignalTest, RegistrationWaitsForTheRunningCallback) {
  ShutdownSignal signal;
  absl::Notification started;
  std::atomic<bool> finished{false};
  {
    const ShutdownSignal::Registration on_signal = signal.OnSignal([&] {
      started.Notify();
      absl::SleepFor(absl::Milliseconds(300));
      finished = true;
    });
    ASSERT_EQ(raise(SIGTERM), 0);
    ASSERT_TRUE(started.WaitForNotificationWithTimeout(absl::Seconds(10)));
  }  // the callback is mid-sleep here: the destructor must wait for it
  EXPECT_TRUE(finished);
  EXPECT_TRUE(signal.received());
}

TEST(ShutdownSignalDeathTest, ARemovedCallbackNeverRuns) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        ShutdownSignal signal;
        { auto on_signal = signal.OnSignal([] { _exit(3); }); }
        raise(SIGTERM);
        const absl::Time deadline = absl::Now() + absl::Seconds(10);
        while (!signal.received() && absl::Now() < deadline) {
          absl::SleepFor(absl::Milliseconds(10));
        }
        absl::SleepFor(absl::Milliseconds(100));  // time for a wrong call
        std::exit(signal.received() ? 0 : 4);
      },
      testing::ExitedWithCode(0), "");
}

// A role stopped while it starts (the signal lands after ShutdownSignal is
// built, before the role has registered what stops it) must still stop: the
// replay used to wait in server->Wait() for a second signal.
TEST(ShutdownSignalDeathTest, ASignalBeforeRegistrationRunsTheCallbackThen) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        ShutdownSignal signal;
        raise(SIGTERM);
        const absl::Time deadline = absl::Now() + absl::Seconds(10);
        while (!signal.received() && absl::Now() < deadline) {
          absl::SleepFor(absl::Milliseconds(10));
        }
        int calls = 0;
        {
          auto on_signal = signal.OnSignal([&calls] { ++calls; });
          if (calls != 1) std::exit(6);  // it must have run before OnSignal returned
        }
        absl::SleepFor(absl::Milliseconds(100));  // time for a second, wrong call
        std::exit(signal.received() && calls == 1 ? 0 : 7);
      },
      testing::ExitedWithCode(0), "");
}

TEST(ShutdownSignalDeathTest, ASecondSignalExitsAtOnceWithStatusOne) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        ShutdownSignal signal;
        // A callback that never returns: only the second signal ends this.
        auto on_signal = signal.OnSignal([] {
          for (;;) absl::SleepFor(absl::Seconds(1));
        });
        raise(SIGTERM);
        raise(SIGTERM);
        absl::SleepFor(absl::Seconds(10));
        std::exit(5);
      },
      testing::ExitedWithCode(1), "");
}

}  // namespace
}  // namespace ledgfn
