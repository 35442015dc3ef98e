// ledgfn_actor: one actor process (DESIGN §2.3). Samples trajectories in
// batches with the newest complete policy version from the learner, gets
// their energies from the oracle (concurrently), and streams them to the
// replay service, resending whatever was not acknowledged after a restart.
#include <algorithm>
#include <cmath>
#include <string>
#include <thread>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "actor/actor_loop.h"
#include "actor/concurrent_oracle.h"
#include "actor/energy_oracle.h"
#include "actor/metered_oracle.h"
#include "actor/policy_client.h"
#include "actor/remote_oracle.h"
#include "actor/replay_writer.h"
#include "actor/sampler.h"
#include "common/log.h"
#include "launcher/cli.h"
#include "launcher/metrics_endpoint.h"
#include "launcher/actor_metrics.h"
#include "launcher/docking_flags.h"
#include "launcher/security_flags.h"
#include "launcher/shutdown_signal.h"
#include "launcher/task_flags.h"
#include "launcher/training_flags.h"
#include "learner/objective.h"

ABSL_FLAG(std::string, replay_address, "localhost:50051",
          "The replay service to send trajectories to.");
ABSL_FLAG(std::string, learner_address, "localhost:50052",
          "The learner's Policy service to get weights from.");
ABSL_FLAG(int, actor_id, 0, "This actor's id (distinct per actor).");
ABSL_FLAG(int, oracle_threads, 1,
          "Energy oracle calls run on this many threads at once.");
ABSL_FLAG(int, oracle_latency_ms, 0,
          "Emulates an expensive oracle: each object (each state for FL "
          "objectives) costs this many milliseconds.");
ABSL_FLAG(std::string, oracle_address, "",
          "If set, energies come from this Oracle gRPC service instead of the "
          "built-in task energy (e.g. ledgfn_oracle's docking). A call that "
          "fails because the service is down or slow is tried again until it "
          "answers: the batch waits, nothing is lost.");
ABSL_FLAG(double, oracle_timeout_s, 600,
          "--oracle_address: the deadline of one try of an oracle call (one "
          "batch); past it the call is tried again.");
ABSL_FLAG(int, max_in_flight, 64,
          "Trajectories sent to replay and not yet acknowledged, at most.");
ABSL_FLAG(int, max_queue, 128,
          "Trajectories held locally (queued or unacknowledged) before "
          "sampling waits for replay.");
ABSL_FLAG(int, metrics_port, 9093,
          "Serve Prometheus metrics on this port (0 = off).");
ABSL_FLAG(std::string, metrics_address, "0.0.0.0",
          "Interface the metrics endpoint binds to.");
ABSL_FLAG(int, status_every_s, 10, "Log a status line every this many seconds.");

namespace ledgfn {

constexpr char kProgram[] = "ledgfn_actor";

namespace {

int ActorMain(ShutdownSignal& signal) {
  auto task = TaskWithChemistryFromFlags();
  if (!task.ok()) Fail(kProgram, task.status());
  auto options = TrainingOptionsFromFlags(**task);
  if (!options.ok()) Fail(kProgram, options.status());
  if (absl::Status s = options->Validate(); !s.ok()) Fail(kProgram, s);
  if (absl::Status s = ApplyThreadsFlag(); !s.ok()) Fail(kProgram, s);
  const int oracle_threads = absl::GetFlag(FLAGS_oracle_threads);
  const int latency_ms = absl::GetFlag(FLAGS_oracle_latency_ms);
  if (oracle_threads < 1) Fail(kProgram, absl::InvalidArgumentError("--oracle_threads must be >= 1"));
  if (latency_ms < 0) Fail(kProgram, absl::InvalidArgumentError("--oracle_latency_ms must be >= 0"));
  if (absl::GetFlag(FLAGS_max_in_flight) < 1 ||
      absl::GetFlag(FLAGS_max_queue) < absl::GetFlag(FLAGS_max_in_flight)) {
    Fail(kProgram, absl::InvalidArgumentError(
                       "need 1 <= --max_in_flight <= --max_queue"));
  }
  const int actor_id = absl::GetFlag(FLAGS_actor_id);
  auto security = SecurityFromFlags(/*serves=*/false);
  if (!security.ok()) Fail(kProgram, security.status());

  const double oracle_timeout_s = absl::GetFlag(FLAGS_oracle_timeout_s);
  if (!(oracle_timeout_s > 0) || !std::isfinite(oracle_timeout_s)) {
    Fail(kProgram, absl::InvalidArgumentError("--oracle_timeout_s must be > 0"));
  }
  std::unique_ptr<EnergyOracle> base;
  RemoteOracle* remote = nullptr;  // base, when energies come from a service
  if (!absl::GetFlag(FLAGS_oracle_address).empty()) {
    auto service = std::make_unique<RemoteOracle>(
        absl::GetFlag(FLAGS_oracle_address), (*task)->name(), *security,
        absl::Seconds(oracle_timeout_s));
    remote = service.get();
    base = std::move(service);
  } else {
    // --molecule_energy=docking without a server: this actor docks itself.
    absl::StatusOr<std::unique_ptr<DockingOracle>> docking =
        DockingOracleFromFlags(**task);
    if (!docking.ok()) Fail(kProgram, docking.status());
    if (*docking != nullptr) {
      base = *std::move(docking);
    } else {
      base = std::make_unique<TaskEnergyOracle>(**task, absl::Milliseconds(latency_ms));
    }
  }
  ConcurrentOracle concurrent(*base, oracle_threads);
  auto metrics = MetricsEndpoint::Start(absl::GetFlag(FLAGS_metrics_address),
                                       absl::GetFlag(FLAGS_metrics_port));
  if (!metrics.ok()) Fail(kProgram, metrics.status());
  ActorMetrics actor_metrics((*metrics)->registry(), (*task)->name(), actor_id);
  MeteredOracle oracle(concurrent, [&actor_metrics](int64_t n, absl::Duration took) {
    actor_metrics.ObserveOracleCall(n, took);
  });

  PolicyWatcherOptions wopts;
  wopts.address = absl::GetFlag(FLAGS_learner_address);
  wopts.security = *security;
  wopts.on_version = [](const std::shared_ptr<const PolicyWeights>& w) {
    LogInfo("received policy version %d", w->version);
  };
  PolicyWatcher watcher(wopts);
  ReplayWriterOptions ropts;
  ropts.address = absl::GetFlag(FLAGS_replay_address);
  ropts.task = (*task)->name();
  ropts.max_in_flight = absl::GetFlag(FLAGS_max_in_flight);
  ropts.max_queue = absl::GetFlag(FLAGS_max_queue);
  ropts.security = *security;
  ReplayWriter writer(ropts);

  std::atomic<bool> stop{false};
  const ShutdownSignal::Registration on_signal =
      signal.OnSignal([&] {
        stop = true;
        if (remote != nullptr) remote->Cancel();  // a batch waiting on it ends
      });
  LogInfo("waiting for the first policy version from %s", wopts.address);
  while (!stop && watcher.WaitForVersion(1, absl::Milliseconds(200)) == nullptr) {
    // Wrong credentials never fix themselves: stop instead of waiting.
    const absl::Status last = watcher.Stats().last_stream_status;
    if (absl::IsUnauthenticated(last)) {
      Fail(kProgram, absl::UnauthenticatedError(absl::StrCat(
                         "learner refused the credentials: ", last.message())));
    }
  }

  const TrainerOptions& t = options->trainer;
  PolicyNet policy(
      PolicyNetOptionsFor(**task, t.hidden, t.layers, t.policy_architecture));
  SamplerOptions sopts;
  sopts.batch_size = options->batch_size;
  sopts.epsilon = options->epsilon;
  sopts.temperature = options->temperature;
  sopts.partial_energies = UsesPartialEnergies(t.objective);
  sopts.max_abs_energy = t.max_abs_energy;
  sopts.seed = ActorSeed(t.seed, actor_id);
  sopts.actor_id = actor_id;
  Sampler sampler(**task, policy, oracle, sopts);
  ActorLoop loop(policy, sampler, watcher, writer, options->batch_size);

  (*metrics)->RefreshEvery(absl::Seconds(1), [&] {
    actor_metrics.Refresh(loop.trajectories(), sampler.policy_version(),
                          sampler.dropped(EnergyProblem::kNonfinite),
                          sampler.dropped(EnergyProblem::kOutOfRange),
                          remote != nullptr ? remote->retries() : 0,
                          writer.counters(), watcher.Stats());
  });
  absl::Status result;
  absl::Notification done;
  const absl::Time started = absl::Now();
  std::thread runner([&] {
    if (!stop) result = loop.Run(stop);
    done.Notify();
  });
  const absl::Duration every = absl::Seconds(absl::GetFlag(FLAGS_status_every_s));
  absl::Time last = absl::Now();
  while (!done.WaitForNotificationWithTimeout(absl::Milliseconds(100))) {
    if (stop) break;
    if (absl::Now() - last >= every) {
      last = absl::Now();
      ReplayWriterCounters c = writer.counters();
      LogInfo("%d sampled, %d acked, %d queued, version %d", loop.trajectories(),
              c.acked, c.queued, sampler.policy_version());
    }
  }
  // Shutdown: let the current batch finish, deliver what is queued (bounded
  // waits: replay may be gone), then close.
  done.WaitForNotificationWithTimeout(absl::Seconds(2));
  if (absl::Status s = writer.Flush(absl::Seconds(1)); !s.ok()) {
    LogWarning("%s", s.message());
  }
  writer.Close();
  runner.join();
  watcher.Stop();
  // The refresher reads the loop, sampler, writer and watcher, which die
  // before the endpoint does.
  (*metrics)->StopRefresh();
  ReplayWriterCounters c = writer.counters();
  PolicyWatcherStats w = watcher.Stats();
  const double seconds = absl::ToDoubleSeconds(absl::Now() - started);
  LogInfo("%.1f trajectories/s over %.1f s",
          loop.trajectories() / std::max(seconds, 1e-9), seconds);
  LogInfo("stopped: %d sampled, %d acked (%d duplicates, %d rejected), %d "
          "unacknowledged, %d policy versions received, %d reconnects",
          loop.trajectories(), c.acked, c.duplicates, c.rejected, c.queued,
          w.versions_received, c.reconnects + w.reconnects);
  // A stop cancels a batch waiting on a remote oracle: not an error.
  if (!result.ok() && !(stop && absl::IsCancelled(result))) {
    LogError("%s", result.message());
    return 1;
  }
  return 0;
}

}  // namespace
}  // namespace ledgfn

int main(int argc, char** argv) {
  ledgfn::ShutdownSignal signal;
  ledgfn::ParseCommandLine(
      ledgfn::kProgram, argc, argv,
      "ledgfn_actor: samples trajectories with the learner's newest policy and "
      "streams them to the replay service.\n\n"
      "  ledgfn_actor --replay_address=replay:50051 "
      "--learner_address=learner:50052 --actor_id=1\n\n"
      "The task, objective and network flags must match the learner's.");
  // The id tells the actors' records apart where their logs are collected.
  ledgfn::SetLogRole(
      absl::StrCat(ledgfn::kProgram, "/", absl::GetFlag(FLAGS_actor_id)));
  return ledgfn::ActorMain(signal);
}
