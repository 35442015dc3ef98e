// The distributed system as users run it: real ledgfn_replay, ledgfn_learner
// and ledgfn_actor processes on loopback, talking gRPC (DESIGN §1, §2.3-2.5).
#include <stdlib.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <algorithm>
#include <map>
#include <random>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "proto/ledgfn.grpc.pb.h"
#include "proto/trajectory_codec.h"
#include "tasks/registry.h"
#include "proto/server_util.h"
#include "tests/distributed/process_harness.h"

namespace ledgfn {
namespace {

class DistributedTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/ledgfn_distributed_XXXXXX";
    dir_ = mkdtemp(tmpl);
  }
  std::string Path(const std::string& name) const { return dir_ + "/" + name; }

  std::unique_ptr<Process> StartReplay(std::vector<std::string> task_flags) {
    std::vector<std::string> args = {"--address=127.0.0.1:0",
                                     "--port_file=" + Path("replay.port"),
                                     "--metrics_port=0",
                                     "--min_size_to_sample=32",
                                     "--error_buffer=128"};
    args.insert(args.end(), task_flags.begin(), task_flags.end());
    auto p = std::make_unique<Process>(LEDGFN_REPLAY, args, Path("replay.log"));
    replay_port_ = WaitForPort(Path("replay.port"));
    return p;
  }
  std::unique_ptr<Process> StartLearner(std::vector<std::string> flags,
                                        const std::string& log = "learner.log") {
    std::remove(Path("learner.port").c_str());  // a restart's must be fresh
    std::vector<std::string> args = {
        "--replay_address=127.0.0.1:" + std::to_string(replay_port_),
        "--address=127.0.0.1:0", "--port_file=" + Path("learner.port"),
        "--output_dir=" + Path("learner"), "--metrics_port=0"};
    args.insert(args.end(), flags.begin(), flags.end());
    auto p = std::make_unique<Process>(LEDGFN_LEARNER, args, Path(log));
    learner_port_ = WaitForPort(Path("learner.port"));
    return p;
  }
  std::unique_ptr<Process> StartActor(int id, std::vector<std::string> flags) {
    std::vector<std::string> args = {
        "--replay_address=127.0.0.1:" + std::to_string(replay_port_),
        "--learner_address=127.0.0.1:" + std::to_string(learner_port_),
        "--actor_id=" + std::to_string(id), "--metrics_port=0"};
    args.insert(args.end(), flags.begin(), flags.end());
    return std::make_unique<Process>(LEDGFN_ACTOR, args,
                                     Path("actor" + std::to_string(id) + ".log"));
  }
  proto::InfoResponse ReplayInfo() {
    auto stub = proto::Replay::NewStub(
        MakeChannel("127.0.0.1:" + std::to_string(replay_port_)));
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    proto::InfoResponse info;
    EXPECT_TRUE(stub->Info(&context, proto::InfoRequest(), &info).ok());
    return info;
  }

  // Replay, learner and two actors of one task until the learner has trained
  // `rounds` rounds of `batch`: every process must exit cleanly and the
  // replay must reject nothing. Returns the learner's last metrics.csv row
  // (empty after a failure, which is reported).
  std::map<std::string, double> TrainWithTwoActors(
      const std::vector<std::string>& task,
      const std::vector<std::string>& net,
      const std::vector<std::string>& learner_extra, int rounds, int batch) {
    auto replay = StartReplay(task);
    if (replay_port_ <= 0) {
      ADD_FAILURE() << replay->log();
      return {};
    }
    std::vector<std::string> learner_flags = net;
    learner_flags.insert(learner_flags.end(), learner_extra.begin(), learner_extra.end());
    learner_flags.push_back("--rounds=" + std::to_string(rounds));
    auto learner = StartLearner(learner_flags);
    if (learner_port_ <= 0) {
      ADD_FAILURE() << learner->log();
      return {};
    }
    auto actor1 = StartActor(1, net);
    auto actor2 = StartActor(2, net);
    EXPECT_EQ(learner->Wait(std::chrono::seconds(120)), 0) << learner->log();
    EXPECT_EQ(actor1->Terminate(std::chrono::seconds(5)), 0) << actor1->log();
    EXPECT_EQ(actor2->Terminate(std::chrono::seconds(5)), 0) << actor2->log();
    const proto::InfoResponse info = ReplayInfo();
    EXPECT_EQ(replay->Terminate(std::chrono::seconds(5)), 0) << replay->log();
    EXPECT_EQ(info.rejected(), 0);
    const auto row = LastRow(Path("learner/metrics.csv"));
    EXPECT_EQ(row.at("round"), rounds) << learner->log();
    // Every round trained on a FRESH batch, and every trajectory trained on
    // was handed out FRESH. Not rounds * batch: with --error_buffer above
    // --min_size_to_sample (StartReplay's 128 > 32) the limiter lets samples
    // run ahead of inserts, so a FRESH batch may hold fewer than asked.
    EXPECT_GE(info.fresh_sampled(), rounds);
    EXPECT_GE(info.fresh_sampled(), row.at("trajectories"));
    EXPECT_LE(row.at("trajectories"), rounds * batch);
    return row;
  }

  std::string dir_;
  int replay_port_ = 0;
  int learner_port_ = 0;
};

TEST_F(DistributedTest, BagLedSubTbTrainsAcrossProcessesAndStopsCleanly) {
  const std::vector<std::string> task = {"--task=bag"};
  const std::vector<std::string> net = {"--task=bag", "--objective=led-subtb",
                                        "--hidden=64"};
  auto replay = StartReplay(task);
  ASSERT_GT(replay_port_, 0) << replay->log();
  std::vector<std::string> learner_flags = net;
  learner_flags.insert(learner_flags.end(),
                       {"--eval_every=25", "--publish_every=5", "--potential_steps=4"});
  auto learner = StartLearner(learner_flags);
  ASSERT_GT(learner_port_, 0) << learner->log();
  auto actor1 = StartActor(1, net);
  auto actor2 = StartActor(2, net);

  // Train until the learner has done 150 rounds (or give up after 120 s).
  std::map<std::string, double> row;
  const auto end = Clock::now() + std::chrono::seconds(120);
  while (Clock::now() < end) {
    row = LastRow(Path("learner/metrics.csv"));
    if (row["round"] >= 150) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  ASSERT_GE(row["round"], 150) << learner->log();
  EXPECT_GT(row["modes"], 0);

  // Actors stop first (they flush what replay has not acknowledged).
  EXPECT_EQ(actor1->Terminate(std::chrono::seconds(5)), 0) << actor1->log();
  EXPECT_EQ(actor2->Terminate(std::chrono::seconds(5)), 0) << actor2->log();
  EXPECT_EQ(learner->Terminate(std::chrono::seconds(5)), 0) << learner->log();
  const proto::InfoResponse info = ReplayInfo();
  EXPECT_EQ(replay->Terminate(std::chrono::seconds(5)), 0) << replay->log();

  int64_t acked = 0;
  for (Process* actor : {actor1.get(), actor2.get()}) {
    const std::string log = actor->log();
    const int64_t versions = Captured(log, R"((\d+) policy versions received)");
    EXPECT_GE(versions, 2) << log;
    // The final line: periodic status lines also count acks, so far.
    const int64_t a = Captured(log, R"(stopped: \d+ sampled, (\d+) acked)");
    ASSERT_GE(a, 0) << log;
    acked += a;
  }
  // Every acknowledgement is a stored trajectory or a deduplicated resend,
  // and the learner trained only on stored ones.
  EXPECT_EQ(acked, info.inserted() + info.duplicates());
  EXPECT_EQ(info.rejected(), 0);
  EXPECT_LE(info.fresh_sampled(), info.inserted());
  EXPECT_GT(info.fresh_sampled(), 0);
  const int64_t steps = Captured(learner->log(), R"(stopped after (\d+) policy steps)");
  EXPECT_GE(steps, 150);
  // Every policy step trained on fresh trajectories replay handed out
  // (nothing is dropped for lag without --max_policy_lag).
  EXPECT_EQ(info.dropped_for_lag(), 0);
  EXPECT_GE(info.fresh_sampled(), steps);
}

// `docker stop` while a role is still starting: each role is signalled as
// soon as it catches SIGTERM (Process::Terminate waits for that), so the
// signal may land before the role has registered what stops it (the
// replay's server, the actor's loop); ShutdownSignal then runs the callback
// at registration. Each must exit cleanly, not wait for a second signal.
// (The window is a few ms here; ShutdownSignalDeathTest covers it exactly.)
TEST_F(DistributedTest, RolesStoppedWhileStartingExitCleanly) {
  const std::string nowhere = "--replay_address=127.0.0.1:1";
  Process replay(LEDGFN_REPLAY,
                 {"--task=bag", "--address=127.0.0.1:0", "--metrics_port=0"},
                 Path("replay.log"));
  Process learner(LEDGFN_LEARNER,
                  {"--task=bag", nowhere, "--address=127.0.0.1:0",
                   "--output_dir=" + Path("learner"), "--metrics_port=0"},
                  Path("learner.log"));
  Process actor(LEDGFN_ACTOR,
                {"--task=bag", nowhere, "--learner_address=127.0.0.1:1",
                 "--actor_id=1", "--metrics_port=0"},
                Path("actor.log"));
  EXPECT_EQ(actor.Terminate(std::chrono::seconds(10)), 0) << actor.log();
  EXPECT_EQ(learner.Terminate(std::chrono::seconds(10)), 0) << learner.log();
  EXPECT_EQ(replay.Terminate(std::chrono::seconds(10)), 0) << replay.log();
}

TEST_F(DistributedTest, HypergridSubTbReachesTheEmbeddedThreshold) {
  const std::vector<std::string> net = {"--task=hypergrid", "--hypergrid_dim=2",
                                        "--objective=subtb", "--hidden=64"};
  auto replay = StartReplay({"--task=hypergrid", "--hypergrid_dim=2"});
  ASSERT_GT(replay_port_, 0) << replay->log();
  std::vector<std::string> learner_flags = net;
  learner_flags.insert(learner_flags.end(),
                       {"--rounds=1000", "--eval_every=250", "--publish_every=1"});
  auto learner = StartLearner(learner_flags);
  ASSERT_GT(learner_port_, 0) << learner->log();
  auto actor1 = StartActor(1, net);
  auto actor2 = StartActor(2, net);
  EXPECT_EQ(learner->Wait(std::chrono::seconds(150)), 0) << learner->log();
  const auto row = LastRow(Path("learner/metrics.csv"));
  EXPECT_EQ(row.at("round"), 1000);
  EXPECT_LT(row.at("l1"), 0.05) << learner->log();
  EXPECT_LT(std::abs(row.at("log_z") - 3.1091), 0.05);
  EXPECT_EQ(actor1->Terminate(std::chrono::seconds(5)), 0) << actor1->log();
  EXPECT_EQ(actor2->Terminate(std::chrono::seconds(5)), 0) << actor2->log();
  EXPECT_EQ(replay->Terminate(std::chrono::seconds(5)), 0) << replay->log();
}

// The paper protocol across processes: actors sample the online batches
// with the state-pair policy (reading their states' neighbours), the learner
// adds the offline batches it samples backward itself: two policy steps a
// round, and no more oracle calls than the online trajectories.
TEST_F(DistributedTest, PaperProtocolTrainsTwoStepsARoundAcrossProcesses) {
  const std::vector<std::string> task = {"--task=bag"};
  const std::vector<std::string> net = {"--task=bag", "--objective=led-subtb",
                                        "--protocol=paper"};
  const auto row = TrainWithTwoActors(task, net, {"--eval_every=10"},
                                      /*rounds=*/30, /*batch=*/32);
  ASSERT_FALSE(row.empty());
  EXPECT_EQ(row.at("policy_steps"), 60);
  EXPECT_GE(row.at("distinct"), 32);
  EXPECT_GE(row.at("log_z"), 0);  // clamped at the paper's floor
}

// Issue 21, as a user with a buggy oracle meets it: a client streams valid
// hypergrid trajectories to a real replay, 2% of them with absurd energies,
// and a real learner trains SubTB on what the replay accepts. The data
// (terminal objects drawn uniformly, their increments in random order) and
// the FRESH batches (oldest first) are fixed, so runs differ only by the
// energies:
//   kClean   every energy right;
//   kAbsurd  every 50th energy +-1e300: all rejected with the reason, and
//            training reaches the clean run's exact-L1 threshold within 10%
//            more rounds;
//   kMixed   every 100th energy +-1e300 (rejected) and every 100th just
//            inside the bound, +-(10 - 0.01): accepted, as the replay cannot
//            tell them from right answers. They are wrong rewards, which
//            cost accuracy (docs/reliability.md has the measured cost), but
//            nothing stalls: no step skipped, no nan or inf anywhere. With
//            --max_energy_disagreement=0 the learner drops those whose
//            object earlier reports outvote (learner/energy_consensus.h):
//            nearly all of them, as the 64 objects recur, and training
//            reaches the threshold within 10% more rounds again.
enum class Poison { kClean, kAbsurd, kMixed };

struct BadEnergyRun {
  int rounds_to_threshold = -1;  // first evaluation with L1 <= threshold
  int64_t rejected_out_of_range = -1;  // the replay's metric
  double skipped_steps = -1;
  double dropped = -1;  // the learner's dropped_trajectories, at the end
  std::string csv;
};

class BadEnergyTest : public DistributedTest {
 protected:
  static constexpr int kTrajectories = 33000;
  static constexpr double kBound = 10;  // the hypergrid's default (R0 = 0.1)

  static proto::Trajectory Make(const Task& task, std::mt19937_64& rng,
                                uint64_t i, Poison poison) {
    Trajectory t;
    const int side = 8;
    std::vector<int32_t> steps;
    for (int d = 0; d < 2; ++d) {
      const int x = std::uniform_int_distribution<int>(0, side - 1)(rng);
      steps.insert(steps.end(), x, d);
    }
    std::shuffle(steps.begin(), steps.end(), rng);
    t.actions = steps;
    t.actions.push_back(task.stop_action());
    t.energy = task.Energy(task.Replay(t.actions)->back());
    if (poison == Poison::kAbsurd && i % 50 == 0) {
      t.energy = i % 100 == 0 ? -1e300 : 1e300;
    }
    if (poison == Poison::kMixed) {
      switch (i % 200) {
        case 0: t.energy = -1e300; break;
        case 50: t.energy = 1e300; break;
        case 100: t.energy = kBound - 0.01; break;
        case 150: t.energy = -(kBound - 0.01); break;
      }
    }
    t.actor_id = 7;
    t.incarnation = 1;
    t.sequence = i;
    proto::Trajectory out;
    EncodeTrajectory(t, task.name(), &out);
    return out;
  }

  BadEnergyRun Run(Poison poison, int rounds, double threshold,
                   const std::vector<std::string>& learner_extra = {}) {
    BadEnergyRun result;
    TaskOptions options;
    options.name = "hypergrid";
    options.hypergrid_dim = 2;
    auto task = MakeTask(options);
    EXPECT_TRUE(task.ok()) << task.status();
    if (!task.ok()) return result;
    const int replay_metrics = FreePort();
    // Every trajectory goes in before the learner starts: the limiter may
    // run that far ahead. The replay and the learner use the task's default
    // bound.
    std::vector<std::string> args = {"--address=127.0.0.1:0",
                                     "--port_file=" + Path("replay.port"),
                                     "--metrics_port=" + std::to_string(replay_metrics),
                                     "--min_size_to_sample=16",
                                     "--error_buffer=100000",
                                     "--task=hypergrid", "--hypergrid_dim=2"};
    std::remove(Path("replay.port").c_str());
    auto replay = std::make_unique<Process>(LEDGFN_REPLAY, args, Path("replay.log"));
    replay_port_ = WaitForPort(Path("replay.port"));
    EXPECT_GT(replay_port_, 0) << replay->log();
    if (replay_port_ <= 0) return result;

    auto stub = proto::Replay::NewStub(
        MakeChannel("127.0.0.1:" + std::to_string(replay_port_)));
    grpc::ClientContext context;
    auto stream = stub->Insert(&context);
    std::mt19937_64 rng(5);
    int64_t rejected = 0;
    for (uint64_t first = 0; first < kTrajectories; first += 100) {
      proto::InsertRequest request;
      for (uint64_t i = first; i < first + 100; ++i) {
        *request.add_trajectories() = Make(**task, rng, i, poison);
      }
      proto::InsertResponse response;
      EXPECT_TRUE(stream->Write(request) && stream->Read(&response));
      for (const proto::Ack& ack : response.acks()) {
        if (ack.code() == 0) continue;
        ++rejected;
        EXPECT_EQ(ack.key().sequence() % 50, 0u) << ack.reason();
        EXPECT_NE(ack.reason().find("outside [-10, 10]"), std::string::npos)
            << ack.reason();
      }
    }
    stream->WritesDone();
    EXPECT_TRUE(stream->Finish().ok());
    const int64_t absurd = poison == Poison::kAbsurd  ? kTrajectories / 50
                           : poison == Poison::kMixed ? kTrajectories / 100
                                                      : 0;
    EXPECT_EQ(rejected, absurd);

    std::vector<std::string> learner_flags = {
        "--task=hypergrid", "--hypergrid_dim=2", "--objective=subtb",
        "--hidden=64", "--rounds=" + std::to_string(rounds), "--eval_every=10",
        "--publish_every=1000"};
    learner_flags.insert(learner_flags.end(), learner_extra.begin(),
                         learner_extra.end());
    auto learner = StartLearner(learner_flags);
    EXPECT_EQ(learner->Wait(std::chrono::seconds(240)), 0) << learner->log();
    std::smatch m;
    const std::string metrics = Scrape(replay_metrics);
    if (std::regex_search(metrics, m, std::regex(
            R"(ledgfn_replay_rejected_total\{[^}]*reason="energy_out_of_range"[^}]*\} (\S+))"))) {
      result.rejected_out_of_range = std::llround(std::stod(m[1]));
    }
    EXPECT_EQ(replay->Terminate(std::chrono::seconds(5)), 0) << replay->log();
    result.csv = ReadFile(Path("learner/metrics.csv"));
    const auto rows = CsvRows(Path("learner/metrics.csv"));
    for (const auto& row : rows) {
      if (row.at("l1") <= threshold) {
        result.rounds_to_threshold = static_cast<int>(row.at("round"));
        break;
      }
    }
    if (!rows.empty()) {
      result.skipped_steps = rows.back().at("skipped_steps");
      result.dropped = rows.back().at("dropped_trajectories");
    }
    EXPECT_EQ(result.rejected_out_of_range, absurd);
    EXPECT_EQ(result.csv.find("nan"), std::string::npos) << result.csv;
    EXPECT_EQ(result.csv.find("inf"), std::string::npos) << result.csv;
    return result;
  }
};

TEST_F(BadEnergyTest, AbsurdEnergiesCostTheirTrajectoriesNotTheRun) {
  constexpr int kRounds = 2000;  // 32,000 fresh trajectories
  constexpr double kThreshold = 0.2;
  const BadEnergyRun clean = Run(Poison::kClean, kRounds, kThreshold);
  const BadEnergyRun absurd = Run(Poison::kAbsurd, kRounds, kThreshold);
  const BadEnergyRun mixed = Run(Poison::kMixed, kRounds, kThreshold);
  const BadEnergyRun outvoted = Run(Poison::kMixed, kRounds, kThreshold,
                                    {"--max_energy_disagreement=0"});
  std::printf("rounds to exact L1 <= %.2f: clean %d, 2%% absurd (rejected) %d, "
              "1%% absurd + 1%% just inside the bound %d, the same with "
              "--max_energy_disagreement=0 %d (%.0f dropped)\n",
              kThreshold, clean.rounds_to_threshold, absurd.rounds_to_threshold,
              mixed.rounds_to_threshold, outvoted.rounds_to_threshold,
              outvoted.dropped);
  ASSERT_GT(clean.rounds_to_threshold, 0) << clean.csv;
  ASSERT_GT(absurd.rounds_to_threshold, 0) << absurd.csv;
  EXPECT_LE(absurd.rounds_to_threshold, 1.1 * clean.rounds_to_threshold);
  // Wrong rewards inside the bound slow training down, but it goes on.
  ASSERT_GT(mixed.rounds_to_threshold, 0) << mixed.csv;
  EXPECT_LE(mixed.rounds_to_threshold, 2 * clean.rounds_to_threshold);
  // Outvoted by the earlier reports of their objects, they are dropped.
  ASSERT_GT(outvoted.rounds_to_threshold, 0) << outvoted.csv;
  EXPECT_LE(outvoted.rounds_to_threshold, 1.1 * clean.rounds_to_threshold);
  EXPECT_GT(outvoted.dropped, 0);
  EXPECT_EQ(clean.dropped, 0);
  for (const BadEnergyRun* run : {&clean, &absurd, &mixed, &outvoted}) {
    EXPECT_EQ(run->skipped_steps, 0);
  }
}

// MIS across processes: actors sample on training graphs and name them, the
// replay replays every trajectory on its rebuilt graph, and the learner
// trains and evaluates on the held-out graphs. LED-DB needs only terminal
// energies; FL-SubTB makes the actors ship every state's partial energy.
class DistributedMisTest : public DistributedTest,
                           public ::testing::WithParamInterface<std::string> {};

TEST_P(DistributedMisTest, TrainsOnGraphInstancesAcrossProcesses) {
  const std::vector<std::string> task = {"--task=mis", "--mis_family=er-16-0.2",
                                         "--mis_train_instances=8",
                                         "--mis_test_instances=2"};
  std::vector<std::string> net = task;
  net.insert(net.end(), {"--objective=" + GetParam(), "--hidden=16",
                         "--layers=2", "--batch_size=8"});
  const auto row = TrainWithTwoActors(
      task, net,
      {"--eval_every=20", "--potential_steps=2", "--test_samples=4"}, 40, 8);
  ASSERT_FALSE(row.empty());
  EXPECT_LE(row.at("test_mean_energy"), -1.0);
  EXPECT_LE(row.at("test_best_energy"), row.at("test_mean_energy"));
  EXPECT_LE(row.at("baseline_energy"), -1.0);
}

INSTANTIATE_TEST_SUITE_P(Objectives, DistributedMisTest,
                         ::testing::Values("led-db", "fl-subtb"),
                         [](const auto& info) {
                           return info.param == "led-db" ? "LedDb" : "FlSubTb";
                         });

// Molecules across processes: the actors and the learner score with the sEH
// proxy, the replay validates the block MDP without any chemistry, and the
// learner tracks molecules by canonical SMILES (top-100 score and Tanimoto
// similarity in metrics.csv).
class DistributedMoleculeTest : public DistributedTest,
                                public ::testing::WithParamInterface<std::string> {};

TEST_P(DistributedMoleculeTest, TrainsOnMoleculesScoredByTheActors) {
  const std::string data = LEDGFN_SEH_DATA_DIR;
  if (!std::ifstream(data + "/seh_proxy_params.bin")) {
    GTEST_SKIP() << "the sEH data directory " << data
                 << " is absent (-DLEDGFN_SEH_DATA_DIR=<dir>)";
  }
  const std::vector<std::string> task = {"--task=molecule",
                                         "--molecule_data_dir=" + data};
  std::vector<std::string> net = task;
  net.insert(net.end(), {"--objective=" + GetParam(), "--hidden=16",
                         "--layers=2", "--batch_size=8"});
  const auto row = TrainWithTwoActors(
      task, net, {"--eval_every=10", "--potential_steps=2"}, 20, 8);
  ASSERT_FALSE(row.empty());
  EXPECT_GE(row.at("distinct"), 20 * 8 / 2);
  EXPECT_GT(row.at("top100_score"), 0.1);
  EXPECT_GT(row.at("top100_similarity"), 0.0);
  EXPECT_LT(row.at("top100_similarity"), 1.0);
}

INSTANTIATE_TEST_SUITE_P(Objectives, DistributedMoleculeTest,
                         ::testing::Values("led-subtb", "fl-subtb"),
                         [](const auto& info) {
                           return info.param == "led-subtb" ? "LedSubTb" : "FlSubTb";
                         });

TEST_F(DistributedTest, EveryDocumentedMetricIsExportedAndCountersMove) {
  const int replay_metrics = FreePort(), learner_metrics = FreePort(),
            actor_metrics = FreePort();
  auto replay = StartReplay({"--task=hypergrid", "--hypergrid_dim=2",
                             "--metrics_address=127.0.0.1",
                             "--metrics_port=" + std::to_string(replay_metrics)});
  ASSERT_GT(replay_port_, 0) << replay->log();
  const std::vector<std::string> net = {"--task=hypergrid", "--hypergrid_dim=2",
                                        "--objective=led-subtb", "--hidden=32",
                                        "--metrics_address=127.0.0.1"};
  std::vector<std::string> lflags = net;
  lflags.insert(lflags.end(), {"--eval_every=20", "--metrics_port=" + std::to_string(learner_metrics)});
  auto learner = StartLearner(lflags);
  ASSERT_GT(learner_port_, 0) << learner->log();
  std::vector<std::string> aflags = net;
  aflags.push_back("--metrics_port=" + std::to_string(actor_metrics));
  auto actor = StartActor(1, aflags);

  // Wait for an evaluation (so every learner gauge has been set), then take
  // two scrapes of each process 2.5 s apart.
  const auto end = Clock::now() + std::chrono::seconds(60);
  while (Clock::now() < end && LastRow(Path("learner/metrics.csv"))["round"] < 20) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  std::map<std::string, std::string> first = {{"replay", Scrape(replay_metrics)},
                                              {"learner", Scrape(learner_metrics)},
                                              {"actor", Scrape(actor_metrics)}};
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));
  std::map<std::string, std::string> second = {{"replay", Scrape(replay_metrics)},
                                               {"learner", Scrape(learner_metrics)},
                                               {"actor", Scrape(actor_metrics)}};

  // Every metric named in docs/metrics.md is exported by its role.
  std::istringstream doc(ReadFile(std::string(LEDGFN_SOURCE_DIR) + "/docs/metrics.md"));
  std::string line;
  int documented = 0;
  const std::regex row(R"(^\| `(ledgfn_([a-z]+)_[a-z0-9_]+)` \| (counter|gauge|histogram) )");
  while (std::getline(doc, line)) {
    std::smatch m;
    if (!std::regex_search(line, m, row)) continue;
    ++documented;
    const std::string name = m[1], role = m[2], type = m[3];
    // The docking oracle's are checked by tests/oracle/oracle_server_test.cc.
    if (role == "oracle") continue;
    const std::string series = type == "histogram" ? name + "_count" : name;
    // ledgfn_rpc_* metrics belong to every process that serves gRPC.
    for (const std::string& r : role == "rpc" ? std::vector<std::string>{"replay", "learner"}
                                               : std::vector<std::string>{role}) {
      EXPECT_GE(Sample(second[r], series), 0) << name << " missing from " << r;
    }
  }
  EXPECT_GE(documented, 29);  // the regex read the whole table
  // The counters that measure progress move.
  for (const auto& [role, series] :
       std::vector<std::pair<std::string, std::string>>{
           {"actor", "ledgfn_actor_trajectories_total"},
           {"actor", "ledgfn_actor_acked_total"},
           {"actor", "ledgfn_actor_oracle_latency_seconds_count"},
           {"replay", "ledgfn_replay_inserts_total"},
           {"replay", "ledgfn_replay_samples_total"},
           {"learner", "ledgfn_learner_steps_total"},
           {"learner", "ledgfn_learner_trajectories_total"},
           {"learner", "ledgfn_learner_policy_lag_count"}}) {
    EXPECT_GT(Sample(second[role], series), Sample(first[role], series)) << series;
  }
  EXPECT_GT(Sample(second["learner"], "ledgfn_learner_policy_version"), 1);
  // No annealing in this run: beta stays at its default.
  EXPECT_EQ(Sample(second["learner"], "ledgfn_learner_reward_exponent"), 1);
  EXPECT_EQ(actor->Terminate(std::chrono::seconds(5)), 0) << actor->log();
  EXPECT_EQ(learner->Terminate(std::chrono::seconds(5)), 0) << learner->log();
  EXPECT_EQ(replay->Terminate(std::chrono::seconds(5)), 0) << replay->log();
}

// Every "received policy version N" an actor logged, in order.
std::vector<int64_t> ReceivedVersions(const std::string& log) {
  std::vector<int64_t> versions;
  const std::regex pattern(R"(received policy version (\d+))");
  for (auto it = std::sregex_iterator(log.begin(), log.end(), pattern);
       it != std::sregex_iterator(); ++it) {
    versions.push_back(std::stoll((*it)[1]));
  }
  return versions;
}

TEST_F(DistributedTest, KilledLearnerResumesFromItsCheckpointWithNewerVersions) {
  const std::vector<std::string> net = {"--task=bag", "--objective=led-subtb",
                                        "--hidden=32"};
  auto replay = StartReplay({"--task=bag"});
  ASSERT_GT(replay_port_, 0) << replay->log();
  std::vector<std::string> learner_flags = net;
  learner_flags.insert(learner_flags.end(),
                       {"--checkpoint_dir=" + Path("ckpt"), "--checkpoint_every=20",
                        "--eval_every=10", "--publish_every=1", "--potential_steps=2"});
  auto learner = StartLearner(learner_flags);
  ASSERT_GT(learner_port_, 0) << learner->log();
  const int port = learner_port_;
  auto actor = StartActor(1, net);

  // Until two checkpoints exist and training went on past the second.
  const auto round_reached = [&](int64_t round, std::chrono::seconds limit) {
    const auto end = Clock::now() + limit;
    while (Clock::now() < end) {
      if (LastRow(Path("learner/metrics.csv"))["round"] >= round) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  };
  ASSERT_TRUE(round_reached(50, std::chrono::seconds(60))) << learner->log();
  EXPECT_EQ(learner->Kill(), 128 + SIGKILL);
  const std::vector<int64_t> before = ReceivedVersions(actor->log());
  ASSERT_FALSE(before.empty()) << actor->log();

  // The same command line and port, as a supervisor would restart it.
  learner_flags.push_back("--address=127.0.0.1:" + std::to_string(port));
  auto restarted = StartLearner(learner_flags, "learner2.log");
  ASSERT_EQ(learner_port_, port) << restarted->log();
  const int64_t resumed_round =
      Captured(restarted->log(), R"(resumed from \S+/ckpt-\d+: round (\d+), step)");
  EXPECT_GE(resumed_round, 40) << restarted->log();
  EXPECT_EQ(resumed_round % 20, 0);
  const int64_t serving = Captured(restarted->log(), R"(now serving version (\d+))");
  EXPECT_GT(serving, before.back()) << restarted->log();

  // The actor takes the restarted learner's versions (it ignores any not
  // above the one it holds) and training continues past the kill.
  const auto end = Clock::now() + std::chrono::seconds(20);
  while (Clock::now() < end && ReceivedVersions(actor->log()).back() < serving) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_TRUE(round_reached(resumed_round + 30, std::chrono::seconds(30)))
      << restarted->log();
  const std::vector<int64_t> versions = ReceivedVersions(actor->log());
  EXPECT_GE(versions.back(), serving) << actor->log();
  for (size_t i = 1; i < versions.size(); ++i) {
    ASSERT_LT(versions[i - 1], versions[i]) << "version " << i;
  }

  // metrics.csv continues: the killed run's rows after the checkpoint are
  // replaced by the resumed run's, so rounds keep increasing.
  std::istringstream csv(ReadFile(Path("learner/metrics.csv")));
  std::string line;
  std::getline(csv, line);
  int64_t previous = 0, rows = 0;
  while (std::getline(csv, line)) {
    const int64_t round = std::stoll(line.substr(0, line.find(',')));
    EXPECT_GT(round, previous) << line;
    previous = round;
    ++rows;
  }
  EXPECT_GE(rows, 7);

  // A clean stop writes a last checkpoint at the round it reached.
  EXPECT_EQ(actor->Terminate(std::chrono::seconds(5)), 0) << actor->log();
  EXPECT_EQ(restarted->Terminate(std::chrono::seconds(10)), 0) << restarted->log();
  const int64_t steps = Captured(restarted->log(), R"(stopped after (\d+) policy steps)");
  EXPECT_GT(steps, resumed_round);
  char name[32];
  std::snprintf(name, sizeof(name), "ckpt/ckpt-%012lld/COMPLETE", static_cast<long long>(steps));
  EXPECT_EQ(access(Path(name).c_str(), F_OK), 0) << name;
  EXPECT_EQ(replay->Terminate(std::chrono::seconds(5)), 0) << replay->log();
}

}  // namespace
}  // namespace ledgfn
