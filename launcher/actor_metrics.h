// The actor process's metrics (docs/metrics.md): counters refreshed once a
// second from the components' own counts; oracle latency and evaluated
// objects observed per call (ObserveOracleCall, the MeteredOracle hook).
#ifndef LEDGFN_LAUNCHER_ACTOR_METRICS_H_
#define LEDGFN_LAUNCHER_ACTOR_METRICS_H_

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <string>

#include "absl/time/time.h"
#include "actor/policy_client.h"
#include "actor/replay_writer.h"

namespace ledgfn {

class ActorMetrics {
 public:
  ActorMetrics(prometheus::Registry& registry, const std::string& task,
               int actor_id);
  // `dropped_*`: the sampler's drops of unusable oracle energies;
  // `oracle_retries`: remote oracle tries retried (RemoteOracle::retries).
  void Refresh(int64_t sampled, int64_t policy_version,
               int64_t dropped_nonfinite, int64_t dropped_out_of_range,
               int64_t oracle_retries,
               const ReplayWriterCounters& writer,
               const PolicyWatcherStats& watcher);
  // Thread-safe (prometheus metrics are).
  void ObserveOracleCall(int64_t objects, absl::Duration took);

 private:
  prometheus::Counter& trajectories_;
  prometheus::Counter& acked_;
  prometheus::Counter& rejected_;
  prometheus::Counter& oracle_retries_;
  prometheus::Counter& dropped_nonfinite_;
  prometheus::Counter& dropped_out_of_range_;
  prometheus::Histogram& oracle_latency_;
  prometheus::Counter& oracle_objects_;
  prometheus::Gauge& policy_version_;
  prometheus::Gauge& queue_depth_;
  prometheus::Counter& replay_reconnects_;
  prometheus::Counter& learner_reconnects_;
};


}  // namespace ledgfn

#endif  // LEDGFN_LAUNCHER_ACTOR_METRICS_H_
