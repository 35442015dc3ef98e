// The replay process's metrics (docs/metrics.md): registered once, refreshed
// once a second from ReplayServiceImpl::Info().
#ifndef LEDGFN_LAUNCHER_REPLAY_METRICS_H_
#define LEDGFN_LAUNCHER_REPLAY_METRICS_H_

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <array>

#include "replay/replay_service.h"

namespace ledgfn {

class ReplayMetrics {
 public:
  explicit ReplayMetrics(prometheus::Registry& registry);
  void Refresh(const ReplayServiceInfo& info);

 private:
  prometheus::Counter& inserts_;
  prometheus::Counter& duplicates_;
  std::array<prometheus::Counter*, kNumRejectCategories> rejected_;
  prometheus::Counter& fresh_samples_;
  prometheus::Counter& other_samples_;
  prometheus::Counter& evictions_;
  prometheus::Counter& dropped_for_lag_;
  prometheus::Gauge& size_;
  prometheus::Gauge& capacity_;
  prometheus::Counter& insert_blocked_;
  prometheus::Counter& sample_blocked_;
  prometheus::Gauge& inserts_waiting_;
  prometheus::Gauge& samples_waiting_;
  prometheus::Gauge& recovered_;
  prometheus::Counter& wal_syncs_;
  prometheus::Counter& wal_sync_seconds_;
  prometheus::Counter& wal_bytes_;
  prometheus::Counter& snapshots_;
  prometheus::Counter& snapshot_failures_;
  prometheus::Gauge& last_snapshot_;
};

}  // namespace ledgfn

#endif  // LEDGFN_LAUNCHER_REPLAY_METRICS_H_
