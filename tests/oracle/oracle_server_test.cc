// The docking oracle as users run it: a real ledgfn_oracle process (real
// RDKit, OpenBabel and vina, Debian's test receptor) on loopback. It answers
// molecule energies, refuses bad requests with clear errors, exports every
// metric docs/metrics.md names for it, and an actor survives it being killed
// and restarted: the batch waits and retries, nothing is lost, nothing reaches
// the replay without its energy. Skips, saying why, without Vina or the sEH
// data.
#include <stdlib.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <regex>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "chem/molecule_task_factory.h"
#include "gtest/gtest.h"
#include "proto/ledgfn.grpc.pb.h"
#include "proto/server_util.h"
#include "tasks/molecule/molecule_task.h"
#include "tests/distributed/process_harness.h"

namespace ledgfn {
namespace {

constexpr int kBenzene = 0;   // c1ccccc1, stems on atoms 0..5
constexpr int kMethanol = 1;  // CO_0, stems on atoms 0 and 1

class OracleServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (system("command -v vina >/dev/null 2>&1") != 0 ||
        access("/usr/share/doc/autodock-vina/test-data/conf.txt", R_OK) != 0) {
      GTEST_SKIP() << "AutoDock Vina or its test data is not installed "
                      "(apt-get install autodock-vina)";
    }
    if (access((data_ + "/seh_proxy_params.bin").c_str(), R_OK) != 0) {
      GTEST_SKIP() << "the sEH data directory " << data_
                   << " is absent (-DLEDGFN_SEH_DATA_DIR=<dir>)";
    }
    char tmpl[] = "/tmp/ledgfn_oracle_XXXXXX";
    dir_ = mkdtemp(tmpl);
    TaskOptions options;
    options.name = "molecule";
    options.molecule_data_dir = data_;
    auto task = MakeTaskWithChemistry(options);
    ASSERT_TRUE(task.ok()) << task.status();
    task_.reset(static_cast<MoleculeTask*>(task->release()));
  }
  std::string Path(const std::string& name) const { return dir_ + "/" + name; }

  // ledgfn_oracle on `port` (0: any, read back unless `refused`), 2
  // workers, a cache file.
  std::unique_ptr<Process> StartOracle(int port, const std::string& log,
                                       std::vector<std::string> extra = {},
                                       bool refused = false) {
    std::remove(Path("oracle.port").c_str());
    std::vector<std::string> args = {
        "--task=molecule", "--molecule_data_dir=" + data_,
        absl::StrCat("--address=127.0.0.1:", port),
        "--port_file=" + Path("oracle.port"), "--docking_workers=2",
        "--docking_cache=" + Path("cache.tsv"), "--max_objects=8"};
    args.insert(args.end(), extra.begin(), extra.end());
    auto p = std::make_unique<Process>(LEDGFN_ORACLE, args, Path(log));
    if (!refused) oracle_port_ = WaitForPort(Path("oracle.port"));
    return p;
  }

  grpc::Status Evaluate(const proto::EvaluateRequest& request,
                        proto::EvaluateResponse* response) {
    auto stub = proto::Oracle::NewStub(
        MakeChannel(absl::StrCat("127.0.0.1:", oracle_port_)));
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(120));
    return stub->Evaluate(&context, request, response);
  }

  proto::EvaluateRequest Request(const std::vector<State>& states,
                                 const std::string& task = "molecule") {
    proto::EvaluateRequest request;
    request.set_task(task);
    for (const State& s : states) {
      request.add_objects()->mutable_state()->Assign(s.begin(), s.end());
    }
    return request;
  }

  State BenzylAlcohol() const {
    const int v = task_->vocabulary().size();
    State s = task_->InitialState();
    task_->Step(s, kBenzene);
    task_->Step(s, v + (0 * task_->max_stems() + 1) * v + kMethanol);
    return s;
  }

  const std::string data_ = LEDGFN_SEH_DATA_DIR;
  std::string dir_;
  std::unique_ptr<MoleculeTask> task_;
  int oracle_port_ = 0;
};

TEST_F(OracleServerTest, AnswersEnergiesRefusesBadRequestsAndExportsItsMetrics) {
  const int metrics_port = FreePort();
  auto oracle = StartOracle(0, "oracle.log",
                            {"--metrics_address=127.0.0.1",
                             absl::StrCat("--metrics_port=", metrics_port)});
  ASSERT_GT(oracle_port_, 0) << oracle->log();

  proto::EvaluateResponse response;
  const State x = BenzylAlcohol();
  grpc::Status ok = Evaluate(Request({x, x}), &response);
  ASSERT_TRUE(ok.ok()) << ok.error_message() << "\n" << oracle->log();
  ASSERT_EQ(response.energies_size(), 2);
  EXPECT_LT(response.energies(0), -2.0);  // a weak binder, but a binder
  EXPECT_EQ(response.energies(1), response.energies(0));

  auto refused = [&](const proto::EvaluateRequest& request, const std::string& why) {
    proto::EvaluateResponse r;
    grpc::Status s = Evaluate(request, &r);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << why;
    EXPECT_NE(s.error_message().find(why), std::string::npos) << s.error_message();
  };
  refused(Request({}), "no objects");
  refused(Request({x}, "bag"), "serves task 'molecule', not 'bag'");
  refused(Request(std::vector<State>(9, x)), "at most 8 per request");
  State bad_block = x;
  bad_block[0] = 100000;
  refused(Request({x, bad_block}), "object 1: slot 0 holds block 100000");
  refused(Request({State(3, 0)}), "object 0: a molecule state has 24 values, not 3");

  // Every ledgfn_oracle_* metric docs/metrics.md names is exported, and the
  // counters moved.
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  const std::string scrape = Scrape(metrics_port);
  std::istringstream doc(ReadFile(std::string(LEDGFN_SOURCE_DIR) + "/docs/metrics.md"));
  const std::regex row(R"(^\| `(ledgfn_oracle_[a-z0-9_]+)` \| (counter|gauge|histogram) )");
  int documented = 0;
  for (std::string line; std::getline(doc, line);) {
    std::smatch m;
    if (!std::regex_search(line, m, row)) continue;
    ++documented;
    const std::string series = m[2] == "histogram" ? m[1].str() + "_count" : m[1].str();
    EXPECT_GE(Sample(scrape, series), 0) << series << " missing";
  }
  EXPECT_GE(documented, 8);
  EXPECT_EQ(Sample(scrape, "ledgfn_rpc_unauthenticated_total"), 0);
  EXPECT_EQ(Sample(scrape, "ledgfn_oracle_dockings_total"), 1);
  EXPECT_EQ(Sample(scrape, "ledgfn_oracle_docking_seconds_count"), 1);
  EXPECT_EQ(Sample(scrape, "ledgfn_oracle_requests_total{result=\"ok\"}"), 1);
  EXPECT_EQ(Sample(scrape, "ledgfn_oracle_requests_total{result=\"refused\"}"), 5);
  EXPECT_EQ(Sample(scrape, "ledgfn_oracle_workers"), 2);

  EXPECT_EQ(oracle->Terminate(std::chrono::seconds(10)), 0) << oracle->log();
  EXPECT_NE(oracle->log().find("1 requests answered, 5 refused; 1 docked"),
            std::string::npos) << oracle->log();
}

TEST_F(OracleServerTest, ABadReceptorOrVinaIsOneClearLine) {
  auto no_vina = StartOracle(0, "no_vina.log", {"--vina=/nonexistent/vina"}, true);
  EXPECT_EQ(no_vina->Wait(std::chrono::seconds(30)), 2);
  EXPECT_NE(no_vina->log().find("cannot find the docking program '/nonexistent/vina'"),
            std::string::npos) << no_vina->log();
  auto no_receptor = StartOracle(0, "no_receptor.log", {"--receptor=" + Path("none.pdbqt")}, true);
  EXPECT_EQ(no_receptor->Wait(std::chrono::seconds(30)), 2);
  EXPECT_NE(no_receptor->log().find("cannot read " + Path("none.pdbqt")),
            std::string::npos) << no_receptor->log();
  auto bag = StartOracle(0, "bag.log", {"--task=bag"}, true);
  EXPECT_EQ(bag->Wait(std::chrono::seconds(30)), 2);
  EXPECT_NE(bag->log().find("use --task=molecule"), std::string::npos) << bag->log();
}

TEST_F(OracleServerTest, AnActorSurvivesTheOracleBeingKilledAndRestarted) {
  const int port = FreePort();
  auto oracle = StartOracle(port, "oracle.log");
  ASSERT_EQ(oracle_port_, port) << oracle->log();
  const std::vector<std::string> task = {"--task=molecule",
                                         "--molecule_data_dir=" + data_};
  std::vector<std::string> replay_args = task;
  replay_args.insert(replay_args.end(),
                     {"--address=127.0.0.1:0", "--port_file=" + Path("replay.port"),
                      "--metrics_port=0", "--min_size_to_sample=4", "--error_buffer=4"});
  Process replay(LEDGFN_REPLAY, replay_args, Path("replay.log"));
  const int replay_port = WaitForPort(Path("replay.port"));
  ASSERT_GT(replay_port, 0) << replay.log();
  std::vector<std::string> net = task;
  net.insert(net.end(), {"--objective=led-subtb", "--hidden=16", "--layers=2",
                         "--batch_size=4"});
  constexpr int kRounds = 3;
  std::vector<std::string> learner_args = net;
  learner_args.insert(
      learner_args.end(),
      {absl::StrCat("--replay_address=127.0.0.1:", replay_port),
       "--address=127.0.0.1:0", "--port_file=" + Path("learner.port"),
       "--output_dir=" + Path("learner"), "--metrics_port=0",
       absl::StrCat("--rounds=", kRounds), "--eval_every=1", "--potential_steps=2"});
  Process learner(LEDGFN_LEARNER, learner_args, Path("learner.log"));
  const int learner_port = WaitForPort(Path("learner.port"));
  ASSERT_GT(learner_port, 0) << learner.log();
  std::vector<std::string> actor_args = net;
  actor_args.insert(actor_args.end(),
                    {absl::StrCat("--replay_address=127.0.0.1:", replay_port),
                     absl::StrCat("--learner_address=127.0.0.1:", learner_port),
                     absl::StrCat("--oracle_address=127.0.0.1:", port),
                     "--actor_id=1", "--metrics_port=0"});
  Process actor(LEDGFN_ACTOR, actor_args, Path("actor.log"));

  // Once the oracle is docking the actor's first batch, kill it (-9), leave
  // the actor retrying for a while, and start it again on the same port.
  const auto end = Clock::now() + std::chrono::seconds(120);
  while (Clock::now() < end && ReadFile(Path("cache.tsv")).empty()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_FALSE(ReadFile(Path("cache.tsv")).empty()) << oracle->log() << actor.log();
  oracle->Kill();
  std::this_thread::sleep_for(std::chrono::seconds(3));
  auto restarted = StartOracle(port, "oracle2.log");
  ASSERT_EQ(oracle_port_, port) << restarted->log();

  EXPECT_EQ(learner.Wait(std::chrono::seconds(300)), 0) << learner.log();
  EXPECT_EQ(LastRow(Path("learner/metrics.csv"))["round"], kRounds);
  EXPECT_EQ(actor.Terminate(std::chrono::seconds(10)), 0) << actor.log();
  EXPECT_NE(actor.log().find("oracle call failed"), std::string::npos) << actor.log();
  EXPECT_EQ(restarted->Terminate(std::chrono::seconds(10)), 0) << restarted->log();
  // The restarted oracle reloaded what the killed one had docked.
  EXPECT_EQ(restarted->log().find(" 0 cached molecule(s)"), std::string::npos)
      << restarted->log();
  EXPECT_EQ(replay.Terminate(std::chrono::seconds(10)), 0) << replay.log();
  // Every trajectory the actor sent had its energy: none was rejected.
  EXPECT_NE(replay.log().find("rejected 0,"), std::string::npos) << replay.log();
  EXPECT_GE(Captured(replay.log(), R"(inserted (\d+),)"), kRounds * 4) << replay.log();
}

}  // namespace
}  // namespace ledgfn
