// ReplaySource against a real gRPC server on loopback that answers Sample
// with canned (possibly hostile) responses: the learner must refuse answers
// it cannot trust before using any trajectory.
#include "learner/replay_source.h"

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "tasks/registry.h"
#include "gtest/gtest.h"
#include "proto/server_util.h"

namespace ledgfn {
namespace {

// A Replay service whose Sample returns `answer` whatever it is asked.
class CannedReplay final : public proto::Replay::Service {
 public:
  explicit CannedReplay(proto::SampleResponse answer)
      : answer_(std::move(answer)) {}
  grpc::Status Sample(grpc::ServerContext*, const proto::SampleRequest*,
                      proto::SampleResponse* response) override {
    *response = answer_;
    return grpc::Status::OK;
  }

 private:
  const proto::SampleResponse answer_;
};

std::unique_ptr<Task> Hypergrid() {
  TaskOptions options;
  options.name = "hypergrid";
  options.hypergrid_dim = 2;
  options.hypergrid_side = 4;
  return *MakeTask(options);
}

// Stop at s_0: the shortest legal hypergrid trajectory.
proto::Trajectory StopAtOrigin(const Task& task) {
  proto::Trajectory t;
  t.set_task(task.name());
  t.add_actions(task.stop_action());
  t.set_energy(task.Energy(task.InitialState()));
  return t;
}

// PotentialBatch (NEWEST_WINDOW of batch_size 2) against `answer`.
absl::StatusOr<std::vector<TrajectoryRef>> BatchFrom(
    const Task& task, const proto::SampleResponse& answer) {
  CannedReplay service(answer);
  absl::StatusOr<RunningServer> server = StartServer("127.0.0.1:0", {&service});
  EXPECT_TRUE(server.ok()) << server.status();
  ReplaySourceOptions options;
  options.address = "127.0.0.1:" + std::to_string(server->port);
  options.batch_size = 2;
  ReplaySource source(task, options, [] { return int64_t{0}; });
  auto batch = source.PotentialBatch();
  server->server->Shutdown();
  return batch;
}

TEST(ReplaySourceTest, ValidAnswersAreDecoded) {
  auto task = Hypergrid();
  proto::SampleResponse answer;
  *answer.add_trajectories() = StopAtOrigin(*task);
  auto batch = BatchFrom(*task, answer);
  ASSERT_TRUE(batch.ok()) << batch.status();
  ASSERT_EQ(batch->size(), 1u);
  EXPECT_EQ((*batch)[0]->actions, std::vector<int32_t>{task->stop_action()});
}

// Validation replays each answer; the states it got travel with the
// trajectory, so the learner replays it once (common/trajectory.h).
TEST(ReplaySourceTest, AnswersCarryTheStatesTheirValidationReplayed) {
  auto task = Hypergrid();
  proto::SampleResponse answer;
  proto::Trajectory& t = *answer.add_trajectories();
  t.set_task(task->name());
  for (int a : {0, 1, 0, task->stop_action()}) t.add_actions(a);
  t.set_energy(task->Energy({2, 1}));
  *answer.add_trajectories() = StopAtOrigin(*task);
  auto batch = BatchFrom(*task, answer);
  ASSERT_TRUE(batch.ok()) << batch.status();
  ASSERT_EQ(batch->size(), 2u);
  for (const TrajectoryRef& r : *batch) {
    ASSERT_NE(r->states, nullptr);
    EXPECT_EQ(*r->states, *task->Replay(r->actions));
  }
  EXPECT_EQ((*batch)[0]->states->back(), (State{2, 1}));
}

TEST(ReplaySourceTest, TrajectoriesOfAnotherTaskAreDataLoss) {
  auto task = Hypergrid();
  proto::SampleResponse answer;
  proto::Trajectory t = StopAtOrigin(*task);
  t.set_task("bag");  // a replay started with another --task
  *answer.add_trajectories() = t;
  auto batch = BatchFrom(*task, answer);
  EXPECT_TRUE(absl::IsDataLoss(batch.status())) << batch.status();
  EXPECT_NE(batch.status().message().find("unknown task"), std::string::npos);
}

TEST(ReplaySourceTest, IllegalActionsAreDataLoss) {
  auto task = Hypergrid();
  proto::SampleResponse answer;
  proto::Trajectory t = StopAtOrigin(*task);
  t.set_actions(0, 1 << 20);
  *answer.add_trajectories() = t;
  auto batch = BatchFrom(*task, answer);
  EXPECT_TRUE(absl::IsDataLoss(batch.status())) << batch.status();
}

TEST(ReplaySourceTest, MoreTrajectoriesThanAskedForAreDataLoss) {
  auto task = Hypergrid();
  proto::SampleResponse answer;
  for (int i = 0; i < 3; ++i) *answer.add_trajectories() = StopAtOrigin(*task);
  auto batch = BatchFrom(*task, answer);
  EXPECT_TRUE(absl::IsDataLoss(batch.status())) << batch.status();
}

// A Replay service answering every Sample with `count` trajectories that
// stop at s_0, recording the counts asked for.
class CountingReplay final : public proto::Replay::Service {
 public:
  explicit CountingReplay(const Task& task) : trajectory_(StopAtOrigin(task)) {}
  grpc::Status Sample(grpc::ServerContext*, const proto::SampleRequest* request,
                      proto::SampleResponse* response) override {
    absl::MutexLock lock(&mu_);
    counts_.push_back(request->count());
    for (int i = 0; i < request->count(); ++i) *response->add_trajectories() = trajectory_;
    return grpc::Status::OK;
  }
  std::vector<int> counts() {
    absl::MutexLock lock(&mu_);
    return counts_;
  }

 private:
  const proto::Trajectory trajectory_;
  absl::Mutex mu_;
  std::vector<int> counts_ ABSL_GUARDED_BY(mu_);
};

TEST(ReplaySourceTest, PotentialBatchesComeSeveralPerCall) {
  auto task = Hypergrid();
  CountingReplay service(*task);
  absl::StatusOr<RunningServer> server = StartServer("127.0.0.1:0", {&service});
  ASSERT_TRUE(server.ok()) << server.status();
  ReplaySourceOptions options;
  options.address = "127.0.0.1:" + std::to_string(server->port);
  options.batch_size = 3;
  options.potential_batches_per_call = 4;
  ReplaySource source(*task, options, [] { return int64_t{0}; });
  // Five r_phi minibatches: the first call fetches four, the fifth four more.
  for (int i = 0; i < 5; ++i) {
    auto batch = source.PotentialBatch();
    ASSERT_TRUE(batch.ok()) << batch.status();
    EXPECT_EQ(batch->size(), 3u) << "minibatch " << i;
  }
  EXPECT_EQ(service.counts(), (std::vector<int>{12, 12}));
  EXPECT_EQ(source.counters().batches, 2);
  server->server->Shutdown();
}

}  // namespace
}  // namespace ledgfn
