// The embedded run (`ledgfn train`, DESIGN §1): actors as threads, the replay
// core in memory, the learner on the calling thread, no network. It wires
// the same classes the distributed roles use: Sampler/ActorLoop (actor/),
// ReplayBuffer (replay/, through local/local_replay.h), Trainer and the
// learner loop (learner/learner_loop.h).
//
// Flow per round:
//   actors = 0 (synchronous, deterministic for a seed): the learner thread
//     samples `batch_size` fresh trajectories with the current policy;
//   actors > 0: actor threads sample continuously with the newest published
//     policy; a rate limiter (one policy-batch sample per inserted trajectory,
//     bounded lead) keeps them at most a few batches ahead of the learner.
//   Then the learner loop's round: N_phi r_phi steps on the newest window,
//   one policy step on the fresh batch plus `replay_batch_size` replayed
//   trajectories.
// Every `eval_every` rounds one evaluation row is written (see EvalRow); for
// multi-instance tasks (MIS) it includes the test-set evaluation.
#ifndef LEDGFN_LOCAL_EMBEDDED_TRAINER_H_
#define LEDGFN_LOCAL_EMBEDDED_TRAINER_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "tasks/task.h"
#include "learner/evaluation.h"
#include "learner/trainer.h"
#include "replay/selector.h"
#include "learner/test_set_evaluation.h"
#include "actor/energy_oracle.h"

namespace ledgfn {

struct EmbeddedOptions {
  TrainerOptions trainer;
  int batch_size = 32;         // fresh trajectories per policy step
  int replay_batch_size = 0;   // replayed trajectories added to it
  Selector replay_selector = Selector::kUniform;  // or kPrioritized
  double priority_alpha = 1.0;
  int64_t window = 0;          // r_phi window W; 0 = 300 x batch_size
  int64_t capacity = 100000;   // replay table capacity
  int actors = 0;              // actor threads; 0 = sample on the learner
  int64_t rounds = 1000;
  int64_t eval_every = 50;
  double epsilon = 0.0;
  double temperature = 1.0;
  int publish_every = 1;       // policy versions for actor threads
  // Multi-instance tasks: samples per test instance at each evaluation
  // (learner/test_set_evaluation.h).
  int test_samples = 20;
  // Where energies come from; null: the task's own (TaskEnergyOracle). Not
  // owned; thread-safe and outliving the run (e.g. the docking oracle).
  EnergyOracle* oracle = nullptr;

  absl::Status Validate() const;
};

struct EmbeddedCallbacks {
  // After every round (for the progress bar): this round's counters and
  // losses, with the evaluation fields of the newest evaluation.
  std::function<void(const EvalRow& current)> on_round;
  // After every evaluation.
  std::function<void(const EvalRow& row)> on_eval;
  // After every test-set evaluation (multi-instance tasks), before on_eval:
  // the per-instance results.
  std::function<void(const TestSetResult& result)> on_test_set;
};

// Runs to completion; returns every evaluation row: round 0 (before
// training), every `eval_every` rounds, and the final round.
absl::StatusOr<std::vector<EvalRow>> RunEmbedded(
    const Task& task, const EmbeddedOptions& options,
    const EmbeddedCallbacks& callbacks);

}  // namespace ledgfn

#endif  // LEDGFN_LOCAL_EMBEDDED_TRAINER_H_
