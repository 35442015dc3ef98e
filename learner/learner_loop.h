// The learner's run (DESIGN §2.5), one loop for every transport: `ledgfn
// train` (embedded, local/) and the distributed ledgfn_learner run exactly
// this code and differ only in their TrajectorySource and their hooks.
//
// Per round r = first_round, first_round + 1, ... (until `rounds`, or for
// ever when rounds == 0, or until hooks.stop_requested()):
//   1. hooks.before_round()        (the embedded run's synchronous sampling)
//   2. Trainer::Round(source)      (N_phi r_phi steps, then the policy step)
//   3. hooks.after_step(r, stats)  (publish a policy version, metrics)
//   4. the round's fields of the row (round, trajectories, seconds, losses,
//      log Z, skipped steps, rates), then hooks.on_round(stats, row)
//   5. every `eval_every` rounds and at round `rounds`: the evaluation
//      fields (learner/evaluation.h: modes, top-100, exact L1 ...), the
//      held-out test set for multi-instance tasks, hooks.fill_row(row),
//      then hooks.on_eval(row)
//   6. hooks.after_round(r)        (checkpoints)
// With `evaluate_first`, one evaluation row of the untrained policy (round
// first_round - 1) comes before the first round. A hook's error ends the
// loop with that error; so does a round's, CANCELLED included (the caller
// decides whether a cancelled source is a clean stop).
#ifndef LEDGFN_LEARNER_LEARNER_LOOP_H_
#define LEDGFN_LEARNER_LEARNER_LOOP_H_

#include <cstdint>
#include <functional>

#include "absl/status/status.h"
#include "tasks/object_tracker.h"
#include "tasks/task.h"
#include "learner/evaluation.h"
#include "learner/exact_evaluator.h"
#include "learner/test_set_evaluation.h"
#include "learner/trainer.h"
#include "learner/trajectory_source.h"

namespace ledgfn {

struct LearnerLoopOptions {
  int64_t first_round = 1;     // > 1 when resuming
  int64_t rounds = 0;          // the last round; 0 = until stopped
  int64_t eval_every = 100;    // >= 1
  bool evaluate_first = false;
  // Training time before this run (resumed runs), in the rows' seconds.
  double seconds_before = 0;
  // Multi-instance tasks: samples per test instance, the sampler's batch
  // and seed (learner/test_set_evaluation.h).
  int test_samples = 20;
  int test_batch_size = 32;
  uint64_t test_seed = 0;

  absl::Status Validate() const;
};

struct LearnerLoopHooks {
  std::function<absl::Status()> before_round;
  std::function<absl::Status(int64_t round, const RoundStats& stats)>
      after_step;
  // Trajectories so far, for the rows (required).
  std::function<int64_t()> trajectories;
  std::function<void(const RoundStats& stats, const EvalRow& row)> on_round;
  // Adds fields only the caller knows (e.g. oracle usage) to an evaluation
  // row.
  std::function<void(EvalRow* row)> fill_row;
  std::function<void(const TestSetResult& result)> on_test_set;
  std::function<void(const EvalRow& row)> on_eval;
  std::function<absl::Status(int64_t round)> after_round;
  std::function<bool()> stop_requested;
};

// Runs the loop; `trainer`, `source`, `tracker` (read at evaluations; the
// caller's sink or source fills it) and `evaluator` (null: no exact
// evaluation) must outlive the call. Callers see the rows and the rounds
// done through their hooks (on_eval, on_round).
absl::Status RunLearnerLoop(
    const Task& task, Trainer& trainer, TrajectorySource& source,
    const ObjectTracker& tracker, const ExactEvaluator* evaluator,
    const LearnerLoopOptions& options, const LearnerLoopHooks& hooks);

}  // namespace ledgfn

#endif  // LEDGFN_LEARNER_LEARNER_LOOP_H_
