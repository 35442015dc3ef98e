// The Prometheus pull endpoint of a ledgfn process (DESIGN §5): a registry
// the role registers its metric families in once, served over HTTP at
// /metrics (text format 0.0.4), and a background refresher that copies the
// role's own counters (kept by the components, e.g. ReplayServiceImpl::Info)
// into the metrics once a second, so hot paths pay nothing for metrics.
//
// The HTTP side is a small server of our own rather than prometheus-cpp's
// civetweb Exposer: with Debian's LibTorch loaded in the same process the
// Exposer fails to start ("null context when constructing CivetServer"), and
// a scrape endpoint needs nothing more than GET /metrics.
#ifndef LEDGFN_LAUNCHER_METRICS_ENDPOINT_H_
#define LEDGFN_LAUNCHER_METRICS_ENDPOINT_H_

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"

namespace ledgfn {

class MetricsEndpoint {
 public:
  // Serves /metrics on address:port (an IPv4 address; "0.0.0.0" for all
  // interfaces). Port 0 disables serving (the registry still works).
  // INVALID_ARGUMENT for a bad address, UNAVAILABLE when the port cannot be
  // bound.
  static absl::StatusOr<std::unique_ptr<MetricsEndpoint>> Start(
      const std::string& address, int port);
  ~MetricsEndpoint();

  prometheus::Registry& registry() { return *registry_; }
  // Calls `refresh` every `period` on a background thread until
  // StopRefresh() or destruction, and once more then.
  void RefreshEvery(absl::Duration period, std::function<void()> refresh);
  // Makes the last call of `refresh` and joins its thread; /metrics keeps
  // being served. Call it before anything `refresh` reads is destroyed (the
  // endpoint usually outlives those: it is created first). Idempotent; the
  // destructor calls it.
  void StopRefresh();

 private:
  MetricsEndpoint() = default;
  void Serve();

  std::shared_ptr<prometheus::Registry> registry_;
  int listen_fd_ = -1;
  std::thread server_;
  std::function<void()> refresh_;
  absl::Notification stop_;          // the HTTP server
  absl::Notification refresh_stop_;  // the refresher
  std::thread thread_;
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
