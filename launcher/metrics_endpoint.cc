#include "launcher/metrics_endpoint.h"

#include <arpa/inet.h>
#include <httplib.h>
#include <netinet/in.h>
#include <poll.h>
#include <prometheus/text_serializer.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "absl/memory/memory.h"
#include "absl/strings/str_cat.h"
#include "common/log.h"

namespace ledgfn {
namespace {

// A served connection's socket as httplib's request parser sees it, held to
// MetricsEndpointLimits: reads fail once max_request_bytes have been read or
// after the request deadline, writes after the response deadline. httplib's
// own socket stream has a timeout per read only and buffers a header line of
// any length before checking it, so a client trickling bytes, or sending one
// endless line, could hold a thread or memory without bound.
class BoundedSocketStream : public httplib::Stream {
 public:
  BoundedSocketStream(int fd, const MetricsEndpointLimits& limits)
      : fd_(fd),
        bytes_left_(limits.max_request_bytes),
        read_deadline_(absl::Now() + limits.request_timeout),
        write_deadline_(read_deadline_ + limits.response_timeout) {}

  bool is_readable() const override { return Wait(POLLIN, read_deadline_); }
  bool is_writable() const override { return Wait(POLLOUT, write_deadline_); }

  // The parser reads the request line and headers a byte at a time; a
  // request is a few hundred bytes, so no buffer of our own.
  ssize_t read(char* ptr, size_t size) override {
    if (bytes_left_ == 0 || !is_readable()) return -1;
    const ssize_t n = recv(fd_, ptr, std::min(size, bytes_left_), 0);
    if (n > 0) bytes_left_ -= static_cast<size_t>(n);
    return n;
  }
  ssize_t write(const char* ptr, size_t size) override {
    if (!is_writable()) return -1;
    return send(fd_, ptr, size, MSG_NOSIGNAL);
  }
  // Only for the request's REMOTE_ADDR and LOCAL_ADDR, which /metrics does
  // not use.
  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    ip.clear();
    port = 0;
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    ip.clear();
    port = 0;
  }
  socket_t socket() const override { return fd_; }

 private:
  // Whether the socket is ready for `events` (or has failed, which the next
  // recv or send reports) before `deadline`.
  bool Wait(short events, absl::Time deadline) const {
    for (;;) {
      const absl::Duration left = deadline - absl::Now();
      if (left <= absl::ZeroDuration()) return false;
      pollfd p = {fd_, events, 0};
      const int ready = poll(&p, 1,
                             static_cast<int>(std::max<int64_t>(
                                 1, absl::ToInt64Milliseconds(left))));
      if (ready > 0) return true;
      if (ready < 0 && errno != EINTR) return false;
    }
  }

  const int fd_;
  size_t bytes_left_;
  const absl::Time read_deadline_;
  const absl::Time write_deadline_;
};

constexpr char kContentType[] = "text/plain; version=0.0.4; charset=utf-8";

// AF_INET or AF_INET6 for an IPv4 or IPv6 address literal, else AF_UNSPEC.
int AddressFamily(const std::string& address) {
  unsigned char parsed[sizeof(in6_addr)];
  if (inet_pton(AF_INET, address.c_str(), parsed) == 1) return AF_INET;
  if (inet_pton(AF_INET6, address.c_str(), parsed) == 1) return AF_INET6;
  return AF_UNSPEC;
}

}  // namespace

// httplib's server serving each connection once, through a
// BoundedSocketStream (in place of httplib's keep-alive loop).
class BoundedHttpServer : public httplib::Server {
 public:
  explicit BoundedHttpServer(const MetricsEndpointLimits& limits)
      : limits_(limits) {}

  // Binds address:port (0: a free port) and listens; the port bound, or -1
  // with errno set.
  int Bind(const std::string& address, int port) {
    // A numeric host: no name lookup (Serve() checked the address).
    int bound = -1;
    if (port == 0) {
      bound = bind_to_any_port(address, AI_NUMERICHOST);
    } else if (bind_to_port(address, port, AI_NUMERICHOST)) {
      bound = port;
    }
    if (bound <= 0) return -1;
    // httplib listens with a backlog of 5 (compiled into Debian's library),
    // so a few more scrapers connecting at once would have their SYNs
    // dropped and retried a second later; listening again raises it.
    if (::listen(svr_sock_, SOMAXCONN) != 0) {
      const int error = errno;
      Close();
      errno = error;
      return -1;
    }
    return bound;
  }
  // Accepts connections until Close(), after Bind().
  void AcceptUntilClosed() {
    if (listen_after_bind()) return;
    // httplib gives up on an accept error other than EINTR, EAGAIN or
    // EMFILE (e.g. ENFILE, ENOMEM) and closes the listening socket, but
    // leaves its number in svr_sock_ for Close() to close again.
    const int error = errno;
    svr_sock_ = INVALID_SOCKET;
    LogError("the metrics endpoint stopped serving: %s", std::strerror(error));
  }
  // Ends AcceptUntilClosed() whether or not it has begun: httplib's stop()
  // does nothing until the accept loop has marked the server running, so a
  // stop soon after the start would leave the loop running for good.
  void Close() {
    const socket_t sock = svr_sock_.exchange(INVALID_SOCKET);
    if (sock == INVALID_SOCKET) return;
    shutdown(sock, SHUT_RDWR);
    close(sock);
  }

 private:
  bool process_and_close_socket(socket_t sock) override {
    BoundedSocketStream stream(sock, limits_);
    bool connection_closed = false;
    const bool ok = process_request(stream, /*close_connection=*/true,
                                    connection_closed, nullptr);
    shutdown(sock, SHUT_RDWR);
    close(sock);
    return ok;
  }

  const MetricsEndpointLimits limits_;
};

MetricsEndpoint::MetricsEndpoint()
    : registry_(std::make_shared<prometheus::Registry>()) {}

absl::StatusOr<std::unique_ptr<MetricsEndpoint>> MetricsEndpoint::Start(
    const std::string& address, int port, const MetricsEndpointLimits& limits) {
  if (port == 0) return absl::WrapUnique(new MetricsEndpoint());
  if (port < 0 || port > 65535) {
    return absl::InvalidArgumentError(absl::StrCat("bad metrics port ", port));
  }
  return Serve(address, port, limits);
}

absl::StatusOr<std::unique_ptr<MetricsEndpoint>>
MetricsEndpoint::StartOnFreePort(const std::string& address,
                                 const MetricsEndpointLimits& limits) {
  return Serve(address, 0, limits);
}

absl::StatusOr<std::unique_ptr<MetricsEndpoint>> MetricsEndpoint::Serve(
    const std::string& address, int port, const MetricsEndpointLimits& limits) {
  const int family = AddressFamily(address);
  if (family == AF_UNSPEC) {
    return absl::InvalidArgumentError(absl::StrCat(
        "bad metrics address '", address,
        "' (expected an IPv4 or IPv6 address such as 0.0.0.0, ::, 127.0.0.1 "
        "or ::1)"));
  }
  if (limits.threads < 1 || limits.max_request_bytes == 0 ||
      limits.request_timeout <= absl::ZeroDuration() ||
      limits.response_timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        "metrics endpoint limits must be positive");
  }

  std::unique_ptr<MetricsEndpoint> endpoint(new MetricsEndpoint());
  auto server = std::make_unique<BoundedHttpServer>(limits);
  server->new_task_queue = [threads = limits.threads] {
    return new httplib::ThreadPool(static_cast<size_t>(threads));
  };
  server->set_address_family(family);
  // SO_REUSEADDR only: httplib's default SO_REUSEPORT would let a second
  // process bind the same port and silently take half the scrapes.
  server->set_socket_options([](socket_t sock) {
    const int one = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  });
  // Answered before httplib would read a body (it reads one for POST, PUT,
  // PATCH and DELETE only), so no body is ever read: a GET's is left unread
  // and the connection closes after the response.
  server->set_pre_routing_handler(
      [](const httplib::Request& request, httplib::Response& response) {
        if (request.method == "GET" || request.method == "HEAD") {
          return httplib::Server::HandlerResponse::Unhandled;
        }
        response.status = 405;
        response.set_header("Allow", "GET, HEAD");
        return httplib::Server::HandlerResponse::Handled;
      });
  server->Get("/metrics",
              [registry = endpoint->registry_](const httplib::Request&,
                                               httplib::Response& response) {
                response.set_content(
                    prometheus::TextSerializer().Serialize(registry->Collect()),
                    kContentType);
              });

  errno = 0;
  const int bound = server->Bind(address, port);
  if (bound <= 0) {
    const int error = errno;
    return absl::UnavailableError(absl::StrCat(
        "cannot serve metrics on ", family == AF_INET6 ? "[" : "", address,
        family == AF_INET6 ? "]" : "", ":", port,
        error != 0 ? absl::StrCat(": ", std::strerror(error)) : ""));
  }
  endpoint->port_ = bound;
  endpoint->server_ = std::move(server);
  endpoint->accept_loop_ = std::thread(
      [server = endpoint->server_.get()] { server->AcceptUntilClosed(); });
  return endpoint;
}

MetricsEndpoint::~MetricsEndpoint() {
  StopRefresh();
  if (server_ == nullptr) return;
  server_->Close();
  accept_loop_.join();  // after the connections being served are done
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
