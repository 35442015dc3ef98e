// The Prometheus pull endpoint of a ledgfn process (DESIGN §5): a registry
// the role registers its metric families in once, served over HTTP at
// /metrics (text format 0.0.4), and a background refresher that copies the
// role's own counters (kept by the components, e.g. ReplayServiceImpl::Info)
// into the metrics once a second, so hot paths pay nothing for metrics.
//
// HTTP is cpp-httplib's server (Debian's libcpp-httplib) rather than
// prometheus-cpp's civetweb Exposer: Debian's civetweb creates its threads
// with a fixed 100 KB stack, which the static TLS of the libraries a role
// loads (OpenBLAS, glog, libtorch_cpu...) exceeds, so pthread_create fails
// and the Exposer cannot start. httplib's threads are std::threads with the
// default stack.
//
// What is served: GET (and HEAD) /metrics answers 200 with the registry in
// the text format; other paths answer 404, other methods 405. Each
// connection carries one request and is closed after the response. Up to
// `threads` connections are served at once; later ones queue. A connection
// whose request is not whole within request_timeout, or exceeds
// max_request_bytes, is closed (after a 400 when the request line had been
// read), so a silent, slow or oversized client costs one thread for a
// bounded time and a bounded amount of memory (MetricsEndpointLimits).
// Serving ignores SIGPIPE process-wide (httplib's server does so).
#ifndef LEDGFN_LAUNCHER_METRICS_ENDPOINT_H_
#define LEDGFN_LAUNCHER_METRICS_ENDPOINT_H_

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"

namespace ledgfn {

// What one scrape connection may cost. The defaults suit Prometheus, which
// sends a request of a few hundred bytes at once and gives up after its
// scrape_timeout (10 s by default).
struct MetricsEndpointLimits {
  // Connections served at once; the time limits of a queued connection
  // start when a thread takes it.
  int threads = 4;
  // Bytes read from a connection: the request line and headers (a body is
  // never read).
  size_t max_request_bytes = 8192;
  // The request must have arrived whole this long after a thread takes the
  // connection, and the response must be sent within response_timeout more.
  absl::Duration request_timeout = absl::Seconds(2);
  absl::Duration response_timeout = absl::Seconds(10);
};

class BoundedHttpServer;  // metrics_endpoint.cc

class MetricsEndpoint {
 public:
  // Serves /metrics on address:port. The address is an IPv4 or IPv6
  // literal: "0.0.0.0" is every IPv4 interface (IPv4 only), "::" every
  // interface over IPv6 and IPv4 both, "127.0.0.1" and "::1" loopback only.
  // Port 0 serves nothing (the registry still works; port() is 0).
  // INVALID_ARGUMENT for a bad address, port or limits; UNAVAILABLE when the
  // port cannot be bound (e.g. another process serves on it).
  static absl::StatusOr<std::unique_ptr<MetricsEndpoint>> Start(
      const std::string& address, int port,
      const MetricsEndpointLimits& limits = MetricsEndpointLimits());
  // Serves /metrics on a port the kernel picks among the free ones; port()
  // says which. For tests, which cannot know a free port in advance.
  static absl::StatusOr<std::unique_ptr<MetricsEndpoint>> StartOnFreePort(
      const std::string& address,
      const MetricsEndpointLimits& limits = MetricsEndpointLimits());
  // Stops serving, after the connections being served are done (within
  // their limits), and stops the refresher.
  ~MetricsEndpoint();

  prometheus::Registry& registry() { return *registry_; }
  // The port served, or 0 when serving nothing.
  int port() const { return port_; }
  // Calls `refresh` every `period` on a background thread until
  // StopRefresh() or destruction, and once more then.
  void RefreshEvery(absl::Duration period, std::function<void()> refresh);
  // Makes the last call of `refresh` and joins its thread; /metrics keeps
  // being served. Call it before anything `refresh` reads is destroyed (the
  // endpoint usually outlives those: it is created first). Idempotent; the
  // destructor calls it.
  void StopRefresh();

 private:
  MetricsEndpoint();
  // Binds address:port (0: a free port) and starts accepting.
  static absl::StatusOr<std::unique_ptr<MetricsEndpoint>> Serve(
      const std::string& address, int port,
      const MetricsEndpointLimits& limits);

  std::shared_ptr<prometheus::Registry> registry_;
  std::unique_ptr<BoundedHttpServer> server_;  // null when serving nothing
  int port_ = 0;
  std::thread accept_loop_;
  std::function<void()> refresh_;
  absl::Notification refresh_stop_;
  std::thread thread_;  // the refresher
};

// Moves a counter forward to `total` (a count kept elsewhere); never back.
void AdvanceCounter(prometheus::Counter& counter, double total);

// Registers (or finds) the family `name` and returns its series for
// `labels`; a family is shared by every series of the same name.
prometheus::Counter& AddCounter(prometheus::Registry& registry,
                                const std::string& name,
                                const std::string& help,
                                const prometheus::Labels& labels);
prometheus::Gauge& AddGauge(prometheus::Registry& registry,
                            const std::string& name, const std::string& help,
                            const prometheus::Labels& labels);

// ledgfn_rpc_unauthenticated_total of a process serving gRPC: calls refused
// for a missing or wrong bearer token (TokenChecker::rejected()).
prometheus::Counter& AddUnauthenticatedCounter(prometheus::Registry& registry);

}  // namespace ledgfn

#endif  // LEDGFN_LAUNCHER_METRICS_ENDPOINT_H_
