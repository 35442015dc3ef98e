// The distributed system as users run it: real ledgfn_replay, ledgfn_learner
// and ledgfn_actor processes on loopback, talking gRPC (DESIGN §1, §2.3-2.5).
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "proto/ledgfn.grpc.pb.h"
#include "proto/server_util.h"

extern char** environ;

namespace ledgfn {
namespace {

using Clock = std::chrono::steady_clock;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A child process with stderr (and stdout) captured to a file.
class Process {
 public:
  Process(const std::string& binary, std::vector<std::string> args,
          const std::string& log)
      : log_(log) {
    args.insert(args.begin(), binary);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    EXPECT_EQ(posix_spawn(&pid_, binary.c_str(), &actions, nullptr, argv.data(), environ), 0);
    posix_spawn_file_actions_destroy(&actions);
  }
  ~Process() {
    if (pid_ > 0 && !exited_) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }
  // Exit status after SIGTERM, or -1 if it did not exit within `timeout`.
  int Terminate(std::chrono::milliseconds timeout) {
    kill(pid_, SIGTERM);
    return Wait(timeout);
  }
  int Wait(std::chrono::milliseconds timeout) {
    const auto end = Clock::now() + timeout;
    while (Clock::now() < end) {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        exited_ = true;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return -1;
  }
  std::string log() const { return ReadFile(log_); }

 private:
  std::string log_;
  pid_t pid_ = -1;
  bool exited_ = false;
};

int WaitForPort(const std::string& file) {
  const auto end = Clock::now() + std::chrono::seconds(30);
  while (Clock::now() < end) {
    std::ifstream in(file);
    int port = 0;
    if (in >> port && port > 0) return port;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return 0;
}

// The last data row of a metrics.csv as name -> value.
std::map<std::string, double> LastRow(const std::string& csv) {
  std::istringstream in(ReadFile(csv));
  std::string header, line, last;
  std::getline(in, header);
  while (std::getline(in, line)) {
    if (!line.empty()) last = line;
  }
  std::map<std::string, double> row;
  std::istringstream h(header), v(last);
  std::string name, value;
  while (std::getline(h, name, ',') && std::getline(v, value, ',')) {
    row[name] = std::strtod(value.c_str(), nullptr);
  }
  return row;
}

int64_t Captured(const std::string& text, const std::string& pattern) {
  std::smatch m;
  if (!std::regex_search(text, m, std::regex(pattern))) return -1;
  return std::stoll(m[1]);
}


// A port that was free a moment ago (bind to 0, read it, close).
int FreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr = {};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

// GET http://127.0.0.1:port/metrics; the body, or "" on failure.
std::string Scrape(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr = {};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string out;
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0) {
    const std::string request = "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n";
    send(fd, request.data(), request.size(), 0);
    char buf[65536];
    ssize_t n;
    while ((n = recv(fd, buf, sizeof(buf), 0)) > 0) out.append(buf, n);
  }
  close(fd);
  const size_t body = out.find("\r\n\r\n");
  return body == std::string::npos ? "" : out.substr(body + 4);
}

// The value of the first sample line starting with `series` ("name" or
// "name{labels"), or -1.
double Sample(const std::string& text, const std::string& series) {
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(series, 0) == 0 &&
        (line[series.size()] == ' ' || line[series.size()] == '{')) {
      return std::strtod(line.substr(line.rfind(' ') + 1).c_str(), nullptr);
    }
  }
  return -1;
}

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
  std::unique_ptr<Process> StartLearner(std::vector<std::string> flags) {
    std::vector<std::string> args = {
        "--replay_address=127.0.0.1:" + std::to_string(replay_port_),
        "--address=127.0.0.1:0", "--port_file=" + Path("learner.port"),
        "--output_dir=" + Path("learner"), "--metrics_port=0"};
    args.insert(args.end(), flags.begin(), flags.end());
    auto p = std::make_unique<Process>(LEDGFN_LEARNER, args, Path("learner.log"));
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
    const std::string series = type == "histogram" ? name + "_count" : name;
    EXPECT_GE(Sample(second[role], series), 0) << name << " missing from " << role;
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
  EXPECT_EQ(actor->Terminate(std::chrono::seconds(5)), 0) << actor->log();
  EXPECT_EQ(learner->Terminate(std::chrono::seconds(5)), 0) << learner->log();
  EXPECT_EQ(replay->Terminate(std::chrono::seconds(5)), 0) << replay->log();
}

}  // namespace
}  // namespace ledgfn
