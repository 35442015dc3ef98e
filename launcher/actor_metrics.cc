#include "launcher/actor_metrics.h"

#include "absl/time/clock.h"
#include "common/energy_bound.h"
#include "launcher/metrics_endpoint.h"

namespace ledgfn {
namespace {

prometheus::Counter& AddDropped(prometheus::Registry& r, const std::string& task,
                                int actor_id, EnergyProblem reason) {
  return AddCounter(r, "ledgfn_actor_dropped_total",
                    "Sampled trajectories dropped before sending: the oracle's "
                    "energy was unusable (common/energy_bound.h).",
                    {{"task", task},
                     {"actor", std::to_string(actor_id)},
                     {"reason", std::string(EnergyProblemName(reason))}});
}

}  // namespace

ActorMetrics::ActorMetrics(prometheus::Registry& r, const std::string& task,
                           int actor_id)
    : trajectories_(AddCounter(r, "ledgfn_actor_trajectories_total", "Trajectories sampled.",
                            {{"task", task}, {"actor", std::to_string(actor_id)}})),
      acked_(AddCounter(r, "ledgfn_actor_acked_total",
                     "Trajectories acknowledged by replay as stored.",
                     {{"task", task}, {"actor", std::to_string(actor_id)}})),
      rejected_(AddCounter(r, "ledgfn_actor_rejected_total",
                        "Trajectories replay rejected as invalid.",
                        {{"task", task}, {"actor", std::to_string(actor_id)}})),
      oracle_retries_(AddCounter(r, "ledgfn_actor_oracle_retries_total",
                                 "Remote oracle calls tried again after a "
                                 "transient failure (--oracle_address down, "
                                 "restarting or slow).",
                                 {{"task", task}, {"actor", std::to_string(actor_id)}})),
      dropped_nonfinite_(AddDropped(r, task, actor_id, EnergyProblem::kNonfinite)),
      dropped_out_of_range_(
          AddDropped(r, task, actor_id, EnergyProblem::kOutOfRange)),
      oracle_latency_(prometheus::BuildHistogram()
                          .Name("ledgfn_actor_oracle_latency_seconds")
                          .Help("Time of one energy oracle call.")
                          .Register(r)
                          .Add({{"task", task}, {"actor", std::to_string(actor_id)}},
                               prometheus::Histogram::BucketBoundaries{
                                   1e-5, 1e-4, 1e-3, 0.005, 0.01, 0.025, 0.05, 0.1,
                                   0.25, 0.5, 1, 2.5, 5, 10})),
      oracle_objects_(AddCounter(r, "ledgfn_actor_oracle_objects_total",
                                 "Energies the oracle computed (terminal objects, and "
                                 "every state for FL objectives).",
                                 {{"task", task}, {"actor", std::to_string(actor_id)}})),
      policy_version_(AddGauge(r, "ledgfn_actor_policy_version",
                            "Policy version the actor samples with.",
                            {{"task", task}, {"actor", std::to_string(actor_id)}})),
      queue_depth_(AddGauge(r, "ledgfn_actor_send_queue_depth",
                         "Trajectories queued or unacknowledged.",
                         {{"task", task}, {"actor", std::to_string(actor_id)}})),
      replay_reconnects_(AddCounter(r, "ledgfn_actor_reconnects_total",
                                 "Streams reopened after a failure.",
                                 {{"task", task}, {"actor", std::to_string(actor_id)},
                                  {"peer", "replay"}})),
      learner_reconnects_(AddCounter(r, "ledgfn_actor_reconnects_total",
                                  "Streams reopened after a failure.",
                                  {{"task", task}, {"actor", std::to_string(actor_id)},
                                   {"peer", "learner"}})) {}

void ActorMetrics::Refresh(int64_t sampled, int64_t policy_version,
                           int64_t dropped_nonfinite,
                           int64_t dropped_out_of_range,
                           int64_t oracle_retries,
                           const ReplayWriterCounters& writer,
                           const PolicyWatcherStats& watcher) {
  AdvanceCounter(trajectories_, sampled);
  AdvanceCounter(dropped_nonfinite_, dropped_nonfinite);
  AdvanceCounter(dropped_out_of_range_, dropped_out_of_range);
  AdvanceCounter(oracle_retries_, oracle_retries);
  AdvanceCounter(acked_, writer.acked);
  AdvanceCounter(rejected_, writer.rejected);
  policy_version_.Set(policy_version);
  queue_depth_.Set(writer.queued);
  AdvanceCounter(replay_reconnects_, writer.reconnects);
  AdvanceCounter(learner_reconnects_, watcher.reconnects);
}

void ActorMetrics::ObserveOracleCall(int64_t objects, absl::Duration took) {
  oracle_latency_.Observe(absl::ToDoubleSeconds(took));
  oracle_objects_.Increment(static_cast<double>(objects));
}

}  // namespace ledgfn
