// TLS, mutual TLS and the bearer token (docs/security.md) as users run them:
// real ledgfn_replay, ledgfn_learner and ledgfn_actor processes on loopback,
// with a CA and certificates made by openssl in a fresh directory per test.
#include <grpcpp/generic/generic_stub.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <future>
#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "proto/ledgfn.grpc.pb.h"
#include "proto/server_util.h"
#include "tests/distributed/process_harness.h"

namespace ledgfn {
namespace {

constexpr char kToken[] = "s3cret-Token_42";

// OpenSSL 3 command lines (as in docs/security.md). EC keys: generated in
// milliseconds. The server's certificate names localhost and 127.0.0.1; the
// process certificates may serve both sides (a learner is a server to actors
// and a client of the replay).
constexpr char kMakeCertificates[] = R"(set -e
key="-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes"
openssl req -x509 $key -keyout ca.key -out ca.pem -days 2 -subj /CN=ledgfn-test-ca
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\n' > server.ext
openssl req $key -keyout server.key -out server.csr -subj /CN=localhost
openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -extfile server.ext -out server.pem
printf 'extendedKeyUsage=clientAuth\n' > client.ext
openssl req $key -keyout client.key -out client.csr -subj /CN=ledgfn-actor
openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -extfile client.ext -out client.pem
openssl req -x509 $key -keyout rogue.key -out rogue.pem -days 2 -subj /CN=ledgfn-actor
)";

class SecurityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/ledgfn_security_XXXXXX";
    dir_ = mkdtemp(tmpl);
    std::ofstream(Path("make_certs.sh")) << kMakeCertificates;
    const std::string command = "cd " + dir_ + " && sh make_certs.sh > openssl.log 2>&1";
    ASSERT_EQ(std::system(command.c_str()), 0) << ReadFile(Path("openssl.log"));
    std::ofstream(Path("token")) << kToken << "\n";
    std::ofstream(Path("other_token")) << "not-the-token\n";
  }
  std::string Path(const std::string& name) const { return dir_ + "/" + name; }

  // The flags of a server process with mutual TLS and the token.
  std::vector<std::string> ServerFlags(const std::string& token_file = "token") const {
    return {"--tls_cert=" + Path("server.pem"), "--tls_key=" + Path("server.key"),
            "--tls_ca=" + Path("ca.pem"), "--auth_token_file=" + Path(token_file)};
  }
  // An actor's: its own client certificate.
  std::vector<std::string> ActorFlags(const std::string& token_file) const {
    return {"--tls_cert=" + Path("client.pem"), "--tls_key=" + Path("client.key"),
            "--tls_ca=" + Path("ca.pem"), "--auth_token_file=" + Path(token_file)};
  }
  // What a correctly set up client of these servers uses.
  SecurityOptions Trusted() const {
    SecurityOptions o;
    o.tls = true;
    o.ca_pem = ReadFile(Path("ca.pem"));
    o.cert_pem = ReadFile(Path("client.pem"));
    o.key_pem = ReadFile(Path("client.key"));
    o.token = kToken;
    return o;
  }

  std::unique_ptr<Process> StartReplay(std::vector<std::string> flags) {
    std::vector<std::string> args = {"--task=hypergrid", "--hypergrid_dim=2",
                                     "--address=127.0.0.1:0",
                                     "--port_file=" + Path("replay.port"),
                                     "--min_size_to_sample=32", "--error_buffer=128"};
    args.insert(args.end(), flags.begin(), flags.end());
    auto p = std::make_unique<Process>(LEDGFN_REPLAY, args, Path("replay.log"));
    replay_port_ = WaitForPort(Path("replay.port"));
    return p;
  }
  std::unique_ptr<Process> StartLearner(std::vector<std::string> flags) {
    std::vector<std::string> args = {
        "--task=hypergrid", "--hypergrid_dim=2", "--hidden=32",
        "--replay_address=localhost:" + std::to_string(replay_port_),
        "--address=127.0.0.1:0", "--port_file=" + Path("learner.port"),
        "--output_dir=" + Path("learner")};
    args.insert(args.end(), flags.begin(), flags.end());
    return std::make_unique<Process>(LEDGFN_LEARNER, args, Path("learner.log"));
  }
  std::unique_ptr<Process> StartActor(const std::string& name,
                                      std::vector<std::string> flags) {
    std::vector<std::string> args = {
        "--task=hypergrid", "--hypergrid_dim=2", "--hidden=32", "--metrics_port=0",
        "--replay_address=localhost:" + std::to_string(replay_port_),
        "--learner_address=localhost:" + std::to_string(learner_port_)};
    args.insert(args.end(), flags.begin(), flags.end());
    return std::make_unique<Process>(LEDGFN_ACTOR, args, Path(name + ".log"));
  }

  // Replay.Info on host:replay_port with `security`.
  grpc::Status Info(const SecurityOptions& security,
                    const std::string& host = "127.0.0.1") const {
    auto stub = proto::Replay::NewStub(
        MakeChannel(host + ":" + std::to_string(replay_port_), security));
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    proto::InfoResponse info;
    return stub->Info(&context, proto::InfoRequest(), &info);
  }

  std::string dir_;
  int replay_port_ = 0;
  int learner_port_ = 0;
};

// grpc.health.v1.Health/Check with no service name, as a container health
// check makes it (the empty request; the response's field 1 is the status).
grpc::Status HealthCheck(const std::string& address, const SecurityOptions& security,
                         std::string* response_bytes) {
  grpc::GenericStub stub(MakeChannel(address, security));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  grpc::ByteBuffer request, response;
  grpc::Slice empty;
  request = grpc::ByteBuffer(&empty, 1);
  std::promise<grpc::Status> done;
  stub.UnaryCall(&context, "/grpc.health.v1.Health/Check", grpc::StubOptions(),
                 &request, &response, [&done](grpc::Status s) { done.set_value(s); });
  grpc::Status status = done.get_future().get();
  std::vector<grpc::Slice> slices;
  if (status.ok() && response.Dump(&slices).ok()) {
    for (const grpc::Slice& s : slices) {
      response_bytes->append(reinterpret_cast<const char*>(s.begin()), s.size());
    }
  }
  return status;
}

TEST_F(SecurityTest, ReplayServesOnlyTrustedClientsWithTheToken) {
  const int metrics_port = FreePort();
  std::vector<std::string> flags = ServerFlags();
  flags.insert(flags.end(), {"--metrics_address=127.0.0.1",
                             "--metrics_port=" + std::to_string(metrics_port)});
  auto replay = StartReplay(flags);
  ASSERT_GT(replay_port_, 0) << replay->log();

  // The right certificate and token: served, by IP or by name, and under an
  // explicit server name when dialling the IP.
  EXPECT_TRUE(Info(Trusted()).ok()) << Info(Trusted()).error_message();
  EXPECT_TRUE(Info(Trusted(), "localhost").ok());
  SecurityOptions named = Trusted();
  named.server_name = "localhost";
  EXPECT_TRUE(Info(named).ok());

  // Token problems: UNAUTHENTICATED on every RPC of the service, the token
  // never echoed.
  SecurityOptions no_token = Trusted();
  no_token.token.clear();
  grpc::Status s = Info(no_token);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(s.error_message(), "missing bearer token");
  {
    auto stub = proto::Replay::NewStub(
        MakeChannel("127.0.0.1:" + std::to_string(replay_port_), no_token));
    grpc::ClientContext sample_context;
    proto::SampleRequest request;
    request.set_selector(proto::UNIFORM);
    request.set_count(1);
    proto::SampleResponse response;
    EXPECT_EQ(stub->Sample(&sample_context, request, &response).error_code(),
              grpc::StatusCode::UNAUTHENTICATED);
    grpc::ClientContext insert_context;
    auto stream = stub->Insert(&insert_context);
    proto::InsertResponse ack;
    EXPECT_FALSE(stream->Read(&ack));
    EXPECT_EQ(stream->Finish().error_code(), grpc::StatusCode::UNAUTHENTICATED);
  }
  SecurityOptions wrong_token = Trusted();
  wrong_token.token = "s3cret-Token_41";
  s = Info(wrong_token);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(s.error_message(), "wrong bearer token");

  // Transport problems: the TLS handshake fails (UNAVAILABLE) before any
  // RPC, whatever the token.
  SecurityOptions no_certificate = Trusted();
  no_certificate.cert_pem.clear();
  no_certificate.key_pem.clear();
  EXPECT_EQ(Info(no_certificate).error_code(), grpc::StatusCode::UNAVAILABLE);
  SecurityOptions untrusted = Trusted();
  untrusted.cert_pem = ReadFile(Path("rogue.pem"));
  untrusted.key_pem = ReadFile(Path("rogue.key"));
  EXPECT_EQ(Info(untrusted).error_code(), grpc::StatusCode::UNAVAILABLE);
  SecurityOptions plaintext;
  plaintext.token = kToken;
  EXPECT_EQ(Info(plaintext).error_code(), grpc::StatusCode::UNAVAILABLE);
  SecurityOptions wrong_name = Trusted();
  wrong_name.server_name = "elsewhere.example";
  EXPECT_EQ(Info(wrong_name).error_code(), grpc::StatusCode::UNAVAILABLE);
  SecurityOptions wrong_ca = Trusted();
  wrong_ca.ca_pem = ReadFile(Path("rogue.pem"));
  EXPECT_EQ(Info(wrong_ca).error_code(), grpc::StatusCode::UNAVAILABLE);

  // The health service needs the certificate but no token.
  std::string health;
  SecurityOptions health_client = Trusted();
  health_client.token.clear();
  ASSERT_TRUE(HealthCheck("127.0.0.1:" + std::to_string(replay_port_),
                          health_client, &health).ok());
  EXPECT_EQ(health, std::string("\x08\x01", 2));  // SERVING

  // The four token rejections are counted (refreshed once a second); the
  // token appears in neither the metrics nor the log.
  double rejected = -1;
  std::string metrics;
  const auto end = Clock::now() + std::chrono::seconds(10);
  while (Clock::now() < end && rejected != 4) {
    metrics = Scrape(metrics_port);
    rejected = Sample(metrics, "ledgfn_rpc_unauthenticated_total");
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(rejected, 4) << metrics;
  EXPECT_EQ(metrics.find(kToken), std::string::npos);
  EXPECT_EQ(replay->Terminate(std::chrono::seconds(5)), 0) << replay->log();
  EXPECT_EQ(replay->log().find(kToken), std::string::npos) << replay->log();
}

TEST_F(SecurityTest, RolesTrainOverMutualTlsAndStopOnWrongCredentials) {
  auto replay = StartReplay(ServerFlags());
  ASSERT_GT(replay_port_, 0) << replay->log();

  // A learner whose token the replay does not know stops with the reason.
  {
    std::vector<std::string> flags = ServerFlags("other_token");
    flags.insert(flags.end(), {"--rounds=1", "--metrics_port=0"});
    auto learner = StartLearner(flags);
    EXPECT_EQ(learner->Wait(std::chrono::seconds(30)), 1) << learner->log();
    EXPECT_NE(learner->log().find("wrong bearer token"), std::string::npos)
        << learner->log();
    std::remove(Path("learner.port").c_str());
  }

  const int learner_metrics = FreePort();
  std::vector<std::string> flags = ServerFlags();
  flags.insert(flags.end(), {"--rounds=40", "--eval_every=20", "--publish_every=5",
                             "--metrics_address=127.0.0.1",
                             "--metrics_port=" + std::to_string(learner_metrics)});
  auto learner = StartLearner(flags);
  learner_port_ = WaitForPort(Path("learner.port"));
  ASSERT_GT(learner_port_, 0) << learner->log();

  // An actor with the wrong token is refused by the learner and exits at
  // once with a one-line reason instead of waiting for weights forever.
  auto intruder = StartActor("intruder", ActorFlags("other_token"));
  EXPECT_EQ(intruder->Wait(std::chrono::seconds(30)), 2) << intruder->log();
  EXPECT_NE(intruder->log().find("learner refused the credentials: wrong bearer token"),
            std::string::npos) << intruder->log();
  double rejected = -1;
  const auto end = Clock::now() + std::chrono::seconds(10);
  while (Clock::now() < end && rejected < 1) {
    rejected = Sample(Scrape(learner_metrics), "ledgfn_rpc_unauthenticated_total");
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_GE(rejected, 1);

  // The right one: weights over mutual TLS from the learner, trajectories
  // to the replay, batches from it to the learner, until the last round.
  auto actor = StartActor("actor", ActorFlags("token"));
  EXPECT_EQ(learner->Wait(std::chrono::seconds(120)), 0) << learner->log();
  EXPECT_EQ(actor->Terminate(std::chrono::seconds(5)), 0) << actor->log();
  EXPECT_NE(actor->log().find("received policy version"), std::string::npos);
  EXPECT_EQ(replay->Terminate(std::chrono::seconds(5)), 0) << replay->log();
  for (Process* p : {replay.get(), learner.get(), actor.get(), intruder.get()}) {
    EXPECT_EQ(p->log().find(kToken), std::string::npos) << p->log();
  }
}

}  // namespace
}  // namespace ledgfn
