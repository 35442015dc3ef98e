#include "launcher/metrics_endpoint.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <prometheus/text_serializer.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace ledgfn {

absl::StatusOr<std::unique_ptr<MetricsEndpoint>> MetricsEndpoint::Start(
    const std::string& address, int port) {
  std::unique_ptr<MetricsEndpoint> endpoint(new MetricsEndpoint());
  endpoint->registry_ = std::make_shared<prometheus::Registry>();
  if (port == 0) return endpoint;
  if (port < 0 || port > 65535) {
    return absl::InvalidArgumentError(absl::StrCat("bad metrics port ", port));
  }
  sockaddr_in addr = {};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (inet_pton(AF_INET, address.c_str(), &addr.sin_addr) != 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("bad metrics address '", address, "' (expected IPv4)"));
  }
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  const int one = 1;
  if (fd >= 0) setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  if (fd < 0 ||
      bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      listen(fd, 16) != 0) {
    const std::string reason = std::strerror(errno);
    if (fd >= 0) close(fd);
    return absl::UnavailableError(absl::StrCat(
        "cannot serve metrics on ", address, ":", port, ": ", reason));
  }
  endpoint->listen_fd_ = fd;
  endpoint->server_ = std::thread([e = endpoint.get()] { e->Serve(); });
  return endpoint;
}

void MetricsEndpoint::Serve() {
  while (!stop_.HasBeenNotified()) {
    pollfd p = {listen_fd_, POLLIN, 0};
    if (poll(&p, 1, 200) <= 0) continue;
    const int client = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) continue;
    // One short request per connection; a slow or silent client gets 1 s.
    timeval timeout = {1, 0};
    setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
    setsockopt(client, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout));
    char buf[2048];
    const ssize_t n = recv(client, buf, sizeof(buf) - 1, 0);
    std::string response;
    if (n > 0) {
      buf[n] = 0;
      const bool metrics = std::strncmp(buf, "GET /metrics", 12) == 0 &&
                           (buf[12] == ' ' || buf[12] == '?');
      if (metrics) {
        const std::string body =
            prometheus::TextSerializer().Serialize(registry_->Collect());
        response = absl::StrCat(
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\n"
            "Content-Length: ",
            body.size(), "\r\nConnection: close\r\n\r\n", body);
      } else {
        response =
            "HTTP/1.1 404 Not Found\r\nContent-Length: 23\r\n"
            "Connection: close\r\n\r\nmetrics are at /metrics";
      }
    }
    size_t sent = 0;
    while (sent < response.size()) {
      const ssize_t k = send(client, response.data() + sent,
                             response.size() - sent, MSG_NOSIGNAL);
      if (k <= 0) break;
      sent += static_cast<size_t>(k);
    }
    close(client);
  }
}

MetricsEndpoint::~MetricsEndpoint() {
  StopRefresh();
  stop_.Notify();
  if (server_.joinable()) server_.join();
  if (listen_fd_ >= 0) close(listen_fd_);
}

void MetricsEndpoint::RefreshEvery(absl::Duration period,
                                   std::function<void()> refresh) {
  refresh_ = std::move(refresh);
  thread_ = std::thread([this, period] {
    while (!refresh_stop_.WaitForNotificationWithTimeout(period)) refresh_();
    refresh_();
  });
}

void MetricsEndpoint::StopRefresh() {
  if (!thread_.joinable()) return;
  refresh_stop_.Notify();
  thread_.join();
}

prometheus::Counter& AddCounter(prometheus::Registry& registry,
                                const std::string& name,
                                const std::string& help,
                                const prometheus::Labels& labels) {
  return prometheus::BuildCounter().Name(name).Help(help).Register(registry).Add(
      labels);
}

prometheus::Gauge& AddGauge(prometheus::Registry& registry,
                            const std::string& name, const std::string& help,
                            const prometheus::Labels& labels) {
  return prometheus::BuildGauge().Name(name).Help(help).Register(registry).Add(
      labels);
}

prometheus::Counter& AddUnauthenticatedCounter(prometheus::Registry& registry) {
  return AddCounter(registry, "ledgfn_rpc_unauthenticated_total",
                    "RPCs refused for a missing or wrong bearer token.", {});
}

void AdvanceCounter(prometheus::Counter& counter, double total) {
  const double now = counter.Value();
  if (total > now) counter.Increment(total - now);
}

}  // namespace ledgfn
