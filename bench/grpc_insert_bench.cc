// Replay insert throughput over gRPC (docs/performance.md "Replay inserts
// over gRPC"): a real Replay server on 127.0.0.1 in this process, and 1 or 4
// writer threads inserting bag trajectories exactly as actors do, through a
// ReplayWriter each (its own channel) with ledgfn_actor's settings: Write()
// of the bag task's batch (32), --max_in_flight=64, --max_queue=128, 64
// trajectories per InsertRequest. The rate limiter never blocks (nothing
// samples). Trajectories are built before the clock starts (an actor
// samples them; that is not the replay path); the clock stops when every
// writer's Flush() saw all of its trajectories acknowledged. Median of 3
// runs per setting.
//
// Caveat: gRPC gives channels of one process with equal arguments one
// shared connection, so the 4 writers here multiplex one TCP connection,
// where 4 actor processes would open 4.
//
// Target: >= 100,000 trajectories/s with 4 writers (durability=none). Also
// reported: the 4-writer / 1-writer ratio and 4 writers with
// durability=wal (no target).
//
//   build/bench/grpc_insert_bench [--benchmark_filter=...]
#include <benchmark/benchmark.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "actor/replay_writer.h"
#include "bench/bench_summary.h"
#include "tasks/task.h"
#include "common/trajectory.h"
#include "proto/server_util.h"
#include "proto/trajectory_codec.h"
#include "replay/replay_service.h"
#include "tests/replay/trajectory_fixtures.h"

namespace ledgfn {
namespace {

constexpr int64_t kTrajectories = 400000;  // per setting, all writers
constexpr int kActorBatch = 32;            // bag's batch_size

// One writer's trajectories in Write() batches, numbered 0, 1, 2, ... as an
// actor incarnation numbers them.
std::vector<std::vector<Trajectory>> WriterBatches(int32_t actor, int64_t n) {
  // A few different objects, so the server does not see a single one.
  std::vector<Trajectory> objects;
  for (int v = 0; v < 7; ++v) {
    objects.push_back(
        DecodeTrajectory(ValidTrajectory(SharedBagTask(), v, actor)));
  }
  std::vector<std::vector<Trajectory>> batches;
  for (int64_t s = 0; s < n; ++s) {
    if (s % kActorBatch == 0) batches.emplace_back();
    Trajectory t = objects[s % objects.size()];
    t.sequence = static_cast<uint64_t>(s);
    batches.back().push_back(std::move(t));
  }
  return batches;
}

// This process's CPU seconds (all threads, user + system) and context
// switches so far: with client and server in one process, their cost per
// trajectory says what bounds the rate on a machine with few cores.
struct Usage {
  double cpu_seconds = 0;
  double context_switches = 0;
};
Usage ProcessUsage() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  const auto seconds = [](const timeval& t) {
    return t.tv_sec + t.tv_usec * 1e-6;
  };
  return {seconds(u.ru_utime) + seconds(u.ru_stime),
          static_cast<double>(u.ru_nvcsw + u.ru_nivcsw)};
}

// Args: writer threads, wal (1: durability=wal, 0: none).
void BM_GrpcInsert(benchmark::State& state) {
  const int writers = static_cast<int>(state.range(0));
  const Durability durability =
      state.range(1) != 0 ? Durability::kWal : Durability::kNone;
  const std::string dir = "/tmp/ledgfn_grpc_insert_bench." +
                          std::to_string(static_cast<long>(::getpid()));
  for (auto _ : state) {
    ReplayServiceOptions options;
    options.table.capacity = 100000;  // ledgfn_replay's default
    options.limiter.min_size_to_sample = 1;
    options.limiter.error_buffer = 1e12;  // inserts never wait
    options.durability = durability;
    options.snapshot_every = absl::InfiniteDuration();
    if (durability != Durability::kNone) {
      std::filesystem::remove_all(dir);
      options.data_dir = dir;
    }
    auto service = ReplayServiceImpl::Create(SharedBagTask(), options);
    if (!service.ok()) return state.SkipWithError("service Create failed");
    auto server = StartServer("127.0.0.1:0", {service->get()});
    if (!server.ok()) return state.SkipWithError("StartServer failed");

    const int64_t per_writer = kTrajectories / writers;
    std::vector<std::vector<std::vector<Trajectory>>> work;
    std::vector<std::unique_ptr<ReplayWriter>> clients;
    for (int w = 0; w < writers; ++w) {
      work.push_back(WriterBatches(w, per_writer));
      ReplayWriterOptions o;  // ledgfn_actor's flag defaults
      o.address = "127.0.0.1:" + std::to_string(server->port);
      o.task = SharedBagTask().name();
      o.max_in_flight = 64;
      o.max_queue = 128;
      clients.push_back(std::make_unique<ReplayWriter>(o));
    }

    std::vector<absl::Status> results(writers);
    const Usage usage_before = ProcessUsage();
    const absl::Time start = absl::Now();
    std::vector<std::thread> threads;
    for (int w = 0; w < writers; ++w) {
      threads.emplace_back([&, w] {
        for (std::vector<Trajectory>& batch : work[w]) {
          if (absl::Status s = clients[w]->Write(std::move(batch)); !s.ok()) {
            results[w] = s;
            return;
          }
        }
        results[w] = clients[w]->Flush(absl::Seconds(120));
      });
    }
    for (std::thread& t : threads) t.join();
    const double seconds = absl::ToDoubleSeconds(absl::Now() - start);
    const Usage usage_after = ProcessUsage();
    state.SetIterationTime(seconds);

    const int64_t inserted = (*service)->Info().inserted;
    clients.clear();
    (*service)->Shutdown();
    server->server->Shutdown();
    for (const absl::Status& s : results) {
      if (!s.ok()) return state.SkipWithError(s.ToString().c_str());
    }
    if (inserted != per_writer * writers) {
      return state.SkipWithError("not every trajectory was stored");
    }
    const double n = static_cast<double>(inserted);
    state.counters["trajectories_per_s"] = n / seconds;
    state.counters["cpu_us_per_traj"] =
        (usage_after.cpu_seconds - usage_before.cpu_seconds) * 1e6 / n;
    state.counters["ctx_switches_per_traj"] =
        (usage_after.context_switches - usage_before.context_switches) / n;
  }
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_GrpcInsert)
    ->ArgNames({"writers", "wal"})
    ->Args({1, 0})
    ->Args({4, 0})
    ->Args({4, 1})
    ->Iterations(1)
    ->Repetitions(3)
    ->UseManualTime()
    ->Unit(benchmark::kSecond);

void Summarise(const BenchRuns& runs) {
  const auto rate = [&](int writers, int wal) {
    return Counter(runs,
                   "BM_GrpcInsert/writers:" + std::to_string(writers) +
                       "/wal:" + std::to_string(wal) +
                       "/iterations:1/repeats:3/manual_time",
                   "trajectories_per_s");
  };
  const double one = rate(1, 0);
  const double four = rate(4, 0);
  PrintSummary("replay_grpc_insert_1_writer", one, "trajectories/s");
  PrintSummary("replay_grpc_insert_4_writers", four, "trajectories/s",
               ">= 100000", four >= 100000);
  PrintSummary("replay_grpc_insert_4_writers_over_1", four / one, "x");
  PrintSummary("replay_grpc_insert_4_writers_wal", rate(4, 1),
               "trajectories/s");
}

}  // namespace
}  // namespace ledgfn

int main(int argc, char** argv) {
  return ledgfn::RunBenchmarks(argc, argv, ledgfn::Summarise);
}
