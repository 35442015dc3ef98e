// `ledgfn_oracle`: the docking oracle (oracle/docking_oracle.h) as its own
// process, serving the Oracle gRPC service (oracle/oracle_service.h) that
// actors call with --oracle_address. Scale it apart from the actors: each
// server docks --docking_workers molecules at once, and several servers can
// sit behind one address.
//
//   ledgfn_oracle --task=molecule --molecule_data_dir=DIR
//       --address=0.0.0.0:50053 [--docking_cache=FILE] [--receptor=R --box=C]
//
// Logs "serving <task> docking on <host>:<port>" once up (after writing
// --port_file). SIGTERM or SIGINT stop it: the dockings under way are killed,
// the calls waiting on them fail with UNAVAILABLE (actors retry: nothing is
// answered with an energy that was not computed), and the process exits 0. A bad flag, a missing receptor, box
// or vina program prints one line and exits 2.
#include <chrono>
#include <memory>
#include <string>

#include "absl/flags/flag.h"
#include "common/log.h"
#include "launcher/cli.h"
#include "launcher/docking_flags.h"
#include "launcher/metrics_endpoint.h"
#include "launcher/oracle_metrics.h"
#include "launcher/security_flags.h"
#include "launcher/shutdown_signal.h"
#include "launcher/task_flags.h"
#include "launcher/training_flags.h"
#include "oracle/docking_oracle.h"
#include "oracle/oracle_service.h"
#include "proto/server_util.h"
#include "proto/token_checker.h"
#include "tasks/molecule/molecule_task.h"

ABSL_FLAG(int, metrics_port, 9094,
          "Serve Prometheus metrics on this port (0 = off).");
ABSL_FLAG(std::string, metrics_address, "0.0.0.0",
          "Interface the metrics endpoint binds to.");
ABSL_FLAG(std::string, address, "0.0.0.0:50053",
          "host:port to listen on; port 0 picks a free port (see --port_file).");
ABSL_FLAG(std::string, port_file, "",
          "If set, the bound port is written here (atomically) once serving.");
ABSL_FLAG(int, max_objects, 1024, "Most molecules one request may ask for.");

namespace ledgfn {

constexpr char kProgram[] = "ledgfn_oracle";

namespace {

int OracleMain(ShutdownSignal& signal) {
  absl::StatusOr<std::unique_ptr<Task>> task = TaskWithChemistryFromFlags();
  if (!task.ok()) Fail(kProgram, task.status());
  const auto* molecules = dynamic_cast<const MoleculeTask*>(task->get());
  if (molecules == nullptr) {
    Fail(kProgram, absl::InvalidArgumentError(
                       "ledgfn_oracle docks molecules: use --task=molecule"));
  }
  absl::StatusOr<DockingOptions> docking_options = DockingOptionsFromFlags();
  if (!docking_options.ok()) Fail(kProgram, docking_options.status());
  absl::StatusOr<std::unique_ptr<DockingOracle>> oracle =
      DockingOracle::Create(**task, *docking_options);
  if (!oracle.ok()) Fail(kProgram, oracle.status());
  absl::StatusOr<SecurityOptions> security = SecurityFromFlags(/*serves=*/true);
  if (!security.ok()) Fail(kProgram, security.status());
  auto auth = std::make_shared<TokenChecker>(security->token);
  const int max_objects = absl::GetFlag(FLAGS_max_objects);
  if (max_objects < 1) {
    Fail(kProgram, absl::InvalidArgumentError("--max_objects must be >= 1"));
  }

  auto metrics = MetricsEndpoint::Start(absl::GetFlag(FLAGS_metrics_address),
                                       absl::GetFlag(FLAGS_metrics_port));
  if (!metrics.ok()) Fail(kProgram, metrics.status());
  OracleMetrics oracle_metrics((*metrics)->registry(),
                               (*oracle)->options().workers);
  prometheus::Counter& unauthenticated =
      AddUnauthenticatedCounter((*metrics)->registry());
  (*oracle)->SetObserver(
      [&oracle_metrics](absl::Duration took) { oracle_metrics.ObserveDocking(took); });

  OracleServiceOptions service_options;
  service_options.task = (*task)->name();
  service_options.max_objects = max_objects;
  service_options.check_state = [molecules](const State& s) {
    return molecules->CheckState(s);
  };
  service_options.auth = auth;
  OracleServiceImpl service(**oracle, std::move(service_options));
  (*metrics)->RefreshEvery(absl::Seconds(1), [&] {
    oracle_metrics.Refresh((*oracle)->Stats(), service.counters());
    AdvanceCounter(unauthenticated, static_cast<double>(auth->rejected()));
  });

  const std::string address = absl::GetFlag(FLAGS_address);
  absl::StatusOr<RunningServer> running =
      StartServer(address, {&service}, *security);
  if (!running.ok()) Fail(kProgram, running.status());
  if (absl::Status s = WritePortFile(absl::GetFlag(FLAGS_port_file),
                                     running->port);
      !s.ok()) {
    running->server->Shutdown();
    Fail(kProgram, s);
  }
  const DockingOptions& o = (*oracle)->options();
  LogInfo("serving %s docking on %s:%d: receptor %s, %d worker(s), "
          "exhaustiveness %d, %lld cached molecule(s)",
          (*task)->name(), HostOf(address), running->port, o.receptor,
          o.workers, o.exhaustiveness,
          static_cast<long long>((*oracle)->Stats().cached_molecules));

  grpc::Server* server = running->server.get();
  DockingOracle* docking = oracle->get();
  // Destroyed first, before the server and oracle it uses.
  const ShutdownSignal::Registration on_signal = signal.OnSignal([server, docking] {
    LogInfo("shutting down");
    // Dockings under way are killed and their calls fail UNAVAILABLE (the
    // actors try again elsewhere or later), so the calls end at once.
    docking->Shutdown();
    server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(1));
  });
  server->Wait();
  (*metrics)->StopRefresh();  // it reads the service and the oracle
  const DockingStats stats = (*oracle)->Stats();
  const OracleServiceCounters counters = service.counters();
  LogInfo("stopped; %lld requests answered, %lld refused; %lld docked, %lld "
          "from the cache",
          static_cast<long long>(counters.requests),
          static_cast<long long>(counters.refused),
          static_cast<long long>(stats.docked),
          static_cast<long long>(stats.cache_hits));
  return 0;
}

}  // namespace
}  // namespace ledgfn

int main(int argc, char** argv) {
  ledgfn::ShutdownSignal signal;  // first: blocks the signals in all threads
  ledgfn::SetLogRole(ledgfn::kProgram);
  ledgfn::ParseCommandLine(
      ledgfn::kProgram, argc, argv,
      "ledgfn_oracle: serves molecule energies from AutoDock Vina docking "
      "over gRPC (the Oracle service actors call with --oracle_address).\n\n"
      "  ledgfn_oracle --task=molecule --molecule_data_dir=DIR "
      "--address=0.0.0.0:50053 [--docking_cache=FILE]");
  return ledgfn::OracleMain(signal);
}
