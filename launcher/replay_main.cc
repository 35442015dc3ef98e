// `ledgfn_replay`: the replay service as its own process (DESIGN §2.4, §4).
// The library takes ReplayServiceOptions; the task flags are shared
// (launcher/task_flags.h).
//
//   ledgfn_replay --task=bag --address=0.0.0.0:50051 --port_file=/tmp/port
//
// Logs (common/log.h) "serving <task> on <host>:<port>" on stderr once the
// server is up (after writing --port_file). SIGTERM or SIGINT shut it down
// gracefully: the rate limiter is cancelled (blocked inserts and samples
// return UNAVAILABLE at once), the server gets a short deadline for calls in
// flight, a final snapshot is written (with --durability), and the process
// exits 0 (1 if that snapshot failed). A bad flag or option, or a data
// directory it cannot recover from, prints one line and exits 2.
#include <chrono>
#include <cmath>
#include <memory>
#include <string>

#include "absl/flags/flag.h"
#include "common/log.h"
#include "launcher/cli.h"
#include "launcher/metrics_endpoint.h"
#include "launcher/replay_metrics.h"
#include "launcher/security_flags.h"
#include "launcher/shutdown_signal.h"
#include "launcher/task_flags.h"
#include "proto/server_util.h"
#include "proto/token_checker.h"
#include "replay/replay_service.h"

ABSL_FLAG(int, metrics_port, 9091,
          "Serve Prometheus metrics on this port (0 = off).");
ABSL_FLAG(std::string, metrics_address, "0.0.0.0",
          "Interface the metrics endpoint binds to.");
ABSL_FLAG(std::string, address, "0.0.0.0:50051",
          "host:port to listen on; port 0 picks a free port (see --port_file).");
ABSL_FLAG(std::string, port_file, "",
          "If set, the bound port is written here (atomically) once serving.");
// Table and rate limiter.
ABSL_FLAG(int64_t, capacity, 100000,
          "Trajectories held; the oldest is evicted beyond it. >= "
          "--min_size_to_sample.");
ABSL_FLAG(double, samples_per_insert, 1.0,
          "Rate limiter: FRESH samples per inserted trajectory (> 0).");
ABSL_FLAG(int64_t, min_size_to_sample, 256,
          "Rate limiter: FRESH samples wait until the table holds this many "
          "trajectories (>= 1).");
ABSL_FLAG(double, error_buffer, 256,
          "Rate limiter: allowed deviation from samples_per_insert (>= "
          "max(1, samples_per_insert)). Actors may run ahead of the learner "
          "by about min_size_to_sample + error_buffer trajectories; a FRESH "
          "sample may ask for up to 2 * error_buffer - samples_per_insert. "
          "FRESH batches are always full when it is <= samples_per_insert * "
          "min_size_to_sample.");
ABSL_FLAG(double, priority_alpha, 1.0,
          "PRIORITIZED sampling draws proportionally to exp(-alpha * E).");
ABSL_FLAG(bool, require_partial_energies, false,
          "Reject trajectories without partial energies (FL objectives).");
// Durability (docs/reliability.md).
ABSL_FLAG(std::string, durability, "none",
          "What survives a restart: none; snapshot (periodic snapshots: a "
          "crash loses inserts since the last one); wal (an insert is "
          "acknowledged only once it is in the write-ahead log on disk: a "
          "crash loses nothing acknowledged).");
ABSL_FLAG(std::string, data_dir, "",
          "Directory of snapshots and write-ahead log (required unless "
          "--durability=none); recovered from at start.");
ABSL_FLAG(double, snapshot_every_s, 60,
          "Seconds between snapshots (> 0); with wal they bound the log's "
          "size and the recovery time. A final snapshot is written on "
          "SIGTERM.");

namespace ledgfn {

constexpr char kProgram[] = "ledgfn_replay";

namespace {

absl::StatusOr<ReplayServiceOptions> OptionsFromFlags(const Task& task) {
  ReplayServiceOptions o;
  absl::StatusOr<double> bound = MaxAbsEnergyFromFlags(task);
  if (!bound.ok()) return bound.status();
  o.validation.max_abs_energy = *bound;
  absl::StatusOr<Durability> durability =
      ParseDurability(absl::GetFlag(FLAGS_durability));
  if (!durability.ok()) return durability.status();
  o.durability = *durability;
  o.data_dir = absl::GetFlag(FLAGS_data_dir);
  const double every = absl::GetFlag(FLAGS_snapshot_every_s);
  if (!(every > 0) || !std::isfinite(every)) {
    return absl::InvalidArgumentError("--snapshot_every_s must be > 0");
  }
  o.snapshot_every = absl::Seconds(every);
  o.table.capacity = absl::GetFlag(FLAGS_capacity);
  o.table.priority_alpha = absl::GetFlag(FLAGS_priority_alpha);
  o.limiter.samples_per_insert = absl::GetFlag(FLAGS_samples_per_insert);
  o.limiter.min_size_to_sample = absl::GetFlag(FLAGS_min_size_to_sample);
  o.limiter.error_buffer = absl::GetFlag(FLAGS_error_buffer);
  o.validation.require_partial_energies =
      absl::GetFlag(FLAGS_require_partial_energies);
  return o;
}

int ReplayMain(ShutdownSignal& signal) {
  absl::StatusOr<std::unique_ptr<Task>> task = TaskFromFlags();
  if (!task.ok()) Fail(kProgram, task.status());
  absl::StatusOr<SecurityOptions> security = SecurityFromFlags(/*serves=*/true);
  if (!security.ok()) Fail(kProgram, security.status());
  auto auth = std::make_shared<TokenChecker>(security->token);
  absl::StatusOr<ReplayServiceOptions> options = OptionsFromFlags(**task);
  if (!options.ok()) Fail(kProgram, options.status());
  options->auth = auth;
  absl::StatusOr<std::unique_ptr<ReplayServiceImpl>> service =
      ReplayServiceImpl::Create(**task, *options);
  if (!service.ok()) Fail(kProgram, service.status());
  if (options->durability != Durability::kNone) {
    LogInfo("durability %s in %s; recovered %s",
            DurabilityName(options->durability), options->data_dir,
            (*service)->recovery().Summary());
  }

  auto metrics = MetricsEndpoint::Start(absl::GetFlag(FLAGS_metrics_address),
                                       absl::GetFlag(FLAGS_metrics_port));
  if (!metrics.ok()) Fail(kProgram, metrics.status());
  ReplayMetrics replay_metrics((*metrics)->registry());
  prometheus::Counter& unauthenticated =
      AddUnauthenticatedCounter((*metrics)->registry());
  ReplayServiceImpl* service_ptr = service->get();
  (*metrics)->RefreshEvery(absl::Seconds(1), [&, service_ptr] {
    replay_metrics.Refresh(service_ptr->Info());
    AdvanceCounter(unauthenticated, static_cast<double>(auth->rejected()));
  });

  const std::string address = absl::GetFlag(FLAGS_address);
  absl::StatusOr<RunningServer> running =
      StartServer(address, {service->get()}, *security);
  if (!running.ok()) Fail(kProgram, running.status());
  if (absl::Status s = WritePortFile(absl::GetFlag(FLAGS_port_file),
                                     running->port);
      !s.ok()) {
    running->server->Shutdown();
    Fail(kProgram, s);
  }
  LogInfo("serving %s on %s:%d", (*task)->name(), HostOf(address),
          running->port);

  grpc::Server* server = running->server.get();
  ReplayServiceImpl* impl = service->get();
  // Destroyed first, before the server and service it uses.
  const ShutdownSignal::Registration on_signal = signal.OnSignal([server, impl] {
    LogInfo("shutting down");
    // Wake handlers blocked on the rate limiter first, then give calls in
    // flight a short grace period; after it gRPC cancels them.
    impl->Shutdown();
    server->Shutdown(std::chrono::system_clock::now() +
                     std::chrono::seconds(1));
  });
  server->Wait();
  (*metrics)->StopRefresh();  // it reads replay_metrics, which dies first
  // Final snapshot and log close: nothing acknowledged is lost on a
  // graceful exit, whatever the durability mode.
  int exit_code = 0;
  if (absl::Status s = impl->Close(); !s.ok()) {
    LogError("%s", s.message());
    exit_code = 1;
  }
  const ReplayServiceInfo info = impl->Info();
  LogInfo("stopped; inserted %d, duplicates %d, rejected %d, sampled %d",
          info.inserted, info.duplicates, info.rejected, info.sampled);
  return exit_code;
}

}  // namespace
}  // namespace ledgfn

int main(int argc, char** argv) {
  ledgfn::ShutdownSignal signal;  // first: blocks the signals in all threads
  ledgfn::SetLogRole(ledgfn::kProgram);
  ledgfn::ParseCommandLine(
      ledgfn::kProgram, argc, argv,
      "ledgfn_replay: serves the replay table over gRPC.\n\n"
      "  ledgfn_replay --task=bag --address=0.0.0.0:50051 [--port_file=F]");
  return ledgfn::ReplayMain(signal);
}
