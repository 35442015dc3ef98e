#include "learner/evaluation.h"

#include <optional>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "tasks/object_metrics.h"

namespace ledgfn {

std::string EvalCsvHeader() {
  return "round,trajectories,seconds,policy_loss,potential_loss,log_z,"
         "exact_log_z,log_z_error,l1,modes,distinct,top100,"
         "trajectories_per_second,rounds_per_second,skipped_steps,"
         "test_mean_energy,test_best_energy,baseline_energy,top100_score,"
         "top100_similarity,oracle_objects,oracle_seconds,policy_steps";
}

std::string EvalRowToCsv(const EvalRow& r) {
  auto opt = [](const std::optional<double>& v) {
    return v ? absl::StrFormat("%.6g", *v) : std::string("nan");
  };
  return absl::StrFormat(
      "%d,%d,%.3f,%.6g,%.6g,%.6g,%.6g,%s,%s,%d,%d,%.6g,%.1f,%.2f,%d,%s,%s,%s,"
      "%s,%s,%s,%s,%d",
      r.round, r.trajectories, r.seconds, r.policy_loss, r.potential_loss,
      r.log_z, r.exact_log_z, opt(r.log_z_error), opt(r.l1), r.modes,
      r.distinct, r.top100, r.trajectories_per_second, r.rounds_per_second,
      r.skipped_steps, opt(r.test_mean_energy), opt(r.test_best_energy),
      opt(r.baseline_energy), opt(r.top100_score), opt(r.top100_similarity),
      r.oracle_objects ? absl::StrCat(*r.oracle_objects) : "nan",
      opt(r.oracle_seconds), r.policy_steps);
}

void Evaluate(const Task& task, const ObjectTracker& tracker,
              const ExactEvaluator* evaluator, PolicyNet& policy, EvalRow* row) {
  row->modes = tracker.num_modes();
  row->distinct = tracker.num_distinct();
  row->top100 = tracker.TopKMeanReward();
  const std::vector<std::pair<State, double>> top = tracker.TopK();
  const ObjectMetrics* metrics = task.object_metrics();
  if (!top.empty() && metrics != nullptr) {
    double sum = 0;
    std::vector<State> objects;
    for (const auto& [x, energy] : top) {
      sum += metrics->ScoreOfEnergy(energy);
      objects.push_back(x);
    }
    row->top100_score = sum / static_cast<double>(top.size());
    absl::StatusOr<double> similarity =
        metrics->MeanPairwiseSimilarity(objects);
    row->top100_similarity =
        similarity.ok() ? std::optional<double>(*similarity) : std::nullopt;
  }
  if (evaluator != nullptr) {
    ExactEvaluation e = evaluator->Evaluate(policy, row->log_z);
    row->l1 = e.l1;
    row->log_z_error = e.log_z_error;
    row->exact_log_z = evaluator->exact_log_z();
  }
}

}  // namespace ledgfn
