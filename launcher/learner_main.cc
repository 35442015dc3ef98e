// ledgfn_learner: the distributed learner (DESIGN §2.5). Pulls batches from
// the replay service, runs the same training round as `ledgfn train`, and
// serves versioned policy weights to actors over the Policy service.
#include <cstdio>
#include <fstream>
#include <string>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "common/model/flat_weights.h"
#include "common/object_tracker.h"
#include "launcher/cli.h"
#include "launcher/metrics_endpoint.h"
#include "launcher/learner_metrics.h"
#include "launcher/shutdown_signal.h"
#include "launcher/task_flags.h"
#include "launcher/training_flags.h"
#include "learner/evaluation.h"
#include "learner/exact_evaluator.h"
#include "learner/objective.h"
#include "learner/policy_service.h"
#include "learner/replay_source.h"
#include "learner/trainer.h"
#include "learner/weight_store.h"
#include "proto/server_util.h"

ABSL_FLAG(int, metrics_port, 9092,
          "Serve Prometheus metrics on this port (0 = off).");
ABSL_FLAG(std::string, metrics_address, "0.0.0.0",
          "Interface the metrics endpoint binds to.");
ABSL_FLAG(std::string, replay_address, "localhost:50051",
          "The replay service to sample from.");
ABSL_FLAG(std::string, address, "0.0.0.0:50052",
          "Where to serve the Policy service (host:port; port 0 picks a free "
          "port, see --port_file).");
ABSL_FLAG(std::string, port_file, "",
          "If set, the bound Policy port is written to this file.");
ABSL_FLAG(int64_t, rounds, 0,
          "Training rounds before exiting; 0 trains until SIGTERM.");
ABSL_FLAG(int, publish_every, 10,
          "Publish a new policy version every this many policy steps.");
ABSL_FLAG(int64_t, max_policy_lag, 0,
          "Drop fresh trajectories sampled more than this many versions ago "
          "(counted); 0 keeps all.");
ABSL_FLAG(int64_t, eval_every, 100, "Evaluate every this many rounds.");
ABSL_FLAG(std::string, output_dir, "runs/learner",
          "Where metrics.csv is written.");

namespace ledgfn {

constexpr char kProgram[] = "ledgfn_learner";

namespace {

// Records the objects of the fresh trajectories the learner trains on (the
// learner's view of modes and top-100) and their policy lag.
class TrackingSource : public TrajectorySource {
 public:
  TrackingSource(const Task& task, ReplaySource& inner, ObjectTracker& tracker,
                 LearnerMetrics& metrics, int fresh,
                 std::function<int64_t()> version)
      : task_(task), inner_(inner), tracker_(tracker), metrics_(metrics),
        fresh_(fresh), version_(std::move(version)) {}

  absl::StatusOr<std::vector<TrajectoryRef>> PolicyBatch() override {
    auto batch = inner_.PolicyBatch();
    if (!batch.ok()) return batch;
    const int64_t now = version_();
    for (size_t i = 0; i < batch->size() && static_cast<int>(i) < fresh_; ++i) {
      const Trajectory& t = *(*batch)[i];
      auto states = task_.Replay(t.actions);
      if (states.ok()) tracker_.Add(task_, states->back(), t.energy);
      lag_sum_ += now - t.policy_version;
      ++lag_count_;
      ++consumed_;
      metrics_.policy_lag().Observe(static_cast<double>(now - t.policy_version));
      metrics_.trajectories().Increment();
    }
    return batch;
  }
  absl::StatusOr<std::vector<TrajectoryRef>> PotentialBatch() override {
    return inner_.PotentialBatch();
  }
  int64_t consumed() const { return consumed_; }
  double mean_lag() const { return lag_count_ ? lag_sum_ / lag_count_ : 0; }

 private:
  const Task& task_;
  ReplaySource& inner_;
  ObjectTracker& tracker_;
  LearnerMetrics& metrics_;
  int fresh_;
  std::function<int64_t()> version_;
  int64_t consumed_ = 0;
  double lag_sum_ = 0;
  int64_t lag_count_ = 0;
};

int LearnerMain(ShutdownSignal& signal) {
  auto task = TaskFromFlags();
  if (!task.ok()) Fail(kProgram, task.status());
  auto options = TrainingOptionsFromFlags(**task);
  if (!options.ok()) Fail(kProgram, options.status());
  if (options->window == 0) options->window = 300LL * options->batch_size;
  if (absl::Status s = options->Validate(); !s.ok()) Fail(kProgram, s);
  if (absl::Status s = ApplyThreadsFlag(); !s.ok()) Fail(kProgram, s);
  const int publish_every = absl::GetFlag(FLAGS_publish_every);
  const int64_t rounds = absl::GetFlag(FLAGS_rounds);
  const int64_t eval_every = absl::GetFlag(FLAGS_eval_every);
  if (publish_every < 1) Fail(kProgram, absl::InvalidArgumentError("--publish_every must be >= 1"));
  if (rounds < 0) Fail(kProgram, absl::InvalidArgumentError("--rounds must be >= 0"));
  if (eval_every < 1) Fail(kProgram, absl::InvalidArgumentError("--eval_every must be >= 1"));
  if (absl::GetFlag(FLAGS_max_policy_lag) < 0) {
    Fail(kProgram, absl::InvalidArgumentError("--max_policy_lag must be >= 0"));
  }

  const std::string dir = absl::GetFlag(FLAGS_output_dir);
  if (absl::Status s = MakeDirs(dir); !s.ok()) Fail(kProgram, s);
  std::ofstream csv(dir + "/metrics.csv");
  if (!csv) Fail(kProgram, absl::PermissionDeniedError("cannot write " + dir + "/metrics.csv"));
  csv << EvalCsvHeader() << "\n";

  auto metrics = MetricsEndpoint::Start(absl::GetFlag(FLAGS_metrics_address),
                                       absl::GetFlag(FLAGS_metrics_port));
  if (!metrics.ok()) Fail(kProgram, metrics.status());
  LearnerMetrics learner_metrics((*metrics)->registry(), (*task)->name(),
                                 ObjectiveName(options->trainer.objective));

  auto trainer = Trainer::Create(**task, options->trainer);
  if (!trainer.ok()) Fail(kProgram, trainer.status());
  WeightStore store;
  store.Publish(FlattenParameters(*(*trainer)->policy()));
  PolicyServiceImpl policy_service(&store);
  auto server = StartServer(absl::GetFlag(FLAGS_address), {&policy_service});
  if (!server.ok()) Fail(kProgram, server.status());
  if (absl::Status s = WritePortFile(absl::GetFlag(FLAGS_port_file), server->port);
      !s.ok()) {
    Fail(kProgram, s);
  }
  std::fprintf(stderr, "%s: serving policy versions on port %d, sampling from %s\n",
               kProgram, server->port, absl::GetFlag(FLAGS_replay_address).c_str());

  auto version = [&store] { return store.Latest()->version; };
  ReplaySourceOptions ropts;
  ropts.address = absl::GetFlag(FLAGS_replay_address);
  ropts.batch_size = options->batch_size;
  ropts.replay_batch_size = options->replay_batch_size;
  ropts.prioritized = options->replay_selector == "prioritized";
  ropts.window = options->window;
  ropts.max_policy_lag = absl::GetFlag(FLAGS_max_policy_lag);
  ReplaySource replay(**task, ropts, version);
  ObjectTracker tracker;
  TrackingSource source(**task, replay, tracker, learner_metrics,
                        options->batch_size, version);
  auto evaluator = ExactEvaluator::Create(**task);
  signal.OnSignal([&] {
    replay.Cancel();
    store.Close();
  });

  const absl::Time start = absl::Now();
  EvalRow row;
  int exit_code = 0;
  for (int64_t round = 1; rounds == 0 || round <= rounds; ++round) {
    if (signal.received()) break;
    auto stats = (*trainer)->Round(source);
    if (absl::IsCancelled(stats.status())) break;
    if (!stats.ok()) {
      std::fprintf(stderr, "%s: %s\n", kProgram, std::string(stats.status().message()).c_str());
      exit_code = 1;
      break;
    }
    const absl::Time publish_start = absl::Now();
    if (stats->step % publish_every == 0) {
      store.Publish(FlattenParameters(*(*trainer)->policy()));
    }
    learner_metrics.OnRound(*stats, version(),
                            absl::ToDoubleSeconds(absl::Now() - publish_start));
    if (round % eval_every == 0 || round == rounds) {
      row.round = round;
      row.seconds = absl::ToDoubleSeconds(absl::Now() - start);
      row.trajectories = source.consumed();
      row.policy_loss = stats->policy_loss;
      row.potential_loss = stats->potential_loss;
      row.log_z = stats->log_z;
      row.skipped_steps = stats->skipped_steps;
      row.trajectories_per_second = row.trajectories / std::max(row.seconds, 1e-9);
      row.rounds_per_second = round / std::max(row.seconds, 1e-9);
      Evaluate(tracker, evaluator.ok() ? evaluator->get() : nullptr,
               (*trainer)->policy(), &row);
      learner_metrics.OnEval(row);
      csv << EvalRowToCsv(row) << "\n";
      csv.flush();
      std::fprintf(stderr,
                   "%s: round %lld, version %lld, %lld trajectories, loss %.4g, "
                   "logZ %.4g, modes %lld, mean lag %.1f%s\n",
                   kProgram, static_cast<long long>(round),
                   static_cast<long long>(version()),
                   static_cast<long long>(row.trajectories), row.policy_loss,
                   row.log_z, static_cast<long long>(row.modes), source.mean_lag(),
                   row.l1 ? absl::StrFormat(", L1 %.4f", *row.l1).c_str() : "");
    }
  }
  replay.Cancel();
  store.Close();
  policy_service.Shutdown();
  server->server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(1));
  std::fprintf(stderr, "%s: stopped after %lld policy steps, version %lld\n", kProgram,
               static_cast<long long>((*trainer)->step()),
               static_cast<long long>(version()));
  return exit_code;
}

}  // namespace
}  // namespace ledgfn

int main(int argc, char** argv) {
  ledgfn::ShutdownSignal signal;
  ledgfn::ParseCommandLine(
      ledgfn::kProgram, argc, argv,
      "ledgfn_learner: trains on batches from the replay service and serves "
      "policy versions to actors.\n\n"
      "  ledgfn_learner --replay_address=replay:50051 --address=0.0.0.0:50052\n\n"
      "The task, objective and network flags must match the actors'.");
  return ledgfn::LearnerMain(signal);
}
