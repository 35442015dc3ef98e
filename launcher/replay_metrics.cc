#include "launcher/replay_metrics.h"

#include "launcher/metrics_endpoint.h"

namespace ledgfn {

ReplayMetrics::ReplayMetrics(prometheus::Registry& r)
    : inserts_(AddCounter(r, "ledgfn_replay_inserts_total", "Trajectories stored.", {})),
      duplicates_(AddCounter(r, "ledgfn_replay_duplicates_total",
                          "Acknowledged resends not stored again (dedupe hits).", {})),
      fresh_samples_(AddCounter(r, "ledgfn_replay_samples_total",
                             "Trajectories returned by Sample, by selector.",
                             {{"selector", "fresh"}})),
      other_samples_(AddCounter(r, "ledgfn_replay_samples_total",
                             "Trajectories returned by Sample, by selector.",
                             {{"selector", "other"}})),
      evictions_(AddCounter(r, "ledgfn_replay_evictions_total", "Trajectories evicted (FIFO).", {})),
      dropped_for_lag_(AddCounter(r, "ledgfn_replay_dropped_for_lag_total",
                               "Fresh trajectories dropped by --max_policy_lag.", {})),
      size_(AddGauge(r, "ledgfn_replay_table_size", "Trajectories held.", {})),
      capacity_(AddGauge(r, "ledgfn_replay_table_capacity", "Table capacity.", {})),
      insert_blocked_(AddCounter(r, "ledgfn_replay_limiter_blocked_seconds_total",
                              "Time spent waiting on the rate limiter.",
                              {{"side", "insert"}})),
      sample_blocked_(AddCounter(r, "ledgfn_replay_limiter_blocked_seconds_total",
                              "Time spent waiting on the rate limiter.",
                              {{"side", "sample"}})),
      inserts_waiting_(AddGauge(r, "ledgfn_replay_limiter_waiting",
                             "Calls waiting on the rate limiter now.", {{"side", "insert"}})),
      samples_waiting_(AddGauge(r, "ledgfn_replay_limiter_waiting",
                             "Calls waiting on the rate limiter now.", {{"side", "sample"}})),
      recovered_(AddGauge(r, "ledgfn_replay_recovered_trajectories",
                          "Trajectories restored from --data_dir at start.", {})),
      wal_syncs_(AddCounter(r, "ledgfn_replay_wal_syncs_total",
                            "Write-ahead log group commits (fdatasync).", {})),
      wal_sync_seconds_(AddCounter(r, "ledgfn_replay_wal_sync_seconds_total",
                                   "Time spent in write-ahead log fdatasync.", {})),
      wal_bytes_(AddCounter(r, "ledgfn_replay_wal_bytes_total",
                            "Bytes written to the write-ahead log.", {})),
      snapshots_(AddCounter(r, "ledgfn_replay_snapshots_total", "Snapshots written.", {})),
      snapshot_failures_(AddCounter(r, "ledgfn_replay_snapshot_failures_total",
                                    "Snapshots that failed (see the log).", {})),
      last_snapshot_(AddGauge(r, "ledgfn_replay_last_snapshot_timestamp_seconds",
                              "Unix time of the last snapshot (0: none yet).", {})) {
  for (int c = 0; c < kNumRejectCategories; ++c) {
    rejected_[c] = &AddCounter(r, "ledgfn_replay_rejected_total",
                            "Invalid trajectories, by reason.",
                            {{"reason", std::string(RejectCategoryName(static_cast<RejectCategory>(c)))}});
  }
}

void ReplayMetrics::Refresh(const ReplayServiceInfo& info) {
  AdvanceCounter(inserts_, info.inserted);
  AdvanceCounter(duplicates_, info.duplicates);
  for (int c = 0; c < kNumRejectCategories; ++c) {
    AdvanceCounter(*rejected_[c], info.rejected_by_category[c]);
  }
  AdvanceCounter(fresh_samples_, info.fresh_sampled);
  AdvanceCounter(other_samples_, info.sampled - info.fresh_sampled);
  AdvanceCounter(evictions_, info.evicted);
  AdvanceCounter(dropped_for_lag_, info.dropped_for_lag);
  size_.Set(info.size);
  capacity_.Set(info.capacity);
  const auto& in = info.limiter.insert_stats;
  const auto& out = info.limiter.sample_stats;
  AdvanceCounter(insert_blocked_, absl::ToDoubleSeconds(in.blocked_time + in.pending_time));
  AdvanceCounter(sample_blocked_, absl::ToDoubleSeconds(out.blocked_time + out.pending_time));
  inserts_waiting_.Set(info.inserts_waiting);
  samples_waiting_.Set(info.samples_waiting);
  recovered_.Set(static_cast<double>(info.recovered));
  AdvanceCounter(wal_syncs_, info.wal.syncs);
  AdvanceCounter(wal_sync_seconds_, absl::ToDoubleSeconds(info.wal.sync_time));
  AdvanceCounter(wal_bytes_, info.wal.bytes);
  AdvanceCounter(snapshots_, info.snapshots);
  AdvanceCounter(snapshot_failures_, info.snapshot_failures);
  last_snapshot_.Set(info.last_snapshot == absl::InfinitePast()
                         ? 0.0
                         : absl::ToUnixMillis(info.last_snapshot) / 1000.0);
}

}  // namespace ledgfn
