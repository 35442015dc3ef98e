// The learner process's metrics (docs/metrics.md): updated after each round
// and evaluation; policy lag observed per fresh trajectory.
#ifndef LEDGFN_LAUNCHER_LEARNER_METRICS_H_
#define LEDGFN_LAUNCHER_LEARNER_METRICS_H_

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <string>

#include "learner/evaluation.h"
#include "learner/trainer.h"

namespace ledgfn {

class LearnerMetrics {
 public:
  LearnerMetrics(prometheus::Registry& registry, const std::string& task,
                 const std::string& objective);
  // After each round.
  void OnRound(const RoundStats& stats, int64_t version, double publish_seconds);
  // After each evaluation.
  void OnEval(const EvalRow& row);
  prometheus::Histogram& policy_lag() { return policy_lag_; }
  prometheus::Counter& trajectories() { return trajectories_; }

 private:
  prometheus::Counter& steps_;
  prometheus::Counter& trajectories_;
  prometheus::Gauge& policy_loss_;
  prometheus::Gauge& potential_loss_;
  prometheus::Gauge& log_z_;
  prometheus::Gauge& reward_exponent_;
  prometheus::Gauge& version_;
  prometheus::Gauge& modes_;
  prometheus::Gauge& top100_;
  prometheus::Gauge& l1_;
  prometheus::Gauge& log_z_error_;
  prometheus::Gauge& test_mean_energy_;
  prometheus::Gauge& test_best_energy_;
  prometheus::Gauge& baseline_energy_;
  prometheus::Gauge& top100_score_;
  prometheus::Gauge& top100_similarity_;
  prometheus::Histogram& policy_lag_;
  prometheus::Counter& wait_seconds_;
  prometheus::Counter& potential_seconds_;
  prometheus::Counter& policy_seconds_;
  prometheus::Counter& publish_seconds_;
  prometheus::Counter& skipped_;
  prometheus::Counter& dropped_nonfinite_energy_;
  prometheus::Counter& dropped_out_of_range_;
  prometheus::Counter& dropped_nonfinite_loss_;
  prometheus::Counter& dropped_inconsistent_energy_;
};

}  // namespace ledgfn

#endif  // LEDGFN_LAUNCHER_LEARNER_METRICS_H_
