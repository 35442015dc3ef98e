// Policy broadcast latency (docs/performance.md "Policy broadcast"): the
// learner's PolicyServiceImpl over a WeightStore on a loopback gRPC server in
// this process, and 1 or 8 PolicyWatchers (each with its own channel, as
// actors run) in this process. Each iteration publishes a new version of a
// 1 MB or 10 MB weight vector (bytes / 4 floats) and measures publish ->
// every watcher's Latest() holds that version, complete and verified. 25
// publishes per setting, median and p90.
//
// Target: 1 MB to 8 watchers, median < 50 ms.
//
//   build/bench/broadcast_bench [--benchmark_filter=...]
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "actor/policy_client.h"
#include "bench/bench_summary.h"
#include "learner/policy_service.h"
#include "learner/weight_store.h"
#include "proto/server_util.h"

namespace ledgfn {
namespace {

constexpr int kPublishes = 25;

// The value at quantile q of `sorted` (nearest rank).
double Quantile(const std::vector<double>& sorted, double q) {
  const size_t rank = static_cast<size_t>(std::ceil(q * sorted.size()));
  return sorted[std::max<size_t>(rank, 1) - 1];
}

// Args: megabytes, watchers.
void BM_Broadcast(benchmark::State& state) {
  const int64_t floats = state.range(0) * (int64_t{1} << 20) / 4;
  const int num_watchers = static_cast<int>(state.range(1));
  WeightStore store;
  PolicyServiceImpl service(&store);
  auto server = StartServer("127.0.0.1:0", {&service});
  if (!server.ok()) return state.SkipWithError("StartServer failed");
  std::vector<std::unique_ptr<PolicyWatcher>> watchers;
  for (int i = 0; i < num_watchers; ++i) {
    PolicyWatcherOptions o;
    o.address = "127.0.0.1:" + std::to_string(server->port);
    // gRPC shares one connection among a process's channels with equal
    // arguments; actors are separate processes, each with its own. The
    // backoff is a channel argument, so distinct values give each watcher
    // its own connection, as in a deployment.
    o.initial_backoff = absl::Milliseconds(50 + i);
    watchers.push_back(std::make_unique<PolicyWatcher>(o));
  }
  // Publishes version `version` and waits for every watcher; seconds, or a
  // negative value if some watcher did not get it.
  auto broadcast = [&](int64_t version) {
    std::vector<float> values(static_cast<size_t>(floats),
                              static_cast<float>(version));
    const absl::Time start = absl::Now();
    store.Publish(std::move(values));
    for (auto& w : watchers) {
      if (w->WaitForVersion(version, absl::Seconds(30)) == nullptr) return -1.0;
    }
    return absl::ToDoubleSeconds(absl::Now() - start);
  };
  // Version 1 connects every watcher; not timed.
  if (broadcast(1) < 0) return state.SkipWithError("no first version");

  std::vector<double> latencies;
  int64_t version = 1;
  for (auto _ : state) {
    const double seconds = broadcast(++version);
    if (seconds < 0) return state.SkipWithError("a watcher missed a version");
    state.SetIterationTime(seconds);
    latencies.push_back(seconds * 1e3);
  }
  std::sort(latencies.begin(), latencies.end());
  state.counters["median_ms"] = Quantile(latencies, 0.5);
  state.counters["p90_ms"] = Quantile(latencies, 0.9);

  for (auto& w : watchers) w->Stop();
  service.Shutdown();
  store.Close();
  server->server->Shutdown();
}
BENCHMARK(BM_Broadcast)
    ->ArgNames({"mb", "watchers"})
    ->ArgsProduct({{1, 10}, {1, 8}})
    ->Iterations(kPublishes)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);

void Summarise(const BenchRuns& runs) {
  for (int mb : {1, 10}) {
    for (int watchers : {1, 8}) {
      const std::string setting =
          std::to_string(mb) + "MB_" + std::to_string(watchers) + "_watchers";
      const std::string run = "BM_Broadcast/mb:" + std::to_string(mb) +
                              "/watchers:" + std::to_string(watchers) +
                              "/iterations:" + std::to_string(kPublishes) +
                              "/manual_time";
      const double median = Counter(runs, run, "median_ms");
      if (mb == 1 && watchers == 8) {
        PrintSummary("policy_broadcast_" + setting + "_median", median, "ms",
                     "< 50", median < 50);
      } else {
        PrintSummary("policy_broadcast_" + setting + "_median", median, "ms");
      }
      PrintSummary("policy_broadcast_" + setting + "_p90",
                   Counter(runs, run, "p90_ms"), "ms");
    }
  }
}

}  // namespace
}  // namespace ledgfn

int main(int argc, char** argv) {
  return ledgfn::RunBenchmarks(argc, argv, ledgfn::Summarise);
}
