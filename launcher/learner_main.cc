// ledgfn_learner: the distributed learner (DESIGN §2.5). Pulls batches from
// the replay service, runs the same training round as `ledgfn train`, and
// serves versioned policy weights to actors over the Policy service.
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/reflection.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "model/flat_weights.h"
#include "tasks/object_tracker.h"
#include "learner/test_set_evaluation.h"
#include "common/file_util.h"
#include "common/log.h"
#include "launcher/cli.h"
#include "launcher/metrics_endpoint.h"
#include "launcher/learner_metrics.h"
#include "launcher/security_flags.h"
#include "launcher/shutdown_signal.h"
#include "launcher/task_flags.h"
#include "launcher/training_flags.h"
#include "learner/checkpoint.h"
#include "learner/evaluation.h"
#include "learner/exact_evaluator.h"
#include "learner/learner_loop.h"
#include "learner/objective.h"
#include "learner/policy_service.h"
#include "learner/replay_source.h"
#include "learner/trainer.h"
#include "learner/version_lease.h"
#include "learner/weight_store.h"
#include "proto/server_util.h"
#include "proto/token_checker.h"

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
ABSL_FLAG(std::string, checkpoint_dir, "",
          "Checkpoint the learner here and, at start, resume from the newest "
          "complete checkpoint in it (empty = no checkpoints). See "
          "docs/distributed.md.");
ABSL_FLAG(int64_t, checkpoint_every, 200,
          "With --checkpoint_dir: checkpoint every this many rounds, and on "
          "SIGTERM/SIGINT or the last round.");
ABSL_FLAG(int, keep_checkpoints, 3,
          "With --checkpoint_dir: keep this many newest checkpoints.");

namespace ledgfn {

constexpr char kProgram[] = "ledgfn_learner";

namespace {

// Counts the fresh trajectories the learner trains on and their policy lag
// (their objects are tracked by ReplaySourceOptions::on_fresh).
class LagSource : public TrajectorySource {
 public:
  // `consumed`: trajectories trained on before (by the checkpointed run).
  LagSource(ReplaySource& inner, LearnerMetrics& metrics, int fresh,
            std::function<int64_t()> version, int64_t consumed)
      : inner_(inner), metrics_(metrics), fresh_(fresh),
        version_(std::move(version)), consumed_(consumed) {}

  absl::StatusOr<std::vector<TrajectoryRef>> PolicyBatch() override {
    auto batch = inner_.PolicyBatch();
    if (!batch.ok()) return batch;
    const int64_t now = version_();
    for (size_t i = 0; i < batch->size() && static_cast<int>(i) < fresh_; ++i) {
      const Trajectory& t = *(*batch)[i];
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
  ReplaySource& inner_;
  LearnerMetrics& metrics_;
  int fresh_;
  std::function<int64_t()> version_;
  int64_t consumed_;
  double lag_sum_ = 0;
  int64_t lag_count_ = 0;
};

// The settings a checkpoint can only be resumed with, by flag name: the
// task's (--task and its own --<task>_* flags), the objective, the network
// shape, and the learning rates (the optimizers' saved state carries them).
// Effective values, so a default spelled out on the command line matches.
CheckpointConfig ResumeConfig(const TrainerOptions& t) {
  CheckpointConfig config;
  auto flag = [&config](absl::string_view name) {
    config.emplace_back(name, absl::FindCommandLineFlag(name)->CurrentValue());
  };
  flag("task");
  const std::string prefix = absl::StrCat(config.back().second, "_");
  std::vector<std::string> task_flags;
  for (const auto& [name, unused] : absl::GetAllFlags()) {
    if (absl::StartsWith(name, prefix)) task_flags.emplace_back(name);
  }
  std::sort(task_flags.begin(), task_flags.end());
  for (const std::string& name : task_flags) flag(name);
  config.emplace_back("objective", ObjectiveName(t.objective));
  flag("led_variant");
  flag("uniform_pb");
  config.emplace_back("hidden", absl::StrCat(t.hidden));
  config.emplace_back("layers", absl::StrCat(t.layers));
  config.emplace_back("policy_lr", absl::StrCat(t.policy_lr));
  config.emplace_back("log_z_lr", absl::StrCat(t.log_z_lr));
  config.emplace_back("potential_lr", absl::StrCat(t.potential_lr));
  return config;
}

// Opens metrics.csv anew with its header. On resume the rows of earlier runs
// up to `resumed_round` are kept; later ones, written by a killed run after
// its last checkpoint, are dropped (those rounds are trained again), so the
// round column keeps increasing.
std::ofstream OpenMetricsCsv(const std::string& path, int64_t resumed_round) {
  std::vector<std::string> rows;
  if (resumed_round > 0) {
    std::ifstream in(path);
    std::string line;
    std::getline(in, line);  // the header
    while (std::getline(in, line)) {
      int64_t round = 0;
      if (absl::SimpleAtoi(line.substr(0, line.find(',')), &round) &&
          round <= resumed_round) {
        rows.push_back(line);
      }
    }
  }
  std::ofstream csv(path, std::ios::trunc);
  csv << EvalCsvHeader() << "\n";
  for (const std::string& row : rows) csv << row << "\n";
  csv.flush();
  return csv;
}

int LearnerMain(ShutdownSignal& signal) {
  auto task = TaskWithChemistryFromFlags();
  if (!task.ok()) Fail(kProgram, task.status());
  auto options = TrainingOptionsFromFlags(**task);
  if (!options.ok()) Fail(kProgram, options.status());
  auto security = SecurityFromFlags(/*serves=*/true);
  if (!security.ok()) Fail(kProgram, security.status());
  auto auth = std::make_shared<TokenChecker>(security->token);
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
  const int64_t checkpoint_every = absl::GetFlag(FLAGS_checkpoint_every);
  if (checkpoint_every < 1) {
    Fail(kProgram, absl::InvalidArgumentError("--checkpoint_every must be >= 1"));
  }

  // Resume from the newest checkpoint, if any.
  std::unique_ptr<Checkpointer> checkpointer;
  std::unique_ptr<VersionLease> lease;
  std::optional<RestoredCheckpoint> restored;
  if (const std::string ckpt_dir = absl::GetFlag(FLAGS_checkpoint_dir); !ckpt_dir.empty()) {
    auto created = Checkpointer::Create(ckpt_dir, absl::GetFlag(FLAGS_keep_checkpoints),
                                        ResumeConfig(options->trainer));
    if (!created.ok()) Fail(kProgram, created.status());
    checkpointer = std::move(*created);
    std::vector<std::string> warnings;
    auto latest = checkpointer->Restore(**task, options->trainer, &warnings);
    for (const std::string& w : warnings) {
      LogWarning("%s", w);
    }
    if (!latest.ok()) Fail(kProgram, latest.status());
    restored = std::move(*latest);
    auto opened = VersionLease::Open(
        ckpt_dir, restored ? restored->progress.policy_version : 0);
    if (!opened.ok()) Fail(kProgram, opened.status());
    lease = std::move(*opened);
  }
  const LearnerProgress resumed = restored ? restored->progress : LearnerProgress{};
  std::unique_ptr<Trainer> trainer;
  if (restored) {
    trainer = std::move(restored->trainer);
  } else {
    auto created = Trainer::Create(**task, options->trainer);
    if (!created.ok()) Fail(kProgram, created.status());
    trainer = std::move(*created);
  }
  ObjectTracker tracker;
  if (restored) {
    for (const auto& [x, energy] : restored->objects) tracker.Add(**task, x, energy);
    restored->objects.clear();
  }

  const std::string dir = absl::GetFlag(FLAGS_output_dir);
  if (absl::Status s = MakeDirs(dir); !s.ok()) {
    Fail(kProgram, absl::Status(s.code(), absl::StrCat("output directory: ", s.message())));
  }
  std::ofstream csv = OpenMetricsCsv(dir + "/metrics.csv", resumed.round);
  if (!csv) Fail(kProgram, absl::PermissionDeniedError("cannot write " + dir + "/metrics.csv"));

  auto metrics = MetricsEndpoint::Start(absl::GetFlag(FLAGS_metrics_address),
                                       absl::GetFlag(FLAGS_metrics_port));
  if (!metrics.ok()) Fail(kProgram, metrics.status());
  LearnerMetrics learner_metrics((*metrics)->registry(), (*task)->name(),
                                 ObjectiveName(options->trainer.objective));
  prometheus::Counter& unauthenticated =
      AddUnauthenticatedCounter((*metrics)->registry());
  (*metrics)->RefreshEvery(absl::Seconds(1), [&unauthenticated, auth] {
    AdvanceCounter(unauthenticated, static_cast<double>(auth->rejected()));
  });

  WeightStore store;
  // Versions come from the lease when checkpointing, so they stay above
  // every version published before a restart (learner/version_lease.h).
  auto publish = [&]() -> absl::Status {
    std::vector<float> values = FlattenParameters(*trainer->policy());
    if (lease == nullptr) {
      store.Publish(std::move(values));
      return absl::OkStatus();
    }
    auto next = lease->Next();
    if (!next.ok()) return next.status();
    return store.Publish(*next, std::move(values));
  };
  if (absl::Status s = publish(); !s.ok()) Fail(kProgram, s);
  if (restored) {
    LogInfo("resumed from %s: round %lld, step %lld, version %lld (now "
            "serving version %lld)",
            restored->path, static_cast<long long>(resumed.round),
                 static_cast<long long>(trainer->step()),
                 static_cast<long long>(resumed.policy_version),
                 static_cast<long long>(store.Latest()->version));
  }
  PolicyServiceOptions policy_options;
  policy_options.auth = auth;
  PolicyServiceImpl policy_service(&store, policy_options);
  auto server = StartServer(absl::GetFlag(FLAGS_address), {&policy_service},
                            *security);
  if (!server.ok()) Fail(kProgram, server.status());
  if (absl::Status s = WritePortFile(absl::GetFlag(FLAGS_port_file), server->port);
      !s.ok()) {
    Fail(kProgram, s);
  }
  LogInfo("serving policy versions on port %d, sampling from %s", server->port,
          absl::GetFlag(FLAGS_replay_address));

  auto version = [&store] { return store.Latest()->version; };
  ReplaySourceOptions ropts;
  ropts.address = absl::GetFlag(FLAGS_replay_address);
  ropts.batch_size = options->batch_size;
  ropts.replay_batch_size = options->replay_batch_size;
  ropts.replay_selector = options->replay_selector;
  ropts.window = options->window;
  ropts.max_policy_lag = absl::GetFlag(FLAGS_max_policy_lag);
  // One NEWEST_WINDOW call per round for all of its r_phi minibatches, kept
  // to at most kMaxPrefetchedTrajectories per call, well inside the 4096 the
  // replay serves per Sample (ReplayServiceOptions::max_sample_batch).
  constexpr int kMaxPrefetchedTrajectories = 1024;
  ropts.potential_batches_per_call =
      std::clamp(kMaxPrefetchedTrajectories / options->batch_size, 1,
                 std::max(1, options->trainer.potential_steps));
  ropts.security = *security;
  // Objects of different instances are not comparable (EvalRow).
  if ((*task)->instances() == nullptr) {
    ropts.on_fresh = [&tracker, &task](double energy, const State& x) {
      tracker.Add(**task, x, energy);
    };
  }
  ReplaySource replay(**task, ropts, version);
  LagSource source(replay, learner_metrics, options->batch_size, version,
                   resumed.trajectories);
  auto evaluator = ExactEvaluator::Create(
      **task, /*max_states=*/2'000'000, options->trainer.reward_exponent_final,
      trainer->policy()->options().needs_neighbours());
  const ShutdownSignal::Registration on_signal = signal.OnSignal([&] {
    replay.Cancel();
    store.Close();
  });

  auto save_checkpoint = [&](int64_t round, double seconds) {
    auto path = checkpointer->Save(
        *trainer, tracker,
        LearnerProgress{round, source.consumed(), version(), seconds});
    if (!path.ok()) {
      LogWarning("checkpoint not written: %s", path.status().message());
    }
  };
  LearnerLoopOptions loop;
  loop.first_round = resumed.round + 1;
  loop.rounds = rounds;
  loop.eval_every = eval_every;
  loop.seconds_before = resumed.seconds;  // training time continues
  loop.test_samples = options->test_samples;
  loop.test_batch_size = options->batch_size;
  loop.test_seed = options->trainer.seed + 23;
  LearnerLoopHooks hooks;
  hooks.stop_requested = [&signal] { return signal.received(); };
  hooks.after_step = [&](int64_t, const RoundStats& stats) -> absl::Status {
    const absl::Time publish_start = absl::Now();
    if (stats.step % publish_every == 0) {
      if (absl::Status s = publish(); !s.ok()) {
        return absl::Status(s.code(), absl::StrCat("cannot publish: ", s.message()));
      }
    }
    learner_metrics.OnRound(stats, version(),
                            absl::ToDoubleSeconds(absl::Now() - publish_start));
    return absl::OkStatus();
  };
  hooks.trajectories = [&source] { return source.consumed(); };
  hooks.on_eval = [&](const EvalRow& row) {
    learner_metrics.OnEval(row);
    csv << EvalRowToCsv(row) << "\n";
    csv.flush();
    LogInfo("round %lld, version %lld, %lld trajectories, loss %.4g, "
            "logZ %.4g, modes %lld, mean lag %.1f%s",
            static_cast<long long>(row.round),
                 static_cast<long long>(version()),
                 static_cast<long long>(row.trajectories), row.policy_loss,
                 row.log_z, static_cast<long long>(row.modes), source.mean_lag(),
            row.l1 ? absl::StrFormat(", L1 %.4f", *row.l1) : std::string());
  };
  int64_t completed = resumed.round;  // rounds done, the checkpointed ones included
  double seconds = resumed.seconds;
  hooks.on_round = [&](const RoundStats&, const EvalRow& row) {
    completed = row.round;
    seconds = row.seconds;
  };
  hooks.after_round = [&](int64_t round) {
    if (checkpointer != nullptr && round % checkpoint_every == 0) {
      save_checkpoint(round, seconds);
    }
    return absl::OkStatus();
  };
  int exit_code = 0;
  const absl::Status ended =
      RunLearnerLoop(**task, *trainer, source, tracker,
                     evaluator.ok() ? evaluator->get() : nullptr, loop, hooks);
  if (!ended.ok() && !absl::IsCancelled(ended)) {
    LogError("%s", ended.message());
    exit_code = 1;
  }
  replay.Cancel();
  store.Close();
  policy_service.Shutdown();
  server->server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(1));
  if (checkpointer != nullptr) {
    // On SIGTERM/SIGINT too: a second signal exits at once (shutdown_signal.h).
    save_checkpoint(completed, seconds);
    if (absl::Status s = lease->Release(); !s.ok()) {
      LogWarning("%s", s.message());
    }
  }
  LogInfo("stopped after %lld policy steps, version %lld",
          static_cast<long long>(trainer->step()),
               static_cast<long long>(version()));
  return exit_code;
}

}  // namespace
}  // namespace ledgfn

int main(int argc, char** argv) {
  ledgfn::SetLogRole(ledgfn::kProgram);
  ledgfn::ShutdownSignal signal;
  ledgfn::ParseCommandLine(
      ledgfn::kProgram, argc, argv,
      "ledgfn_learner: trains on batches from the replay service and serves "
      "policy versions to actors.\n\n"
      "  ledgfn_learner --replay_address=replay:50051 --address=0.0.0.0:50052\n\n"
      "The task, objective and network flags must match the actors'.");
  return ledgfn::LearnerMain(signal);
}
