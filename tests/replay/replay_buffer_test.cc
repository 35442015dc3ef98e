// The replay core (replay/replay_buffer.h) in process: the limiter's bound
// under concurrent inserters, evictions counted by the limiter, and the one
// policy-batch selection, and the replayed states an in-process learner
// reuses.
#include "replay/replay_buffer.h"

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "tests/replay/bag_trajectories.h"

namespace ledgfn {
namespace {

bool Never() { return false; }

std::unique_ptr<ReplayBuffer> MakeBuffer(const Task& task, int64_t capacity,
                                         int64_t min_size,
                                         double error_buffer,
                                         bool keep_replayed_states = false) {
  ReplayBufferOptions o;
  o.keep_replayed_states = keep_replayed_states;
  o.table.capacity = capacity;
  o.limiter.samples_per_insert = 1.0;
  o.limiter.min_size_to_sample = min_size;
  o.limiter.error_buffer = error_buffer;
  o.wait_slice = absl::Milliseconds(5);
  o.seed = 7;
  auto buffer = ReplayBuffer::Create(task, o);
  EXPECT_TRUE(buffer.ok()) << buffer.status();
  return *std::move(buffer);
}

absl::StatusOr<InsertOutcome> InsertOne(ReplayBuffer& buffer, Trajectory t,
                                        absl::Time deadline) {
  const std::string task = buffer.task().name();  // the view borrows it
  const TrajectoryView view = ViewOf(t, task);
  return buffer.Insert(view, [&t] { return std::move(t); }, deadline, Never);
}

// With no samples, the limiter admits at most max_diff = min_size *
// samples_per_insert + error_buffer inserts. Eight threads racing for them
// must never get one more: admission and store are one step. (The embedded
// run's old sink, AwaitCanInsert then Table::Insert, took 9 or more in 2 of
// 50 such trials.)
TEST(ReplayBufferTest, ConcurrentInsertersNeverOverAdmit) {
  const Task& task = SharedBagTask();
  constexpr int kThreads = 8;
  constexpr int kPerThread = 4;
  constexpr int kTrials = 30;
  int full_trials = 0;
  for (int trial = 0; trial < kTrials; ++trial) {
    auto buffer = MakeBuffer(task, /*capacity=*/64, /*min_size=*/4,
                             /*error_buffer=*/4.0);  // max_diff = 8
    std::atomic<int> admitted{0};
    const absl::Time deadline = absl::Now() + absl::Milliseconds(50);
    std::vector<std::thread> threads;
    for (int a = 0; a < kThreads; ++a) {
      threads.emplace_back([&, a] {
        for (int i = 0; i < kPerThread; ++i) {
          auto outcome = InsertOne(
              *buffer, ValidBagTrajectory(task, i, /*actor=*/a), deadline);
          if (outcome.ok()) {
            EXPECT_TRUE(outcome->status.ok()) << outcome->status;
            ++admitted;
          } else {
            EXPECT_TRUE(absl::IsDeadlineExceeded(outcome.status()))
                << outcome.status();
          }
        }
      });
    }
    for (auto& t : threads) t.join();
    const ReplayBufferInfo info = buffer->Info();
    EXPECT_LE(admitted.load(), 8) << "trial " << trial;
    EXPECT_EQ(info.inserted, admitted.load());
    EXPECT_EQ(info.size, admitted.load());
    EXPECT_EQ(info.limiter.inserts, admitted.load());
    EXPECT_LE(info.limiter.diff, info.limiter.max_diff);
    if (admitted.load() == 8) ++full_trials;
  }
  // The bound was reached (the threads did race for the last slots).
  EXPECT_GT(full_trials, 0);
}

// A table smaller than the limiter's window evicts while inserters are
// blocked and a consumer samples: every eviction is a limiter delete, so the
// limiter's size is the table's and the diff never leaves its bounds.
TEST(ReplayBufferTest, EvictionsAreCountedByTheLimiter) {
  const Task& task = SharedBagTask();
  constexpr int64_t kCapacity = 6;
  auto buffer = MakeBuffer(task, kCapacity, /*min_size=*/2,
                           /*error_buffer=*/8.0);  // max_diff = 10 > capacity
  constexpr int kThreads = 4;
  constexpr int kPerThread = 25;
  constexpr int kTotal = kThreads * kPerThread;
  std::atomic<bool> done{false};
  std::atomic<int> bound_violations{0};
  std::thread monitor([&] {
    while (!done.load()) {
      const ReplayBufferInfo info = buffer->Info();
      if (info.limiter.diff > info.limiter.max_diff ||
          info.limiter.size > kCapacity) {
        ++bound_violations;
      }
      absl::SleepFor(absl::Microseconds(200));
    }
  });
  std::vector<std::thread> inserters;
  for (int a = 0; a < kThreads; ++a) {
    inserters.emplace_back([&, a] {
      for (int i = 0; i < kPerThread; ++i) {
        auto outcome = InsertOne(*buffer, ValidBagTrajectory(task, i, a),
                                 absl::InfiniteFuture());
        ASSERT_TRUE(outcome.ok()) << outcome.status();
        ASSERT_TRUE(outcome->status.ok()) << outcome->status;
      }
    });
  }
  // Consume one at a time until every insert went through.
  int64_t sampled = 0;
  SampleSpec fresh;
  fresh.selector = Selector::kFresh;
  fresh.count = 1;
  while (buffer->Info().inserted < kTotal) {
    auto batch = buffer->Sample(fresh, absl::Now() + absl::Milliseconds(20),
                                Never);
    if (batch.ok()) sampled += static_cast<int64_t>(batch->trajectories.size());
  }
  for (auto& t : inserters) t.join();
  done = true;
  monitor.join();

  const ReplayBufferInfo info = buffer->Info();
  EXPECT_EQ(bound_violations.load(), 0);
  EXPECT_EQ(info.inserted, kTotal);
  EXPECT_EQ(info.size, kCapacity);
  EXPECT_EQ(info.evicted, kTotal - kCapacity);
  EXPECT_EQ(info.limiter.deletes, info.evicted);
  EXPECT_EQ(info.limiter.size, info.size);
  EXPECT_EQ(info.limiter.inserts, kTotal);
  EXPECT_GT(sampled, 0);
}

// Insert validates, deduplicates and reports the object reached.
TEST(ReplayBufferTest, InsertOutcomes) {
  const Task& task = SharedBagTask();
  auto buffer = MakeBuffer(task, 16, 1, 16.0);
  Trajectory t = ValidBagTrajectory(task, 3);
  auto states = task.Replay(t.actions);
  ASSERT_TRUE(states.ok());
  auto first = InsertOne(*buffer, t, absl::InfiniteFuture());
  ASSERT_TRUE(first.ok());
  EXPECT_TRUE(first->status.ok());
  EXPECT_FALSE(first->duplicate);
  EXPECT_EQ(first->terminal, states->back());

  auto again = InsertOne(*buffer, t, absl::InfiniteFuture());
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->duplicate);

  Trajectory bad = ValidBagTrajectory(task, 4);
  bad.actions.pop_back();  // no stop: not terminal
  auto rejected = InsertOne(*buffer, bad, absl::InfiniteFuture());
  ASSERT_TRUE(rejected.ok());
  EXPECT_TRUE(absl::IsInvalidArgument(rejected->status));
  EXPECT_EQ(rejected->category, RejectCategory::kIllegalAction);

  const ReplayBufferInfo info = buffer->Info();
  EXPECT_EQ(info.inserted, 1);
  EXPECT_EQ(info.duplicates, 1);
  EXPECT_EQ(info.rejected, 1);
  EXPECT_EQ(info.size, 1);
}

// The policy batch is the FRESH items, oldest first, then the replayed
// draws; the lag filter drops stale fresh items.
// A FRESH sample for a caller that is gone takes nothing: items handed to
// nobody would never be trained on as fresh. Gone before the call began
// (deadline InfinitePast, what the service passes for an expired gRPC
// deadline) or cancelled: no try at all, although the limiter allows it;
// the items stay for the next sample. A deadline of now still tries once.
TEST(ReplayBufferTest, AGoneCallerTakesNoFreshItems) {
  const Task& task = SharedBagTask();
  auto buffer = MakeBuffer(task, 32, 2, 32.0);
  for (int i = 0; i < 4; ++i) {
    auto outcome = InsertOne(*buffer, ValidBagTrajectory(task, i),
                             absl::InfiniteFuture());
    ASSERT_TRUE(outcome.ok() && outcome->status.ok());
  }
  SampleSpec fresh;
  fresh.selector = Selector::kFresh;
  fresh.count = 2;
  auto expired = buffer->Sample(fresh, absl::InfinitePast(), Never);
  EXPECT_EQ(expired.status().code(), absl::StatusCode::kDeadlineExceeded);
  auto cancelled = buffer->Sample(fresh, absl::InfiniteFuture(), [] { return true; });
  EXPECT_EQ(cancelled.status().code(), absl::StatusCode::kCancelled);
  EXPECT_EQ(buffer->Info().fresh_sampled, 0);
  auto now = buffer->Sample(fresh, absl::Now(), Never);
  ASSERT_TRUE(now.ok()) << now.status();
  ASSERT_EQ(now->trajectories.size(), 2u);
  EXPECT_EQ(now->trajectories[0]->sequence, 0u);  // nothing was lost
}

TEST(ReplayBufferTest, PolicyBatchIsFreshThenReplayed) {
  const Task& task = SharedBagTask();
  auto buffer = MakeBuffer(task, 32, 2, 32.0);
  for (int i = 0; i < 6; ++i) {
    auto outcome = InsertOne(*buffer,
                             ValidBagTrajectory(task, i, 1, 0xABCDEF,
                                                /*policy_version=*/i),
                             absl::InfiniteFuture());
    ASSERT_TRUE(outcome.ok() && outcome->status.ok());
  }
  SampleSpec fresh;
  fresh.selector = Selector::kFresh;
  fresh.count = 4;
  fresh.learner_version = 5;
  fresh.max_policy_lag = 4;  // drops version 0
  auto batch = buffer->SamplePolicyBatch(fresh, 3, Selector::kUniform,
                                         absl::InfiniteFuture(), Never);
  ASSERT_TRUE(batch.ok()) << batch.status();
  ASSERT_EQ(batch->trajectories.size(), 3u + 3u);
  EXPECT_EQ(batch->dropped_for_lag, 1);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(batch->trajectories[i]->sequence, static_cast<uint64_t>(i + 1));
  }
  EXPECT_FALSE(buffer
                   ->SamplePolicyBatch(fresh, 1, Selector::kFresh,
                                       absl::InfiniteFuture(), Never)
                   .ok());
}

// keep_replayed_states (the embedded run's): a FRESH sample hands each
// trajectory out with the states validation replayed, so the learner does
// not replay it again; the table then keeps it without them, so later draws
// (and the table's memory) carry actions only. Off (the gRPC service's):
// nothing carries states.
TEST(ReplayBufferTest, FreshItemsCarryTheirReplayedStatesOnce) {
  const Task& task = SharedBagTask();
  for (const bool keep : {true, false}) {
    auto buffer = MakeBuffer(task, 8, 1, 8.0, keep);
    for (int i = 0; i < 3; ++i) {
      auto outcome = InsertOne(*buffer, ValidBagTrajectory(task, i),
                               absl::InfiniteFuture());
      ASSERT_TRUE(outcome.ok() && outcome->status.ok());
    }
    SampleSpec window;
    window.selector = Selector::kNewestWindow;
    window.window = 3;
    window.count = 16;
    // Before a FRESH sample, every draw shares the stored trajectory.
    auto before = buffer->Sample(window, absl::InfiniteFuture(), Never);
    ASSERT_TRUE(before.ok()) << before.status();
    for (const TrajectoryRef& t : before->trajectories) {
      EXPECT_EQ(t->states != nullptr, keep);
    }
    SampleSpec fresh;
    fresh.selector = Selector::kFresh;
    fresh.count = 3;
    auto taken = buffer->Sample(fresh, absl::InfiniteFuture(), Never);
    ASSERT_TRUE(taken.ok()) << taken.status();
    ASSERT_EQ(taken->trajectories.size(), 3u);
    for (const TrajectoryRef& t : taken->trajectories) {
      if (!keep) {
        EXPECT_EQ(t->states, nullptr);
        continue;
      }
      ASSERT_NE(t->states, nullptr);
      EXPECT_EQ(*t->states, *task.Replay(t->actions));
    }
    auto after = buffer->Sample(window, absl::InfiniteFuture(), Never);
    ASSERT_TRUE(after.ok()) << after.status();
    for (const TrajectoryRef& t : after->trajectories) {
      EXPECT_EQ(t->states, nullptr);
      EXPECT_EQ(t->actions, taken->trajectories[t->sequence]->actions);
    }
  }
}

}  // namespace
}  // namespace ledgfn
