// Chaos test (issue #5): `bag` trains with real ledgfn_replay
// (--durability=wal), ledgfn_learner (--checkpoint_dir) and two
// ledgfn_actor processes on loopback while the test kill -9s an actor, the
// replay and the learner in turn and restarts each on the same address and
// data. It checks what docs/reliability.md promises:
//   * every trajectory acknowledged before the replay was killed is in the
//     restarted replay (a probe writer records its acknowledged keys; the
//     replay's Lookup RPC checks them);
//   * the learner resumes from its newest checkpoint and policy versions
//     keep increasing (a PolicyWatcher sees no version go backwards);
//   * training keeps improving and the processes keep making progress;
//   * at the end every process exits 0 on SIGTERM within a bounded time.
// The measured recovery times are printed for docs/reliability.md.
#include <stdlib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "actor/policy_client.h"
#include "gtest/gtest.h"
#include "proto/ledgfn.grpc.pb.h"
#include "proto/server_util.h"
#include "tests/distributed/process_harness.h"
#include "tests/replay/trajectory_fixtures.h"

namespace ledgfn {
namespace {

constexpr int32_t kProbeActor = 999;
constexpr uint64_t kProbeIncarnation = 0x5EED;

double Seconds(Clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

// Streams distinct valid trajectories to the replay and records which
// sequences were acknowledged (stored, or a duplicate of a stored one).
// Reconnects and resends from the first unacknowledged sequence when the
// stream breaks, like an actor.
class ProbeWriter {
 public:
  ProbeWriter(const Task& task, std::string address)
      : task_(task), address_(std::move(address)), thread_([this] { Run(); }) {}
  ~ProbeWriter() { Stop(); }

  void Stop() {
    stop_ = true;
    {
      absl::MutexLock lock(&mu_);
      if (context_ != nullptr) context_->TryCancel();
    }
    if (thread_.joinable()) thread_.join();
  }
  // Sequences acknowledged so far: always 0 .. acked() - 1 (acks come in
  // order and the probe resends from the first unacknowledged one).
  uint64_t acked() {
    absl::MutexLock lock(&mu_);
    return acked_;
  }

 private:
  void Run() {
    while (!stop_) {
      auto stub = proto::Replay::NewStub(MakeChannel(address_));
      grpc::ClientContext context;
      {
        absl::MutexLock lock(&mu_);
        if (stop_) break;
        context_ = &context;
      }
      auto stream = stub->Insert(&context);
      while (!stop_) {
        proto::InsertRequest request;
        const uint64_t first = acked();
        for (uint64_t s = first; s < first + 8; ++s) {
          *request.add_trajectories() =
              ValidTrajectory(task_, s, kProbeActor, kProbeIncarnation);
        }
        proto::InsertResponse response;
        if (!stream->Write(request) || !stream->Read(&response)) break;
        absl::MutexLock lock(&mu_);
        for (const proto::Ack& ack : response.acks()) {
          if (ack.code() == 0 && ack.key().sequence() == acked_) ++acked_;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(25));
      }
      {
        absl::MutexLock lock(&mu_);
        context_ = nullptr;
      }
      context.TryCancel();
      stream->Finish().IgnoreError();
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }

  const Task& task_;
  const std::string address_;
  std::atomic<bool> stop_{false};
  absl::Mutex mu_;
  grpc::ClientContext* context_ ABSL_GUARDED_BY(mu_) = nullptr;
  uint64_t acked_ ABSL_GUARDED_BY(mu_) = 0;
  std::thread thread_;
};

class ChaosTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/ledgfn_chaos_XXXXXX";
    dir_ = mkdtemp(tmpl);
    replay_address_ = "127.0.0.1:" + std::to_string(FreePort());
    learner_address_ = "127.0.0.1:" + std::to_string(FreePort());
  }
  std::string Path(const std::string& name) const { return dir_ + "/" + name; }

  // Each (re)start logs to a new file so the test can read every life.
  std::unique_ptr<Process> StartReplay(std::vector<std::string> flags = {
                                           "--durability=wal", "--snapshot_every_s=3",
                                           "--min_size_to_sample=32", "--error_buffer=128"}) {
    const std::string port_file = Path("replay.port." + std::to_string(++replay_starts_));
    std::vector<std::string> args = {"--task=bag", "--address=" + replay_address_,
                                     "--port_file=" + port_file, "--metrics_port=0",
                                     "--data_dir=" + Path("replay-data")};
    args.insert(args.end(), flags.begin(), flags.end());
    auto p = std::make_unique<Process>(
        LEDGFN_REPLAY, args, Path("replay." + std::to_string(replay_starts_) + ".log"));
    EXPECT_GT(WaitForPort(port_file), 0) << p->log();
    return p;
  }
  std::unique_ptr<Process> StartLearner() {
    const std::string port_file = Path("learner.port." + std::to_string(++learner_starts_));
    auto p = std::make_unique<Process>(
        LEDGFN_LEARNER,
        std::vector<std::string>{"--task=bag", "--objective=led-subtb", "--hidden=64",
                                 "--potential_steps=4", "--publish_every=5",
                                 "--eval_every=25", "--checkpoint_every=25",
                                 "--checkpoint_dir=" + Path("checkpoints"),
                                 "--replay_address=" + replay_address_,
                                 "--address=" + learner_address_,
                                 "--port_file=" + port_file,
                                 "--output_dir=" + Path("learner"), "--metrics_port=0"},
        Path("learner." + std::to_string(learner_starts_) + ".log"));
    EXPECT_GT(WaitForPort(port_file), 0) << p->log();
    return p;
  }
  std::unique_ptr<Process> StartActor(int id) {
    return std::make_unique<Process>(
        LEDGFN_ACTOR,
        std::vector<std::string>{"--task=bag", "--objective=led-subtb", "--hidden=64",
                                 "--replay_address=" + replay_address_,
                                 "--learner_address=" + learner_address_,
                                 "--actor_id=" + std::to_string(id), "--metrics_port=0"},
        Path("actor" + std::to_string(id) + "." + std::to_string(++actor_starts_) + ".log"));
  }
  // The learner's newest evaluation row (round 0 when none yet).
  std::map<std::string, double> Row() { return LastRow(Path("learner/metrics.csv")); }
  // Waits until the learner's metrics.csv reaches `round`; false on timeout.
  bool WaitForRound(double round, std::chrono::seconds timeout) {
    const auto end = Clock::now() + timeout;
    while (Clock::now() < end) {
      if (Row()["round"] >= round) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    return false;
  }
  proto::LookupResponse Lookup(uint64_t probe_acked) {
    auto stub = proto::Replay::NewStub(MakeChannel(replay_address_));
    proto::LookupRequest request;
    for (uint64_t s = 0; s < probe_acked; ++s) {
      auto* key = request.add_keys();
      key->set_actor_id(kProbeActor);
      key->set_incarnation(kProbeIncarnation);
      key->set_sequence(s);
    }
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    proto::LookupResponse response;
    const grpc::Status status = stub->Lookup(&context, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response;
  }

  std::string dir_, replay_address_, learner_address_;
  int replay_starts_ = 0, learner_starts_ = 0, actor_starts_ = 0;
};

TEST_F(ChaosTest, KilledActorReplayAndLearnerRecoverWithoutLosingAckedData) {
  auto task = BagTask();
  auto replay = StartReplay();
  auto learner = StartLearner();
  auto actor1 = StartActor(1);
  auto actor2 = StartActor(2);
  ProbeWriter probe(*task, replay_address_);

  // Every version the actors could see, in arrival order.
  absl::Mutex versions_mu;
  std::vector<int64_t> versions;
  PolicyWatcherOptions wopts;
  wopts.address = learner_address_;
  wopts.max_backoff = absl::Milliseconds(500);
  wopts.on_version = [&](const std::shared_ptr<const PolicyWeights>& w) {
    absl::MutexLock lock(&versions_mu);
    versions.push_back(w->version);
  };
  PolicyWatcher watcher(wopts);
  auto newest_version = [&] {
    absl::MutexLock lock(&versions_mu);
    return versions.empty() ? int64_t{0} : versions.back();
  };

  ASSERT_TRUE(WaitForRound(50, std::chrono::seconds(120))) << learner->log();
  const std::map<std::string, double> first_row =
      CsvRows(Path("learner/metrics.csv")).front();
  const double first_l1 = first_row.count("l1") ? first_row.at("l1") : -1;

  // 1. kill -9 an actor; its replacement is a new incarnation.
  actor1->Kill();
  actor1 = StartActor(1);
  ASSERT_TRUE(WaitForRound(75, std::chrono::seconds(120))) << learner->log();

  // 2. kill -9 the replay (WAL) while actors and the probe are inserting.
  const uint64_t acked_before_kill = probe.acked();
  ASSERT_GT(acked_before_kill, 0u);
  replay->Kill();
  const auto replay_restart = Clock::now();
  replay = StartReplay();
  const double replay_recovery_s = Seconds(Clock::now() - replay_restart);
  const proto::LookupResponse stored = Lookup(acked_before_kill);
  ASSERT_EQ(stored.stored_size(), static_cast<int>(acked_before_kill));
  int64_t lost = 0;
  for (bool s : stored.stored()) lost += s ? 0 : 1;
  EXPECT_EQ(lost, 0) << "acknowledged trajectories lost by the replay restart";
  const double round_at_replay_restart = Row()["round"];
  ASSERT_TRUE(WaitForRound(round_at_replay_restart + 25, std::chrono::seconds(120)))
      << learner->log() << replay->log();
  const double replay_resume_s = Seconds(Clock::now() - replay_restart);

  // 3. kill -9 the learner after a checkpoint; it resumes from it.
  const std::map<std::string, double> before_learner_kill = Row();
  const int64_t version_before_kill = newest_version();
  learner->Kill();
  const auto learner_restart = Clock::now();
  learner = StartLearner();
  // Actors keep sampling with their last policy meanwhile; a version above
  // every earlier one arrives once the learner is back.
  const auto end = Clock::now() + std::chrono::seconds(120);
  while (Clock::now() < end && newest_version() <= version_before_kill) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  const double learner_recovery_s = Seconds(Clock::now() - learner_restart);
  EXPECT_GT(newest_version(), version_before_kill) << learner->log();
  EXPECT_NE(learner->log().find("resumed from"), std::string::npos) << learner->log();
  ASSERT_TRUE(WaitForRound(before_learner_kill.at("round") + 50, std::chrono::seconds(150)))
      << learner->log();

  // Training kept improving across the three failures.
  const std::map<std::string, double> last = Row();
  EXPECT_GE(last.at("modes"), before_learner_kill.at("modes"));
  EXPECT_GT(last.at("modes"), 0);
  if (first_l1 > 0) EXPECT_LT(last.at("l1"), first_l1);

  // Versions never went backwards, and nothing was discarded as stale.
  watcher.Stop();
  {
    absl::MutexLock lock(&versions_mu);
    EXPECT_TRUE(std::is_sorted(versions.begin(), versions.end()));
    EXPECT_EQ(std::adjacent_find(versions.begin(), versions.end()), versions.end());
  }
  EXPECT_EQ(watcher.Stats().ignored_versions, 0);

  // Everything stops cleanly within bounded time.
  probe.Stop();
  EXPECT_EQ(actor1->Terminate(std::chrono::seconds(10)), 0) << actor1->log();
  EXPECT_EQ(actor2->Terminate(std::chrono::seconds(10)), 0) << actor2->log();
  EXPECT_EQ(learner->Terminate(std::chrono::seconds(15)), 0) << learner->log();
  EXPECT_EQ(replay->Terminate(std::chrono::seconds(15)), 0) << replay->log();

  std::printf(
      "chaos: probe acked %llu before the replay kill, %lld lost; replay serving "
      "again %.2f s after kill, learner trained 25 more rounds %.2f s after it; "
      "learner published a newer version %.2f s after its kill (from version "
      "%lld); final round %.0f, modes %.0f, L1 %.4f (first %.4f)\n",
      static_cast<unsigned long long>(acked_before_kill), static_cast<long long>(lost),
      replay_recovery_s, replay_resume_s, learner_recovery_s,
      static_cast<long long>(version_before_kill), last.at("round"), last.at("modes"),
      last.count("l1") ? last.at("l1") : -1.0, first_l1);
}

// What each --durability mode keeps when the replay is killed with -9 while
// a writer streams trajectories (no learner: the limiter's buffer is wide
// enough that inserts never wait). Prints the measured loss.
class ReplayKillTest : public ChaosTest,
                       public ::testing::WithParamInterface<std::string> {};

TEST_P(ReplayKillTest, LosesOnlyWhatItsDurabilityModeAllows) {
  const std::string mode = GetParam();
  const std::vector<std::string> flags = {"--durability=" + mode, "--snapshot_every_s=1",
                                          "--min_size_to_sample=1",
                                          "--error_buffer=1000000"};
  auto task = BagTask();
  auto replay = StartReplay(flags);
  ProbeWriter probe(*task, replay_address_);
  const auto end = Clock::now() + std::chrono::seconds(60);
  while (Clock::now() < end && probe.acked() < 600) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  const uint64_t acked = probe.acked();
  ASSERT_GE(acked, 600u) << replay->log();
  replay->Kill();
  probe.Stop();
  const auto restart = Clock::now();
  replay = StartReplay(flags);
  const double recovery_s = Seconds(Clock::now() - restart);
  const proto::LookupResponse stored = Lookup(acked);
  ASSERT_EQ(stored.stored_size(), static_cast<int>(acked));
  int64_t lost = 0;
  for (bool s : stored.stored()) lost += s ? 0 : 1;
  // Acknowledged in order, so what is kept is a prefix.
  for (int i = 1; i < stored.stored_size(); ++i) {
    ASSERT_LE(stored.stored(i), stored.stored(i - 1)) << i;
  }
  if (mode == "none") EXPECT_EQ(lost, static_cast<int64_t>(acked));
  if (mode == "snapshot") {
    EXPECT_LT(lost, static_cast<int64_t>(acked)) << "no snapshot was kept";
  }
  if (mode == "wal") EXPECT_EQ(lost, 0);
  EXPECT_EQ(replay->Terminate(std::chrono::seconds(15)), 0) << replay->log();
  std::printf("replay kill -9 with --durability=%s: %lld of %llu acknowledged "
              "trajectories lost; serving again %.2f s after the restart\n",
              mode.c_str(), static_cast<long long>(lost),
              static_cast<unsigned long long>(acked), recovery_s);
}

INSTANTIATE_TEST_SUITE_P(Modes, ReplayKillTest,
                         ::testing::Values("none", "snapshot", "wal"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace ledgfn
