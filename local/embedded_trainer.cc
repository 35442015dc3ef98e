#include "local/embedded_trainer.h"

#include <atomic>
#include <memory>
#include <random>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "actor/actor_loop.h"
#include "actor/energy_oracle.h"
#include "actor/metered_oracle.h"
#include "actor/sampler.h"
#include "model/flat_weights.h"
#include "tasks/object_tracker.h"
#include "learner/exact_evaluator.h"
#include "learner/learner_loop.h"
#include "learner/weight_store.h"
#include "local/local_replay.h"
#include "replay/replay_buffer.h"

namespace ledgfn {
namespace {

}  // namespace

absl::Status EmbeddedOptions::Validate() const {
  if (absl::Status s = trainer.Validate(); !s.ok()) return s;
  if (batch_size < 1) {
    return absl::InvalidArgumentError(
        absl::StrFormat("batch size must be >= 1, got %d", batch_size));
  }
  if (replay_batch_size < 0) {
    return absl::InvalidArgumentError("replay batch size must be >= 0");
  }
  if (replay_selector != Selector::kUniform &&
      replay_selector != Selector::kPrioritized) {
    return absl::InvalidArgumentError(absl::StrCat(
        "replay selector must be uniform or prioritized, got ",
        SelectorName(replay_selector)));
  }
  if (window < 0) return absl::InvalidArgumentError("window must be >= 0");
  if (capacity < 2 * batch_size) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "replay capacity %d must hold at least two batches (%d)", capacity,
        2 * batch_size));
  }
  if (actors < 0) return absl::InvalidArgumentError("actors must be >= 0");
  if (rounds < 1) return absl::InvalidArgumentError("rounds must be >= 1");
  if (eval_every < 1) return absl::InvalidArgumentError("eval_every must be >= 1");
  if (!(epsilon >= 0 && epsilon <= 1)) {
    return absl::InvalidArgumentError(
        absl::StrFormat("epsilon must be in [0, 1], got %g", epsilon));
  }
  if (!(temperature > 0)) {
    return absl::InvalidArgumentError("temperature must be > 0");
  }
  if (publish_every < 1) {
    return absl::InvalidArgumentError("publish_every must be >= 1");
  }
  if (test_samples < 1) {
    return absl::InvalidArgumentError("test samples must be >= 1");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<EvalRow>> RunEmbedded(
    const Task& task, const EmbeddedOptions& options_in,
    const EmbeddedCallbacks& callbacks) {
  EmbeddedOptions options = options_in;
  if (options.window == 0) options.window = 300LL * options.batch_size;
  if (absl::Status s = options.Validate(); !s.ok()) return s;
  const TrainerOptions& topts = options.trainer;

  auto trainer = Trainer::Create(task, topts);
  if (!trainer.ok()) return trainer.status();
  ReplayBufferOptions replay;
  replay.table = TableOptions{options.capacity, options.priority_alpha};
  // One policy-batch sample per inserted trajectory; actors may lead by a
  // few batches, enough to keep them busy while the learner steps.
  replay.limiter.samples_per_insert = 1.0;
  replay.limiter.min_size_to_sample = options.batch_size;
  replay.limiter.error_buffer =
      static_cast<double>(options.batch_size) * std::max(2, options.actors + 1);
  replay.max_sample_batch = std::max<int64_t>(
      replay.max_sample_batch,
      std::max(options.batch_size, options.replay_batch_size));
  replay.seed = topts.seed + 17;
  replay.validation.max_abs_energy = topts.max_abs_energy;
  // Validation replays each trajectory; the learner's batch reuses that.
  replay.keep_replayed_states = true;
  auto buffer = ReplayBuffer::Create(task, replay);
  if (!buffer.ok()) return buffer.status();

  ObjectTracker tracker;
  LocalSink sink(**buffer, tracker);
  LocalSource source(**buffer,
                     LocalSourceOptions{options.batch_size,
                                        options.replay_batch_size,
                                        options.replay_selector, options.window});
  TaskEnergyOracle task_oracle(task);
  MeteredOracle oracle(options.oracle != nullptr ? *options.oracle : task_oracle);
  const PolicyNetOptions net_options =
      PolicyNetOptionsFor(task, topts.hidden, topts.layers,
                          topts.policy_architecture);
  auto evaluator = ExactEvaluator::Create(  // optional
      task, /*max_states=*/2'000'000, topts.reward_exponent_final,
      net_options.needs_neighbours());
  SamplerOptions sopts;
  sopts.batch_size = options.batch_size;
  sopts.epsilon = options.epsilon;
  sopts.temperature = options.temperature;
  sopts.partial_energies = UsesPartialEnergies(topts.objective);
  sopts.max_abs_energy = topts.max_abs_energy;

  // Synchronous mode samples with the trainer's own policy module.
  std::unique_ptr<Sampler> inline_sampler;
  if (options.actors == 0) {
    sopts.seed = topts.seed + 1;
    inline_sampler = std::make_unique<Sampler>(task, (*trainer)->policy(),
                                               oracle, sopts);
  }

  WeightStore weights;
  weights.Publish(FlattenParameters(*(*trainer)->policy()));
  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  std::vector<std::unique_ptr<Sampler>> samplers;
  std::vector<std::unique_ptr<ActorLoop>> loops;
  std::vector<absl::Status> actor_status(options.actors);
  for (int i = 0; i < options.actors; ++i) {
    PolicyNet copy(net_options);  // on the CPU: actors sample on the CPU
    sopts.seed = ActorSeed(topts.seed, i);
    sopts.actor_id = i;
    samplers.push_back(std::make_unique<Sampler>(task, copy, oracle, sopts));
    loops.push_back(std::make_unique<ActorLoop>(copy, *samplers.back(), weights,
                                                sink, options.batch_size));
    threads.emplace_back([&, i] { actor_status[i] = loops[i]->Run(stop); });
  }
  auto shutdown = [&] {
    stop = true;
    (*buffer)->Shutdown();
    for (auto& t : threads) t.join();
    threads.clear();
  };

  std::vector<EvalRow> rows;
  LearnerLoopOptions loop;
  loop.rounds = options.rounds;
  loop.eval_every = options.eval_every;
  loop.evaluate_first = true;  // round 0: the untrained policy
  loop.test_samples = options.test_samples;
  loop.test_batch_size = options.batch_size;
  loop.test_seed = topts.seed + 23;
  LearnerLoopHooks hooks;
  bool first_round = true;
  hooks.before_round = [&]() -> absl::Status {
    if (!inline_sampler) {
      // r_phi's first minibatches come before the first policy batch: with
      // actor threads, wait until the table holds a batch (it never
      // shrinks).
      if (!first_round) return absl::OkStatus();
      first_round = false;
      return (*buffer)->AwaitCanSample(options.batch_size);
    }
    auto batch = inline_sampler->Sample(options.batch_size);
    if (!batch.ok()) return batch.status();
    return sink.Write(*std::move(batch));
  };
  hooks.after_step = [&](int64_t round, const RoundStats&) {
    if (!inline_sampler && round % options.publish_every == 0) {
      weights.Publish(FlattenParameters(*(*trainer)->policy()));
    }
    return absl::OkStatus();
  };
  hooks.trajectories = [&sink] { return sink.inserted(); };
  hooks.fill_row = [&oracle, &inline_sampler, &samplers](EvalRow* row) {
    const OracleUsage usage = oracle.usage();
    row->oracle_objects = usage.objects;
    row->oracle_seconds = usage.seconds;
    // The samplers' drops of the oracle's unusable answers too.
    auto add_drops = [row](const Sampler& s) {
      row->dropped.nonfinite_energy += s.dropped(EnergyProblem::kNonfinite);
      row->dropped.energy_out_of_range += s.dropped(EnergyProblem::kOutOfRange);
    };
    if (inline_sampler) add_drops(*inline_sampler);
    for (const auto& s : samplers) add_drops(*s);
  };
  hooks.on_test_set = callbacks.on_test_set;
  hooks.on_eval = [&](const EvalRow& row) {
    rows.push_back(row);
    if (callbacks.on_eval) callbacks.on_eval(row);
  };
  if (callbacks.on_round) {
    hooks.on_round = [&](const RoundStats&, const EvalRow& row) {
      callbacks.on_round(row);
    };
  }
  const absl::Status failure =
      RunLearnerLoop(task, **trainer, source, tracker,
                     evaluator.ok() ? evaluator->get() : nullptr, loop, hooks);
  shutdown();
  if (!failure.ok()) return failure;
  for (const absl::Status& s : actor_status) {
    if (!s.ok()) return s;
  }
  return rows;
}

}  // namespace ledgfn
