#include "launcher/embedded_trainer.h"

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
#include "common/model/flat_weights.h"
#include "common/object_tracker.h"
#include "learner/exact_evaluator.h"
#include "learner/weight_store.h"
#include "replay/rate_limiter.h"
#include "replay/table.h"

namespace ledgfn {
namespace {

// Validates trajectories like the replay service, records their objects for
// the modes / top-100 metrics, and inserts them under the rate limiter.
class TableSink : public TrajectorySink {
 public:
  TableSink(const Task& task, Table& table, RateLimiter& limiter,
            ObjectTracker& tracker)
      : task_(task), table_(table), limiter_(limiter), tracker_(tracker) {}

  absl::Status Write(std::vector<Trajectory> trajectories) override {
    const int n = static_cast<int>(trajectories.size());
    for (const Trajectory& t : trajectories) {
      auto instance = task_.Instance(t.instance);
      if (!instance.ok()) return instance.status();
      auto states = (*instance)->Replay(t.actions);
      if (!states.ok()) return states.status();
      // Objects of different instances are not comparable (EvalRow).
      if (!task_.has_instances()) tracker_.Add(task_, states->back(), t.energy);
    }
    // Checked before and recorded after inserting, so the learner never
    // sees a count the table does not hold yet.
    if (absl::Status s = limiter_.AwaitCanInsert(n, absl::InfiniteDuration());
        !s.ok()) {
      return s;
    }
    for (Trajectory& t : trajectories) table_.Insert(std::move(t));
    limiter_.Insert(n);
    inserted_ += n;
    return absl::OkStatus();
  }

  int64_t inserted() const { return inserted_.load(); }

 private:
  const Task& task_;
  Table& table_;
  RateLimiter& limiter_;
  ObjectTracker& tracker_;
  std::atomic<int64_t> inserted_{0};
};

std::vector<TrajectoryRef> Refs(std::vector<Table::Item> items) {
  std::vector<TrajectoryRef> refs;
  refs.reserve(items.size());
  for (auto& item : items) refs.push_back(std::move(item.trajectory));
  return refs;
}

class TableSource : public TrajectorySource {
 public:
  TableSource(Table& table, RateLimiter& limiter, const EmbeddedOptions& o,
              uint64_t seed)
      : table_(table), limiter_(limiter), options_(o), rng_(seed) {}

  absl::StatusOr<std::vector<TrajectoryRef>> PolicyBatch() override {
    if (absl::Status s = limiter_.AwaitAndSample(options_.batch_size,
                                                 absl::InfiniteDuration());
        !s.ok()) {
      return s;
    }
    std::vector<TrajectoryRef> batch = Refs(table_.TakeFresh(options_.batch_size));
    if (batch.empty()) {
      return absl::InternalError("no fresh trajectory although the limiter allowed a sample");
    }
    if (options_.replay_batch_size > 0) {
      auto replayed =
          options_.replay_selector == "uniform"
              ? table_.SampleUniform(options_.replay_batch_size, rng_)
              : table_.SamplePrioritized(options_.replay_batch_size, rng_);
      for (auto& item : replayed) batch.push_back(std::move(item.trajectory));
    }
    return batch;
  }

  absl::StatusOr<std::vector<TrajectoryRef>> PotentialBatch() override {
    return Refs(table_.SampleNewestWindow(options_.batch_size,
                                          options_.window, rng_));
  }

 private:
  Table& table_;
  RateLimiter& limiter_;
  const EmbeddedOptions& options_;
  std::mt19937_64 rng_;
};

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
  if (replay_selector != "uniform" && replay_selector != "prioritized") {
    return absl::InvalidArgumentError(absl::StrCat(
        "unknown replay selector '", replay_selector,
        "' (expected uniform or prioritized)"));
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
  auto table = Table::Create(
      TableOptions{options.capacity, options.priority_alpha});
  if (!table.ok()) return table.status();
  // One policy-batch sample per inserted trajectory; actors may lead by a
  // few batches, enough to keep them busy while the learner steps.
  RateLimiterOptions limits;
  limits.samples_per_insert = 1.0;
  limits.min_size_to_sample = options.batch_size;
  limits.error_buffer =
      static_cast<double>(options.batch_size) * std::max(2, options.actors + 1);
  auto limiter = RateLimiter::Create(limits);
  if (!limiter.ok()) return limiter.status();

  ObjectTracker tracker;
  TableSink sink(task, **table, **limiter, tracker);
  TableSource source(**table, **limiter, options, topts.seed + 17);
  TaskEnergyOracle task_oracle(task);
  MeteredOracle oracle(task_oracle);
  auto evaluator = ExactEvaluator::Create(  // optional
      task, /*max_states=*/2'000'000, topts.reward_exponent_final);

  const PolicyNetOptions net_options =
      PolicyNetOptionsFor(task, topts.hidden, topts.layers);
  SamplerOptions sopts;
  sopts.batch_size = options.batch_size;
  sopts.epsilon = options.epsilon;
  sopts.temperature = options.temperature;
  sopts.partial_energies = UsesPartialEnergies(topts.objective);

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
    sopts.seed = topts.seed + 1000 * (i + 1);
    sopts.actor_id = i;
    samplers.push_back(std::make_unique<Sampler>(task, copy, oracle, sopts));
    loops.push_back(std::make_unique<ActorLoop>(copy, *samplers.back(), weights,
                                                sink, options.batch_size));
    threads.emplace_back([&, i] { actor_status[i] = loops[i]->Run(stop); });
  }
  auto shutdown = [&] {
    stop = true;
    (*limiter)->Cancel();
    for (auto& t : threads) t.join();
    threads.clear();
  };

  std::vector<EvalRow> rows;
  EvalRow current;
  current.log_z = (*trainer)->ReportedLogZ();
  auto evaluate = [&]() -> absl::Status {
    Evaluate(task, tracker, evaluator.ok() ? evaluator->get() : nullptr,
             (*trainer)->policy(), &current);
    if (!task.TestInstances().empty()) {
      auto test = EvaluateOnTestSet(task, (*trainer)->policy(),
                                    options.test_samples, options.batch_size,
                                    topts.seed + 23);
      if (!test.ok()) return test.status();
      current.test_mean_energy = test->mean_energy;
      current.test_best_energy = test->best_energy;
      current.baseline_energy = test->baseline_energy;
      if (callbacks.on_test_set) callbacks.on_test_set(*test);
    }
    const OracleUsage usage = oracle.usage();
    current.oracle_objects = usage.objects;
    current.oracle_seconds = usage.seconds;
    rows.push_back(current);
    if (callbacks.on_eval) callbacks.on_eval(current);
    return absl::OkStatus();
  };
  absl::Status failure = evaluate();  // round 0: the untrained policy
  const absl::Time start = absl::Now();
  // r_phi's first minibatches come before the first policy batch: with
  // actor threads, wait until the table holds a batch (it never shrinks).
  if (failure.ok() && !inline_sampler) {
    failure = (*limiter)->AwaitCanSample(options.batch_size,
                                         absl::InfiniteDuration());
  }
  for (int64_t round = 1; failure.ok() && round <= options.rounds; ++round) {
    if (inline_sampler) {
      auto batch = inline_sampler->Sample(options.batch_size);
      if (!batch.ok()) {
        failure = batch.status();
        break;
      }
      if (absl::Status s = sink.Write(*std::move(batch)); !s.ok()) {
        failure = s;
        break;
      }
    }
    auto stats = (*trainer)->Round(source);
    if (!stats.ok()) {
      failure = stats.status();
      break;
    }
    if (!inline_sampler && round % options.publish_every == 0) {
      weights.Publish(FlattenParameters(*(*trainer)->policy()));
    }
    const double seconds = absl::ToDoubleSeconds(absl::Now() - start);
    current.round = round;
    current.trajectories = sink.inserted();
    current.seconds = seconds;
    current.policy_loss = stats->policy_loss;
    current.potential_loss = stats->potential_loss;
    current.log_z = stats->log_z;
    current.skipped_steps = stats->skipped_steps;
    current.trajectories_per_second =
        current.trajectories / std::max(seconds, 1e-9);
    current.rounds_per_second = round / std::max(seconds, 1e-9);
    if (round % options.eval_every == 0 || round == options.rounds) {
      failure = evaluate();
      if (!failure.ok()) break;
    }
    if (callbacks.on_round) callbacks.on_round(current);
  }
  shutdown();
  if (!failure.ok()) return failure;
  for (const absl::Status& s : actor_status) {
    if (!s.ok()) return s;
  }
  return rows;
}

}  // namespace ledgfn
