// Replay durability costs, measured in one run (docs/reliability.md):
// in-process inserts per second with --durability=none, snapshot and wal
// (8 writer threads, so the log's group commit is exercised), the time to
// write a snapshot, and the restart (recovery) time from a write-ahead log
// alone and from a snapshot, for N bag trajectories.
//
//   build/bench/replay_recovery_bench [N=100000] [DIR=/tmp/ledgfn_recovery_bench]
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/time/clock.h"
#include "tasks/registry.h"
#include "replay/replay_service.h"
#include "tests/replay/trajectory_fixtures.h"

namespace ledgfn {
namespace {

ReplayServiceOptions Options(Durability mode, const std::string& dir, int64_t n) {
  ReplayServiceOptions o;
  o.table.capacity = n;
  o.limiter.min_size_to_sample = 1;
  o.limiter.error_buffer = 1e12;  // inserts never wait
  o.durability = mode;
  o.data_dir = dir;
  o.snapshot_every = absl::InfiniteDuration();
  return o;
}

// Inserts n trajectories from `threads` writers; returns seconds.
double Fill(ReplayServiceImpl& service, const Task& task, int64_t n, int threads) {
  const absl::Time start = absl::Now();
  std::vector<std::thread> writers;
  for (int w = 0; w < threads; ++w) {
    writers.emplace_back([&, w] {
      proto::InsertRequest request;
      proto::InsertResponse response;
      for (int64_t s = w; s < n; s += threads) {
        *request.add_trajectories() = ValidTrajectory(task, s, /*actor=*/w);
        if (request.trajectories_size() == 64 || s + threads >= n) {
          response.Clear();
          if (!service.InsertRequestTrajectories(request, absl::InfiniteFuture(),
                                                 [] { return false; }, &response)
                   .ok()) {
            std::fprintf(stderr, "insert failed\n");
            std::exit(1);
          }
          request.Clear();
        }
      }
    });
  }
  for (auto& t : writers) t.join();
  return absl::ToDoubleSeconds(absl::Now() - start);
}

int Main(int argc, char** argv) {
  const int64_t n = argc > 1 ? std::atoll(argv[1]) : 100000;
  const std::string root = argc > 2 ? argv[2] : "/tmp/ledgfn_recovery_bench";
  TaskOptions task_options;
  task_options.name = "bag";
  auto task = MakeTask(task_options);
  if (!task.ok() || n < 1) return 2;
  std::printf("%lld bag trajectories, 8 writer threads, batches of 64\n",
              static_cast<long long>(n));
  for (Durability mode : {Durability::kNone, Durability::kSnapshot, Durability::kWal}) {
    const std::string dir = root + "/" + std::string(DurabilityName(mode));
    std::filesystem::remove_all(dir);
    double insert_s = 0, snapshot_s = 0, recovery_s = 0;
    int64_t recovered = 0;
    {
      auto service = ReplayServiceImpl::Create(**task, Options(mode, dir, n));
      if (!service.ok()) return 1;
      insert_s = Fill(**service, **task, n, 8);
      if (mode == Durability::kSnapshot) {
        const absl::Time start = absl::Now();
        if (!(*service)->WriteSnapshotNow().ok()) return 1;
        snapshot_s = absl::ToDoubleSeconds(absl::Now() - start);
      }
    }
    if (mode != Durability::kNone) {
      const absl::Time start = absl::Now();
      auto restarted = ReplayServiceImpl::Create(**task, Options(mode, dir, n));
      recovery_s = absl::ToDoubleSeconds(absl::Now() - start);
      if (!restarted.ok()) return 1;
      recovered = (*restarted)->Info().recovered;
    }
    std::printf("%-8s  %9.0f inserts/s", std::string(DurabilityName(mode)).c_str(),
                n / insert_s);
    if (mode == Durability::kSnapshot) std::printf("  snapshot written in %.2f s", snapshot_s);
    if (mode != Durability::kNone) {
      std::printf("  restart recovered %lld in %.2f s", static_cast<long long>(recovered),
                  recovery_s);
    }
    std::printf("\n");
    std::filesystem::remove_all(dir);
  }
  return 0;
}

}  // namespace
}  // namespace ledgfn

int main(int argc, char** argv) { return ledgfn::Main(argc, argv); }
