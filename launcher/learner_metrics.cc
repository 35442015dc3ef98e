#include "launcher/learner_metrics.h"

#include "launcher/metrics_endpoint.h"

namespace ledgfn {
namespace {

prometheus::Counter& AddDropped(prometheus::Registry& r, const std::string& task,
                                const std::string& objective,
                                const std::string& reason) {
  return AddCounter(r, "ledgfn_learner_dropped_trajectories_total",
                    "Trajectories dropped from training batches, by reason "
                    "(each time one is dropped).",
                    {{"task", task}, {"objective", objective}, {"reason", reason}});
}

}  // namespace

LearnerMetrics::LearnerMetrics(prometheus::Registry& r, const std::string& task,
                               const std::string& objective)
    : steps_(AddCounter(r, "ledgfn_learner_steps_total", "Policy steps.",
                     {{"task", task}, {"objective", objective}})),
      trajectories_(AddCounter(r, "ledgfn_learner_trajectories_total",
                            "Fresh trajectories trained on.",
                            {{"task", task}, {"objective", objective}})),
      policy_loss_(AddGauge(r, "ledgfn_learner_loss", "Last round's losses.",
                         {{"task", task}, {"objective", objective}, {"loss", "policy"}})),
      potential_loss_(AddGauge(r, "ledgfn_learner_loss", "Last round's losses.",
                            {{"task", task}, {"objective", objective}, {"loss", "potential"}})),
      log_z_(AddGauge(r, "ledgfn_learner_log_z", "Reported log Z estimate.",
                   {{"task", task}, {"objective", objective}})),
      reward_exponent_(AddGauge(r, "ledgfn_learner_reward_exponent",
                                "The reward exponent beta of the policy steps.",
                                {{"task", task}, {"objective", objective}})),
      version_(AddGauge(r, "ledgfn_learner_policy_version", "Newest published policy version.",
                     {{"task", task}, {"objective", objective}})),
      modes_(AddGauge(r, "ledgfn_learner_modes", "Distinct modes found.",
                   {{"task", task}, {"objective", objective}})),
      top100_(AddGauge(r, "ledgfn_learner_top100_reward",
                    "Mean reward of the best 100 distinct objects.",
                    {{"task", task}, {"objective", objective}})),
      l1_(AddGauge(r, "ledgfn_learner_exact_l1", "Exact L1 to the target distribution.",
                {{"task", task}, {"objective", objective}})),
      log_z_error_(AddGauge(r, "ledgfn_learner_log_z_error", "abs(log Z - exact log Z).",
                         {{"task", task}, {"objective", objective}})),
      test_mean_energy_(AddGauge(r, "ledgfn_learner_test_mean_energy",
                                 "Mean energy of samples on the held-out instances.",
                                 {{"task", task}, {"objective", objective}})),
      test_best_energy_(AddGauge(r, "ledgfn_learner_test_best_energy",
                                 "Mean over held-out instances of the best sampled energy.",
                                 {{"task", task}, {"objective", objective}})),
      baseline_energy_(AddGauge(r, "ledgfn_learner_baseline_energy",
                                "Mean over held-out instances of the baseline's energy.",
                                {{"task", task}, {"objective", objective}})),
      top100_score_(AddGauge(r, "ledgfn_learner_top100_score",
                             "Tasks with a score (molecule: sEH proxy): mean score "
                             "of the best 100 distinct objects.",
                             {{"task", task}, {"objective", objective}})),
      top100_similarity_(AddGauge(r, "ledgfn_learner_top100_similarity",
                                  "Tasks with a similarity (molecule: Tanimoto of "
                                  "RDKit fingerprints): mean pairwise similarity of "
                                  "the best 100 distinct objects.",
                                  {{"task", task}, {"objective", objective}})),
      policy_lag_(prometheus::BuildHistogram()
                      .Name("ledgfn_learner_policy_lag")
                      .Help("Learner version minus sampling version of fresh trajectories.")
                      .Register(r)
                      .Add({{"task", task}, {"objective", objective}},
                           prometheus::Histogram::BucketBoundaries{
                               0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 512})),
      wait_seconds_(AddCounter(r, "ledgfn_learner_step_seconds_total", "Learner time by phase.",
                            {{"task", task}, {"objective", objective}, {"phase", "sample_wait"}})),
      potential_seconds_(AddCounter(r, "ledgfn_learner_step_seconds_total", "Learner time by phase.",
                                 {{"task", task}, {"objective", objective}, {"phase", "potential"}})),
      policy_seconds_(AddCounter(r, "ledgfn_learner_step_seconds_total", "Learner time by phase.",
                              {{"task", task}, {"objective", objective}, {"phase", "policy"}})),
      publish_seconds_(AddCounter(r, "ledgfn_learner_step_seconds_total", "Learner time by phase.",
                               {{"task", task}, {"objective", objective}, {"phase", "publish"}})),
      skipped_(AddCounter(r, "ledgfn_learner_skipped_steps_total",
                       "Steps skipped for a non-finite loss.",
                       {{"task", task}, {"objective", objective}})),
      dropped_nonfinite_energy_(AddDropped(r, task, objective, "nonfinite_energy")),
      dropped_out_of_range_(AddDropped(r, task, objective, "energy_out_of_range")),
      dropped_nonfinite_loss_(AddDropped(r, task, objective, "nonfinite_loss")),
      dropped_inconsistent_energy_(
          AddDropped(r, task, objective, "inconsistent_energy")) {}

void LearnerMetrics::OnRound(const RoundStats& stats, int64_t version,
                             double publish_seconds) {
  AdvanceCounter(steps_, stats.step);
  policy_loss_.Set(stats.policy_loss);
  potential_loss_.Set(stats.potential_loss);
  log_z_.Set(stats.log_z);
  reward_exponent_.Set(stats.reward_exponent);
  version_.Set(version);
  wait_seconds_.Increment(stats.wait_seconds);
  potential_seconds_.Increment(stats.potential_seconds);
  policy_seconds_.Increment(stats.policy_seconds);
  publish_seconds_.Increment(publish_seconds);
  AdvanceCounter(skipped_, stats.skipped_steps);
  AdvanceCounter(dropped_nonfinite_energy_, stats.dropped.nonfinite_energy);
  AdvanceCounter(dropped_out_of_range_, stats.dropped.energy_out_of_range);
  AdvanceCounter(dropped_nonfinite_loss_, stats.dropped.nonfinite_loss);
  AdvanceCounter(dropped_inconsistent_energy_, stats.dropped.inconsistent_energy);
}

void LearnerMetrics::OnEval(const EvalRow& row) {
  modes_.Set(row.modes);
  top100_.Set(row.top100);
  if (row.l1) l1_.Set(*row.l1);
  if (row.log_z_error) log_z_error_.Set(*row.log_z_error);
  if (row.test_mean_energy) test_mean_energy_.Set(*row.test_mean_energy);
  if (row.test_best_energy) test_best_energy_.Set(*row.test_best_energy);
  if (row.baseline_energy) baseline_energy_.Set(*row.baseline_energy);
  if (row.top100_score) top100_score_.Set(*row.top100_score);
  if (row.top100_similarity) top100_similarity_.Set(*row.top100_similarity);
}

}  // namespace ledgfn
