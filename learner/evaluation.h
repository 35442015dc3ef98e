// Training progress as both the embedded run and the distributed learner
// report it: one EvalRow per evaluation (metrics.csv), with the modes and
// top-100 of the objects seen so far and, where the task allows, the exact
// L1 and log Z error of the current policy (DESIGN §2.6).
#ifndef LEDGFN_LEARNER_EVALUATION_H_
#define LEDGFN_LEARNER_EVALUATION_H_

#include <cstdint>
#include <optional>
#include <string>

#include "learner/dropped_trajectories.h"
#include "tasks/object_tracker.h"
#include "learner/exact_evaluator.h"

namespace ledgfn {

// One evaluation (a row of metrics.csv). Row 0 is the untrained policy.
struct EvalRow {
  int64_t round = 0;
  int64_t trajectories = 0;  // sampled so far
  int64_t policy_steps = 0;  // optimizer steps of the policy so far
  double seconds = 0;
  double policy_loss = 0;
  double potential_loss = 0;
  double log_z = 0;
  int64_t modes = 0;
  int64_t distinct = 0;
  double top100 = 0;
  std::optional<double> l1;
  std::optional<double> log_z_error;
  double exact_log_z = 0;
  double trajectories_per_second = 0;
  double rounds_per_second = 0;
  int64_t skipped_steps = 0;
  // Trajectories dropped for unusable energies or non-finite losses so far:
  // the trainer's, plus (embedded runs) their samplers'.
  DroppedTrajectories dropped;
  // Multi-instance tasks: the held-out test set (see
  // learner/test_set_evaluation.h; for MIS |I| = -E). Their modes,
  // distinct and top-100 are not tracked (objects of different instances
  // are not comparable).
  std::optional<double> test_mean_energy;
  std::optional<double> test_best_energy;
  std::optional<double> baseline_energy;
  // Tasks with object metrics (Task::object_metrics(); molecule: the sEH
  // proxy score): the mean score of the top-100 distinct objects and their
  // mean pairwise similarity (Tanimoto of RDKit fingerprints), from the
  // tracker.
  std::optional<double> top100_score;
  std::optional<double> top100_similarity;
  // Energy oracle use so far (embedded runs; the distributed learner does
  // not see its actors' oracles: ledgfn_actor_oracle_objects_total).
  std::optional<int64_t> oracle_objects;
  std::optional<double> oracle_seconds;
};

// metrics.csv: one header line, then one line per evaluation. A value the
// task cannot compute (no exact evaluation, no test set, no score) or that
// is not finite (the loss of a round whose steps were all skipped) is an
// empty cell: the file never holds "nan" or "inf".
std::string EvalCsvHeader();
std::string EvalRowToCsv(const EvalRow& row);

// Fills the evaluation fields of `row` (modes, distinct, top-100 from the
// tracker, and for tasks with object metrics the top-100 score and
// similarity; L1, log Z error and exact log Z from the evaluator when given)
// for the policy and its reported log Z in row->log_z. A similarity the task
// cannot compute (e.g. a molecule RDKit rejects) leaves top100_similarity
// empty.
void Evaluate(const Task& task, const ObjectTracker& tracker,
              const ExactEvaluator* evaluator, PolicyNet& policy, EvalRow* row);

}  // namespace ledgfn

#endif  // LEDGFN_LEARNER_EVALUATION_H_
