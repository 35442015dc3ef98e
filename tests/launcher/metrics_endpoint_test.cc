// The /metrics endpoint over real loopback sockets, in a process with
// LibTorch loaded and running (as in the learner and the actor, where
// civetweb could not start its threads: metrics_endpoint.h): scrapes over
// IPv4 and IPv6, concurrent scrapes, clients that stall or send too much,
// and the errors of Start().
#include "launcher/metrics_endpoint.h"

#include <ATen/ATen.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace ledgfn {
namespace {

constexpr char kScrape[] = "GET /metrics HTTP/1.1\r\nHost: test\r\n\r\n";
constexpr char kSeries[] = "ledgfn_test_scrapes_total{role=\"test\"}";

// A TCP connection to address:port ("127.0.0.1" or "::1"). Reads give up
// after 10 s so that a test fails rather than hangs.
class Connection {
 public:
  Connection(const std::string& address, int port) {
    sockaddr_storage addr = {};
    socklen_t len = 0;
    auto* v4 = reinterpret_cast<sockaddr_in*>(&addr);
    auto* v6 = reinterpret_cast<sockaddr_in6*>(&addr);
    if (inet_pton(AF_INET, address.c_str(), &v4->sin_addr) == 1) {
      v4->sin_family = AF_INET;
      v4->sin_port = htons(static_cast<uint16_t>(port));
      len = sizeof(*v4);
    } else if (inet_pton(AF_INET6, address.c_str(), &v6->sin6_addr) == 1) {
      v6->sin6_family = AF_INET6;
      v6->sin6_port = htons(static_cast<uint16_t>(port));
      len = sizeof(*v6);
    }
    fd_ = socket(addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const timeval timeout = {10, 0};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
    connected_ = connect(fd_, reinterpret_cast<sockaddr*>(&addr), len) == 0;
  }
  ~Connection() { close(fd_); }

  bool connected() const { return connected_; }
  bool Send(const std::string& bytes) {
    size_t sent = 0;
    while (sent < bytes.size()) {
      const ssize_t n =
          send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) return false;
      sent += static_cast<size_t>(n);
    }
    return true;
  }
  // What the server sent until it closed the connection (a reset counts as
  // closing), or "<open>" appended if it had not closed it within 10 s.
  std::string ReadUntilClosed() {
    std::string out;
    char buf[65536];
    for (;;) {
      const ssize_t n = recv(fd_, buf, sizeof(buf), 0);
      if (n > 0) {
        out.append(buf, static_cast<size_t>(n));
      } else if (n == 0 || errno == ECONNRESET) {
        return out;
      } else {
        return out + "<open>";
      }
    }
  }

 private:
  int fd_ = -1;
  bool connected_ = false;
};

struct Response {
  int status = 0;  // 0: no HTTP response
  std::string head;
  std::string body;
};

Response Parse(const std::string& raw) {
  Response response;
  const size_t end = raw.find("\r\n\r\n");
  if (raw.rfind("HTTP/1.1 ", 0) != 0 || end == std::string::npos)
    return response;
  response.status = std::atoi(raw.c_str() + 9);
  response.head = raw.substr(0, end);
  response.body = raw.substr(end + 4);
  return response;
}

Response Exchange(const std::string& address, int port,
                  const std::string& request = kScrape) {
  Connection connection(address, port);
  if (!connection.connected() || !connection.Send(request)) return {};
  return Parse(connection.ReadUntilClosed());
}

// The value of the sample `series` in a text-format body, or -1.
double Sample(const std::string& body, const std::string& series) {
  std::istringstream in(body);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(series + " ", 0) == 0) {
      return std::strtod(line.c_str() + series.size() + 1, nullptr);
    }
  }
  return -1;
}

bool Ipv6LoopbackWorks() {
  const int fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in6 addr = {};
  addr.sin6_family = AF_INET6;
  addr.sin6_addr = in6addr_loopback;
  const bool ok = fd >= 0 && bind(fd, reinterpret_cast<sockaddr*>(&addr),
                                  sizeof(addr)) == 0;
  if (fd >= 0) close(fd);
  return ok;
}

class MetricsEndpointTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // LibTorch (with OpenBLAS and glog) loaded and initialised in this
    // process before the endpoint starts its threads.
    const at::Tensor x = at::ones({8, 8});
    ASSERT_EQ(x.matmul(x).sum().item<float>(), 512.0f);
  }

  // An endpoint on a free port of `address` with one counter at 7.
  std::unique_ptr<MetricsEndpoint> Start(
      const std::string& address,
      const MetricsEndpointLimits& limits = MetricsEndpointLimits()) {
    auto endpoint = MetricsEndpoint::StartOnFreePort(address, limits);
    EXPECT_TRUE(endpoint.ok()) << endpoint.status();
    if (!endpoint.ok()) return nullptr;
    EXPECT_GT((*endpoint)->port(), 0);
    AddCounter((*endpoint)->registry(), "ledgfn_test_scrapes_total",
               "Scrapes of the test.", {{"role", "test"}})
        .Increment(7);
    return std::move(*endpoint);
  }
};

TEST_F(MetricsEndpointTest, ServesTheRegistryOverIPv4Loopback) {
  auto endpoint = Start("127.0.0.1");
  ASSERT_NE(endpoint, nullptr);
  const Response response = Exchange("127.0.0.1", endpoint->port());
  EXPECT_EQ(response.status, 200) << response.head;
  EXPECT_NE(response.head.find("Content-Type: text/plain; version=0.0.4"),
            std::string::npos)
      << response.head;
  EXPECT_EQ(Sample(response.body, kSeries), 7) << response.body;
}

TEST_F(MetricsEndpointTest, ServesTheRegistryOverIPv6Loopback) {
  if (!Ipv6LoopbackWorks()) GTEST_SKIP() << "no IPv6 loopback here";
  auto endpoint = Start("::1");
  ASSERT_NE(endpoint, nullptr);
  const Response response = Exchange("::1", endpoint->port());
  EXPECT_EQ(response.status, 200) << response.head;
  EXPECT_EQ(Sample(response.body, kSeries), 7) << response.body;
}

// An IPv6 address also takes IPv4 clients (what makes "::" serve both):
// bound to the IPv4-mapped form of 127.0.0.1, it answers 127.0.0.1.
TEST_F(MetricsEndpointTest, AnIPv6AddressServesIPv4ClientsToo) {
  if (!Ipv6LoopbackWorks()) GTEST_SKIP() << "no IPv6 loopback here";
  auto endpoint = Start("::ffff:127.0.0.1");
  ASSERT_NE(endpoint, nullptr);
  const Response response = Exchange("127.0.0.1", endpoint->port());
  EXPECT_EQ(response.status, 200) << response.head;
  EXPECT_EQ(Sample(response.body, kSeries), 7) << response.body;
}

TEST_F(MetricsEndpointTest, OtherPathsAre404AndOtherMethods405) {
  auto endpoint = Start("127.0.0.1");
  ASSERT_NE(endpoint, nullptr);
  EXPECT_EQ(Exchange("127.0.0.1", endpoint->port(),
                     "GET /other HTTP/1.1\r\nHost: test\r\n\r\n")
                .status,
            404);
  const Response post = Exchange(
      "127.0.0.1", endpoint->port(),
      "POST /metrics HTTP/1.1\r\nHost: test\r\nContent-Length: 2\r\n\r\nhi");
  EXPECT_EQ(post.status, 405);
  EXPECT_NE(post.head.find("Allow: GET, HEAD"), std::string::npos) << post.head;
  const Response head =
      Exchange("127.0.0.1", endpoint->port(),
               "HEAD /metrics HTTP/1.1\r\nHost: test\r\n\r\n");
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.body, "");
}

TEST_F(MetricsEndpointTest, ConcurrentScrapesAllSucceed) {
  auto endpoint = Start("127.0.0.1");
  ASSERT_NE(endpoint, nullptr);
  constexpr int kClients = 8, kScrapes = 5;
  std::atomic<int> good{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&] {
      for (int i = 0; i < kScrapes; ++i) {
        const Response response = Exchange("127.0.0.1", endpoint->port());
        good += response.status == 200 && Sample(response.body, kSeries) == 7;
      }
    });
  }
  for (auto& client : clients) client.join();
  EXPECT_EQ(good.load(), kClients * kScrapes);
}

// A client that sends nothing and one that stops halfway through its request
// hold a thread each, not the endpoint: with a request timeout of a minute,
// a scrape beside them is answered at once.
TEST_F(MetricsEndpointTest, StalledClientsDoNotBlockAScrape) {
  MetricsEndpointLimits limits;
  limits.request_timeout = absl::Seconds(60);
  auto endpoint = Start("127.0.0.1", limits);
  ASSERT_NE(endpoint, nullptr);
  Connection silent("127.0.0.1", endpoint->port());
  Connection half("127.0.0.1", endpoint->port());
  ASSERT_TRUE(silent.connected() && half.connected());
  ASSERT_TRUE(half.Send("GET /metrics HTTP/1.1\r\nHost: te"));
  absl::SleepFor(absl::Milliseconds(200));  // both are being served

  const absl::Time start = absl::Now();
  const Response response = Exchange("127.0.0.1", endpoint->port());
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(Sample(response.body, kSeries), 7);
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
}

// request_timeout bounds the whole request, not each read: a client that
// sends nothing, one that stops before the blank line and one that keeps
// trickling bytes are all cut off soon after it.
TEST_F(MetricsEndpointTest, StalledClientsAreCutOffAtTheRequestTimeout) {
  MetricsEndpointLimits limits;
  limits.request_timeout = absl::Milliseconds(500);
  auto endpoint = Start("127.0.0.1", limits);
  ASSERT_NE(endpoint, nullptr);
  Connection silent("127.0.0.1", endpoint->port());
  Connection half("127.0.0.1", endpoint->port());
  Connection trickle("127.0.0.1", endpoint->port());
  ASSERT_TRUE(silent.connected() && half.connected() && trickle.connected());
  ASSERT_TRUE(half.Send("GET /metrics HTTP/1.1\r\nHost: test\r\n"));
  ASSERT_TRUE(trickle.Send("GET /metrics HTTP/1.1\r\nX-Slow: "));
  std::atomic<bool> trickling{true};
  std::thread trickler([&] {
    while (trickling && trickle.Send("a"))
      absl::SleepFor(absl::Milliseconds(50));
  });

  const absl::Time start = absl::Now();
  EXPECT_EQ(silent.ReadUntilClosed(), "");
  EXPECT_EQ(Parse(half.ReadUntilClosed()).status, 400);
  EXPECT_EQ(Parse(trickle.ReadUntilClosed()).status, 400);
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
  trickling = false;
  trickler.join();
}

// With every thread held by a silent client, a scrape waits in the queue
// for at most about one request timeout per round of threads.
TEST_F(MetricsEndpointTest, AScrapeQueuedBehindSilentClientsIsServed) {
  MetricsEndpointLimits limits;
  limits.threads = 1;
  limits.request_timeout = absl::Milliseconds(300);
  auto endpoint = Start("127.0.0.1", limits);
  ASSERT_NE(endpoint, nullptr);
  std::vector<std::unique_ptr<Connection>> silent;
  for (int i = 0; i < 3; ++i) {
    silent.push_back(
        std::make_unique<Connection>("127.0.0.1", endpoint->port()));
    ASSERT_TRUE(silent.back()->connected());
  }
  const absl::Time start = absl::Now();
  const Response response = Exchange("127.0.0.1", endpoint->port());
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(Sample(response.body, kSeries), 7);
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(600));  // it did wait
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
}

// A request beyond max_request_bytes is refused as soon as the limit is
// read, not after the client stops (the request timeout is a minute here),
// and a body is refused without waiting for it. The endpoint serves on.
TEST_F(MetricsEndpointTest, OversizedRequestsAreRefused) {
  MetricsEndpointLimits limits;
  limits.request_timeout = absl::Seconds(60);
  auto endpoint = Start("127.0.0.1", limits);
  ASSERT_NE(endpoint, nullptr);

  Connection huge("127.0.0.1", endpoint->port());
  ASSERT_TRUE(huge.connected());
  const absl::Time start = absl::Now();
  huge.Send("GET /metrics HTTP/1.1\r\nX-Padding: " +
            std::string(8 * limits.max_request_bytes, 'a'));
  const std::string reply = huge.ReadUntilClosed();
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
  EXPECT_EQ(reply.find("<open>"), std::string::npos);
  EXPECT_NE(Parse(reply).status, 200) << reply;

  const absl::Time post_start = absl::Now();
  const Response post = Exchange("127.0.0.1", endpoint->port(),
                                 "POST /metrics HTTP/1.1\r\nHost: test\r\n"
                                 "Content-Length: 1000000\r\n\r\n");
  EXPECT_EQ(post.status, 405);
  EXPECT_LT(absl::Now() - post_start, absl::Seconds(5));

  EXPECT_EQ(Exchange("127.0.0.1", endpoint->port()).status, 200);
}

// StopRefresh() makes the refresher's last call (with a period of an hour,
// its only one), which later scrapes see: serving goes on after it.
TEST_F(MetricsEndpointTest, StopRefreshRefreshesOnceMoreAndServingGoesOn) {
  auto endpoint = Start("127.0.0.1");
  ASSERT_NE(endpoint, nullptr);
  prometheus::Gauge& refreshes =
      AddGauge(endpoint->registry(), "ledgfn_test_refreshes", "Refreshes.", {});
  endpoint->RefreshEvery(absl::Hours(1), [&] { refreshes.Increment(); });
  EXPECT_EQ(Sample(Exchange("127.0.0.1", endpoint->port()).body,
                   "ledgfn_test_refreshes"),
            0);
  endpoint->StopRefresh();
  endpoint->StopRefresh();  // idempotent
  EXPECT_EQ(Sample(Exchange("127.0.0.1", endpoint->port()).body,
                   "ledgfn_test_refreshes"),
            1);
}

// --metrics_port=0: nothing is served, and the registry still works.
TEST(MetricsEndpointStartTest, PortZeroServesNothing) {
  auto endpoint = MetricsEndpoint::Start("127.0.0.1", 0);
  ASSERT_TRUE(endpoint.ok()) << endpoint.status();
  EXPECT_EQ((*endpoint)->port(), 0);
  AddCounter((*endpoint)->registry(), "ledgfn_test_total", "Test.", {})
      .Increment();
  EXPECT_EQ((*endpoint)->registry().Collect().size(), 1u);
}

TEST(MetricsEndpointStartTest, BadAddressPortOrLimitsAreInvalidArgument) {
  for (const std::string address :
       {"localhost", "127.0.0", "[::1]", "::1%lo", "", "0.0.0.0:9091"}) {
    EXPECT_EQ(MetricsEndpoint::Start(address, 9091).status().code(),
              absl::StatusCode::kInvalidArgument)
        << address;
  }
  EXPECT_EQ(MetricsEndpoint::Start("127.0.0.1", -1).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(MetricsEndpoint::Start("127.0.0.1", 65536).status().code(),
            absl::StatusCode::kInvalidArgument);
  MetricsEndpointLimits no_threads;
  no_threads.threads = 0;
  EXPECT_EQ(
      MetricsEndpoint::StartOnFreePort("127.0.0.1", no_threads).status().code(),
      absl::StatusCode::kInvalidArgument);
}

// A second process on the same port fails instead of sharing it.
TEST(MetricsEndpointStartTest, PortInUseIsUnavailable) {
  auto first = MetricsEndpoint::StartOnFreePort("127.0.0.1");
  ASSERT_TRUE(first.ok()) << first.status();
  const auto second = MetricsEndpoint::Start("127.0.0.1", (*first)->port());
  EXPECT_EQ(second.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(second.status().message().find("Address already in use"),
            std::string::npos)
      << second.status();
}

}  // namespace
}  // namespace ledgfn
