#include "learner/evaluation.h"

#include <cmath>
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
         "top100_similarity,oracle_objects,oracle_seconds,policy_steps,"
         "dropped_trajectories";
}

namespace {

// "%.6g" (or `format`) of a finite value; "" for an absent or non-finite one.
std::string Cell(std::optional<double> v,
                 const absl::FormatSpec<double>& format) {
  return v && std::isfinite(*v) ? absl::StrFormat(format, *v) : std::string();
}
std::string Cell(std::optional<double> v) {
  return Cell(v, absl::FormatSpec<double>("%.6g"));
}

}  // namespace

std::string EvalRowToCsv(const EvalRow& r) {
  return absl::StrFormat(
      "%d,%d,%s,%s,%s,%s,%s,%s,%s,%d,%d,%s,%s,%s,%d,%s,%s,%s,%s,%s,%s,%s,%d,%d",
      r.round, r.trajectories, Cell(r.seconds, "%.3f"), Cell(r.policy_loss),
      Cell(r.potential_loss), Cell(r.log_z), Cell(r.exact_log_z),
      Cell(r.log_z_error), Cell(r.l1), r.modes, r.distinct, Cell(r.top100),
      Cell(r.trajectories_per_second, "%.1f"), Cell(r.rounds_per_second, "%.2f"),
      r.skipped_steps, Cell(r.test_mean_energy), Cell(r.test_best_energy),
      Cell(r.baseline_energy), Cell(r.top100_score), Cell(r.top100_similarity),
      r.oracle_objects ? absl::StrCat(*r.oracle_objects) : "",
      Cell(r.oracle_seconds), r.policy_steps, r.dropped.total());
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
