#include "learner/learner_loop.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "tasks/instance_family.h"

namespace ledgfn {

absl::Status LearnerLoopOptions::Validate() const {
  if (first_round < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("first round must be >= 1, got ", first_round));
  }
  if (rounds < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("rounds must be >= 0, got ", rounds));
  }
  if (eval_every < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("eval_every must be >= 1, got ", eval_every));
  }
  if (test_samples < 1 || test_batch_size < 1) {
    return absl::InvalidArgumentError(
        "test samples and the test batch size must be >= 1");
  }
  return absl::OkStatus();
}

absl::Status RunLearnerLoop(
    const Task& task, Trainer& trainer, TrajectorySource& source,
    const ObjectTracker& tracker, const ExactEvaluator* evaluator,
    const LearnerLoopOptions& options, const LearnerLoopHooks& hooks) {
  if (absl::Status s = options.Validate(); !s.ok()) return s;
  if (!hooks.trajectories) {
    return absl::InvalidArgumentError("the trajectories hook is required");
  }
  EvalRow row;
  row.log_z = trainer.ReportedLogZ();

  auto evaluate = [&]() -> absl::Status {
    Evaluate(task, tracker, evaluator, trainer.policy(), &row);
    if (!TestInstancesOf(task).empty()) {
      absl::StatusOr<TestSetResult> test =
          EvaluateOnTestSet(task, trainer.policy(), options.test_samples,
                            options.test_batch_size, options.test_seed);
      if (!test.ok()) {
        return absl::Status(test.status().code(),
                            absl::StrCat("test-set evaluation failed: ",
                                         test.status().message()));
      }
      row.test_mean_energy = test->mean_energy;
      row.test_best_energy = test->best_energy;
      row.baseline_energy = test->baseline_energy;
      if (hooks.on_test_set) hooks.on_test_set(*test);
    }
    if (hooks.fill_row) hooks.fill_row(&row);
    if (hooks.on_eval) hooks.on_eval(row);
    return absl::OkStatus();
  };

  if (options.evaluate_first) {
    row.round = options.first_round - 1;
    if (absl::Status s = evaluate(); !s.ok()) return s;
  }
  // Training time starts here (continuing a resumed run's).
  const absl::Time start =
      absl::Now() - absl::Seconds(options.seconds_before);
  for (int64_t round = options.first_round;
       options.rounds == 0 || round <= options.rounds; ++round) {
    if (hooks.stop_requested && hooks.stop_requested()) break;
    if (hooks.before_round) {
      if (absl::Status s = hooks.before_round(); !s.ok()) return s;
    }
    absl::StatusOr<RoundStats> stats = trainer.Round(source);
    if (!stats.ok()) return stats.status();
    if (hooks.after_step) {
      if (absl::Status s = hooks.after_step(round, *stats); !s.ok()) return s;
    }
    const double seconds = absl::ToDoubleSeconds(absl::Now() - start);
    row.round = round;
    row.trajectories = hooks.trajectories();
    row.seconds = seconds;
    row.policy_steps = stats->step;
    row.policy_loss = stats->policy_loss;
    row.potential_loss = stats->potential_loss;
    row.log_z = stats->log_z;
    row.skipped_steps = stats->skipped_steps;
    row.dropped = stats->dropped;
    row.trajectories_per_second = row.trajectories / std::max(seconds, 1e-9);
    row.rounds_per_second = round / std::max(seconds, 1e-9);
    if (round % options.eval_every == 0 || round == options.rounds) {
      if (absl::Status s = evaluate(); !s.ok()) return s;
    }
    if (hooks.on_round) hooks.on_round(*stats, row);
    if (hooks.after_round) {
      if (absl::Status s = hooks.after_round(round); !s.ok()) return s;
    }
  }
  return absl::OkStatus();
}

}  // namespace ledgfn
