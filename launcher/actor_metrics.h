// The actor process's metrics (docs/metrics.md): counters refreshed once a
// second from the components' own counts; oracle latency observed per call.
#ifndef LEDGFN_LAUNCHER_ACTOR_METRICS_H_
#define LEDGFN_LAUNCHER_ACTOR_METRICS_H_

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <string>

#include "actor/energy_oracle.h"
#include "actor/policy_client.h"
#include "actor/replay_writer.h"

namespace ledgfn {

class ActorMetrics {
 public:
  ActorMetrics(prometheus::Registry& registry, const std::string& task,
               int actor_id);
  void Refresh(int64_t sampled, int64_t policy_version,
               const ReplayWriterCounters& writer,
               const PolicyWatcherStats& watcher);
  prometheus::Histogram& oracle_latency() { return oracle_latency_; }

 private:
  prometheus::Counter& trajectories_;
  prometheus::Counter& acked_;
  prometheus::Counter& rejected_;
  prometheus::Histogram& oracle_latency_;
  prometheus::Gauge& policy_version_;
  prometheus::Gauge& queue_depth_;
  prometheus::Counter& replay_reconnects_;
  prometheus::Counter& learner_reconnects_;
};

// Wraps an oracle and records each call's latency.
class TimedOracle : public EnergyOracle {
 public:
  TimedOracle(EnergyOracle& inner, prometheus::Histogram& latency)
      : inner_(inner), latency_(latency) {}
  absl::StatusOr<std::vector<double>> Energies(
      absl::Span<const State> objects) override;
  absl::StatusOr<std::vector<double>> PartialEnergies(
      absl::Span<const State> states) override;

 private:
  EnergyOracle& inner_;
  prometheus::Histogram& latency_;
};

}  // namespace ledgfn

#endif  // LEDGFN_LAUNCHER_ACTOR_METRICS_H_
