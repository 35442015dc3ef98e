// The actor's network pieces against real in-process gRPC servers: the
// remote oracle, the concurrent oracle, and the replay writer across a replay
// restart (DESIGN §2.3).
#include <chrono>
#include <memory>
#include <thread>

#include "actor/concurrent_oracle.h"
#include "actor/remote_oracle.h"
#include "actor/replay_writer.h"
#include "tasks/registry.h"
#include "gtest/gtest.h"
#include "proto/server_util.h"
#include "replay/replay_service.h"

namespace ledgfn {
namespace {

std::unique_ptr<Task> Bag() {
  TaskOptions o;
  o.name = "bag";
  return *MakeTask(o);
}

// A user's oracle service: the task's energies, or a wrong count on request.
class TestOracle final : public proto::Oracle::Service {
 public:
  explicit TestOracle(const Task& task) : task_(task) {}
  grpc::Status Evaluate(grpc::ServerContext*, const proto::EvaluateRequest* request,
                        proto::EvaluateResponse* response) override {
    for (const auto& object : request->objects()) {
      State s(object.state().begin(), object.state().end());
      response->add_energies(request->partial() ? task_.PartialEnergy(s) : task_.Energy(s));
    }
    if (short_answer_) response->mutable_energies()->RemoveLast();
    return grpc::Status::OK;
  }
  bool short_answer_ = false;

 private:
  const Task& task_;
};

std::vector<State> SomeBags() {
  return {{13, 0, 0, 0, 0, 0, 0}, {7, 6, 0, 0, 0, 0, 0}, {2, 2, 2, 2, 2, 2, 1},
          {0, 0, 0, 0, 0, 1, 12}, {3, 3, 3, 1, 1, 1, 1}};
}

TEST(RemoteOracleTest, ReturnsTheServiceEnergiesInOrder) {
  auto task = Bag();
  TestOracle service(*task);
  auto server = *StartServer("127.0.0.1:0", {&service});
  RemoteOracle oracle("127.0.0.1:" + std::to_string(server.port), "bag");
  const auto bags = SomeBags();
  auto energies = oracle.Energies(bags);
  ASSERT_TRUE(energies.ok()) << energies.status();
  ASSERT_EQ(energies->size(), bags.size());
  for (size_t i = 0; i < bags.size(); ++i) EXPECT_DOUBLE_EQ((*energies)[i], task->Energy(bags[i]));
  State partial = {3, 0, 0, 0, 0, 0, 0};
  EXPECT_DOUBLE_EQ((*oracle.PartialEnergies({partial}))[0], task->PartialEnergy(partial));

  service.short_answer_ = true;
  EXPECT_EQ(oracle.Energies(bags).status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(oracle.retries(), 0);  // a wrong answer is not retried
  server.server->Shutdown();
}

TEST(RemoteOracleTest, AnUnreachableServiceIsRetriedUntilCancelled) {
  RemoteOracle oracle("127.0.0.1:1", "bag", SecurityOptions(), absl::Milliseconds(200));
  absl::StatusOr<std::vector<double>> energies;
  std::thread call([&] { energies = oracle.Energies(SomeBags()); });
  std::this_thread::sleep_for(std::chrono::milliseconds(800));
  EXPECT_GE(oracle.retries(), 2);
  const auto cancelled_at = std::chrono::steady_clock::now();
  oracle.Cancel();
  call.join();
  EXPECT_LT(std::chrono::steady_clock::now() - cancelled_at, std::chrono::seconds(2));
  EXPECT_EQ(energies.status().code(), absl::StatusCode::kCancelled) << energies.status();
  // Later calls end at once too.
  EXPECT_EQ(oracle.Energies(SomeBags()).status().code(), absl::StatusCode::kCancelled);
}

TEST(RemoteOracleTest, ACallWaitsForAServiceThatComesUp) {
  auto task = Bag();
  TestOracle service(*task);
  // A port that is free now; the service starts on it after the call did.
  auto probe = *StartServer("127.0.0.1:0", {&service});
  const int port = probe.port;
  probe.server->Shutdown();
  probe.server->Wait();
  RemoteOracle oracle("127.0.0.1:" + std::to_string(port), "bag");
  absl::StatusOr<std::vector<double>> energies;
  std::thread call([&] { energies = oracle.Energies(SomeBags()); });
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  auto server = StartServer("127.0.0.1:" + std::to_string(port), {&service});
  ASSERT_TRUE(server.ok()) << server.status();
  call.join();
  ASSERT_TRUE(energies.ok()) << energies.status();
  EXPECT_EQ(energies->size(), SomeBags().size());
  EXPECT_GE(oracle.retries(), 1);
  server->server->Shutdown();
}

TEST(ConcurrentOracleTest, SplitsAcrossThreadsAndKeepsOrder) {
  auto task = Bag();
  TaskEnergyOracle inner(*task, absl::Milliseconds(1));
  ConcurrentOracle oracle(inner, 3);
  std::vector<State> bags;
  for (int i = 0; i < 4; ++i)
    for (const State& b : SomeBags()) bags.push_back(b);
  auto energies = oracle.Energies(bags);
  ASSERT_TRUE(energies.ok());
  ASSERT_EQ(energies->size(), bags.size());
  for (size_t i = 0; i < bags.size(); ++i) EXPECT_DOUBLE_EQ((*energies)[i], task->Energy(bags[i]));
  EXPECT_TRUE(oracle.Energies({})->empty());
}

std::vector<Trajectory> Trajectories(const Task& task, uint64_t first, int n) {
  std::vector<Trajectory> out;
  for (int i = 0; i < n; ++i) {
    Trajectory t;
    for (int k = 0; k < 13; ++k) t.actions.push_back((k + i) % 7);
    t.actions.push_back(7);  // the forced stop
    t.energy = task.Energy(*task.Replay(t.actions).value().rbegin());
    t.actor_id = 4;
    t.incarnation = 99;
    t.sequence = first + i;
    out.push_back(t);
  }
  return out;
}

TEST(ReplayWriterTest, DeliversEverythingAcrossAReplayRestart) {
  auto task = Bag();
  ReplayServiceOptions options;
  options.table.capacity = 1000;
  options.limiter.min_size_to_sample = 1;
  options.limiter.error_buffer = 1000;
  auto first = *ReplayServiceImpl::Create(*task, options);
  auto server = *StartServer("127.0.0.1:0", {first.get()});
  const int port = server.port;

  ReplayWriterOptions wopts;
  wopts.address = "127.0.0.1:" + std::to_string(port);
  wopts.task = "bag";
  wopts.max_in_flight = 16;
  wopts.max_batch = 8;
  wopts.initial_backoff = absl::Milliseconds(20);
  wopts.max_backoff = absl::Milliseconds(200);
  ReplayWriter writer(wopts);
  ASSERT_TRUE(writer.Write(Trajectories(*task, 0, 50)).ok());
  ASSERT_TRUE(writer.Flush(absl::Seconds(20)).ok());
  EXPECT_EQ(first->Info().inserted, 50);

  // Replay goes away; the actor keeps writing into its queue.
  first->Shutdown();
  server.server->Shutdown(std::chrono::system_clock::now());
  ASSERT_TRUE(writer.Write(Trajectories(*task, 50, 30)).ok());
  EXPECT_FALSE(writer.Flush(absl::Milliseconds(300)).ok());

  // A new replay on the same port gets the queued trajectories.
  auto second = *ReplayServiceImpl::Create(*task, options);
  absl::StatusOr<RunningServer> restarted;
  for (int i = 0; i < 50 && !restarted.ok(); ++i) {
    restarted = StartServer("127.0.0.1:" + std::to_string(port), {second.get()});
    if (!restarted.ok()) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_TRUE(restarted.ok()) << restarted.status();
  ASSERT_TRUE(writer.Flush(absl::Seconds(30)).ok());
  EXPECT_EQ(second->Info().inserted, 30);
  const ReplayWriterCounters c = writer.counters();
  EXPECT_EQ(c.acked, 80);
  EXPECT_EQ(c.queued, 0);
  EXPECT_GE(c.reconnects, 1);
  writer.Close();
  EXPECT_EQ(writer.Write(Trajectories(*task, 80, 1)).code(), absl::StatusCode::kCancelled);
  second->Shutdown();
  restarted->server->Shutdown(std::chrono::system_clock::now());
}

TEST(ReplayWriterTest, InvalidTrajectoriesAreAcknowledgedAsRejected) {
  auto task = Bag();
  ReplayServiceOptions options;
  options.table.capacity = 100;
  options.limiter.min_size_to_sample = 1;
  options.limiter.error_buffer = 100;
  auto service = *ReplayServiceImpl::Create(*task, options);
  auto server = *StartServer("127.0.0.1:0", {service.get()});
  ReplayWriterOptions wopts;
  wopts.address = "127.0.0.1:" + std::to_string(server.port);
  wopts.task = "bag";
  ReplayWriter writer(wopts);
  auto batch = Trajectories(*task, 0, 3);
  batch[1].actions[0] = 9;  // out of range
  ASSERT_TRUE(writer.Write(batch).ok());
  ASSERT_TRUE(writer.Flush(absl::Seconds(20)).ok());
  EXPECT_EQ(writer.counters().acked, 2);
  EXPECT_EQ(writer.counters().rejected, 1);
  EXPECT_EQ(service->Info().inserted, 2);
  writer.Close();
  service->Shutdown();
  server.server->Shutdown(std::chrono::system_clock::now());
}

TEST(ReplayWriterTest, StopsWithTheReasonWhenReplayRefusesItsToken) {
  auto task = Bag();
  ReplayServiceOptions options;
  options.table.capacity = 100;
  options.limiter.min_size_to_sample = 1;
  options.limiter.error_buffer = 100;
  options.auth = std::make_shared<TokenChecker>("right");
  auto service = *ReplayServiceImpl::Create(*task, options);
  auto server = *StartServer("127.0.0.1:0", {service.get()});
  ReplayWriterOptions wopts;
  wopts.address = "127.0.0.1:" + std::to_string(server.port);
  wopts.task = "bag";
  wopts.security.token = "wrong";
  ReplayWriter intruder(wopts);
  // Refused once, the writer does not retry: Write() reports why.
  absl::Status status;
  for (int i = 0; i < 500 && status.ok(); ++i) {
    status = intruder.Write(Trajectories(*task, i, 1));
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(status.code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(status.message(), "replay refused the credentials: wrong bearer token");
  EXPECT_EQ(options.auth->rejected(), 1);
  intruder.Close();

  wopts.security.token = "right";
  ReplayWriter writer(wopts);
  ASSERT_TRUE(writer.Write(Trajectories(*task, 0, 3)).ok());
  ASSERT_TRUE(writer.Flush(absl::Seconds(20)).ok());
  EXPECT_EQ(service->Info().inserted, 3);
  writer.Close();
  service->Shutdown();
  server.server->Shutdown(std::chrono::system_clock::now());
}

}  // namespace
}  // namespace ledgfn
