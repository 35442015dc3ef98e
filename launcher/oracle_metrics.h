// The docking oracle server's metrics (docs/metrics.md): dockings and their
// wall time (a histogram observed as each docking ends), failures by reason,
// cache hits and size, requests answered and refused, and the worker count.
// Registered once; Refresh (once a second) moves the counters to the
// oracle's and the service's totals.
#ifndef LEDGFN_LAUNCHER_ORACLE_METRICS_H_
#define LEDGFN_LAUNCHER_ORACLE_METRICS_H_

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <array>

#include "absl/time/time.h"
#include "oracle/docking_oracle.h"
#include "oracle/oracle_service.h"

namespace ledgfn {

class OracleMetrics {
 public:
  OracleMetrics(prometheus::Registry& registry, int workers);
  // DockingOracle::SetObserver's callback: thread-safe.
  void ObserveDocking(absl::Duration took);
  void Refresh(const DockingStats& docking, const OracleServiceCounters& service);

 private:
  prometheus::Counter& dockings_;
  std::array<prometheus::Counter*, kDockingFailureKinds> failures_;
  prometheus::Counter& cache_hits_;
  prometheus::Gauge& cached_molecules_;
  prometheus::Histogram& docking_seconds_;
  prometheus::Counter& requests_;
  prometheus::Counter& refused_;
  prometheus::Counter& objects_;
  prometheus::Gauge& workers_;
};

}  // namespace ledgfn

#endif  // LEDGFN_LAUNCHER_ORACLE_METRICS_H_
