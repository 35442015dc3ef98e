// In-process replay costs, no gRPC (docs/performance.md "Replay table and
// memory"):
//   * Table throughput in items/s for Insert and for the four selectors
//     (SampleUniform, SampleNewestWindow, SamplePrioritized, TakeFresh), on a
//     table of kTableCapacity bag trajectories (7 letters, 13 actions + stop);
//   * the memory target: ReplayServiceImpl as `ledgfn_replay` holds it
//     (dedupe index, --capacity=1000000, --durability=none) filled with 1M
//     bag trajectories through its insert path (InsertRequestTrajectories,
//     the Insert handler's body, in requests of 64 as ReplayWriter sends
//     them), resident set measured before and after.
//
//   build/bench/replay_bench [--benchmark_filter=...]
#include <benchmark/benchmark.h>
#include <malloc.h>

#include <cstdint>
#include <memory>
#include <random>
#include <utility>
#include <vector>

#include "absl/time/time.h"
#include "bench/bench_summary.h"
#include "tasks/task.h"
#include "common/trajectory.h"
#include "proto/trajectory_codec.h"
#include "replay/replay_service.h"
#include "replay/table.h"
#include "tests/replay/trajectory_fixtures.h"

namespace ledgfn {
namespace {

constexpr int64_t kTableCapacity = 100000;
constexpr int kSampleBatch = 256;  // items per selector call
constexpr int64_t kMemoryTrajectories = 1000000;
constexpr int kInsertBatch = 64;  // ReplayWriterOptions::max_batch

// kTableCapacity distinct decoded bag trajectories, built once.
const std::vector<Trajectory>& Pool() {
  static const auto* pool = [] {
    auto* p = new std::vector<Trajectory>();
    p->reserve(kTableCapacity);
    for (int64_t s = 0; s < kTableCapacity; ++s) {
      p->push_back(DecodeTrajectory(ValidTrajectory(SharedBagTask(), s)));
    }
    return p;
  }();
  return *pool;
}

std::unique_ptr<Table> NewTable() {
  TableOptions options;
  options.capacity = kTableCapacity;
  return *Table::Create(options);
}

std::unique_ptr<Table> FullTable() {
  std::unique_ptr<Table> table = NewTable();
  for (const Trajectory& t : Pool()) table->Insert(t);
  return table;
}

// Steady state: the table is full, so every insert also evicts. The copy
// from the pool stands for the decode the service does per insert.
void BM_TableInsert(benchmark::State& state) {
  std::unique_ptr<Table> table = FullTable();
  const std::vector<Trajectory>& pool = Pool();
  size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(table->Insert(pool[i]));
    if (++i == pool.size()) i = 0;
  }
  state.counters["items_per_s"] =
      benchmark::Counter(state.iterations(), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_TableInsert)->UseRealTime();

// One selector call of kSampleBatch items per iteration on a full table.
template <typename Draw>
void RunSampler(benchmark::State& state, Draw draw) {
  std::unique_ptr<Table> table = FullTable();
  std::mt19937_64 rng(1);
  for (auto _ : state) {
    std::vector<Table::Item> items = draw(*table, rng);
    benchmark::DoNotOptimize(items.data());
  }
  state.counters["items_per_s"] = benchmark::Counter(
      state.iterations() * kSampleBatch, benchmark::Counter::kIsRate);
}

void BM_SampleUniform(benchmark::State& state) {
  RunSampler(state, [](Table& t, std::mt19937_64& rng) {
    return t.SampleUniform(kSampleBatch, rng);
  });
}
void BM_SampleNewestWindow(benchmark::State& state) {
  RunSampler(state, [](Table& t, std::mt19937_64& rng) {
    return t.SampleNewestWindow(kSampleBatch, kTableCapacity / 10, rng);
  });
}
void BM_SamplePrioritized(benchmark::State& state) {
  RunSampler(state, [](Table& t, std::mt19937_64& rng) {
    return t.SamplePrioritized(kSampleBatch, rng);
  });
}
BENCHMARK(BM_SampleUniform)->UseRealTime();
BENCHMARK(BM_SampleNewestWindow)->UseRealTime();
BENCHMARK(BM_SamplePrioritized)->UseRealTime();

// TakeFresh consumes: when nothing is fresh, the whole table is refilled
// outside the timed region (rarely, so pausing the clock costs little).
void BM_TakeFresh(benchmark::State& state) {
  std::unique_ptr<Table> table = FullTable();
  for (auto _ : state) {
    if (table->num_fresh() < kSampleBatch) {
      state.PauseTiming();
      for (const Trajectory& t : Pool()) table->Insert(t);
      state.ResumeTiming();
    }
    std::vector<Table::Item> items = table->TakeFresh(kSampleBatch);
    benchmark::DoNotOptimize(items.data());
  }
  state.counters["items_per_s"] = benchmark::Counter(
      state.iterations() * kSampleBatch, benchmark::Counter::kIsRate);
}
BENCHMARK(BM_TakeFresh)->UseRealTime();

// E(s_0)..E(s_{T'}) of `t`'s non-stop transitions, as the FL objectives'
// actors send them (replay/validation.h, check 6).
void AddPartialEnergies(proto::Trajectory* t) {
  const std::vector<State> states = *SharedBagTask().Replay(
      absl::MakeConstSpan(t->actions().data(), t->actions().size()));
  for (const State& state : states) {
    t->add_partial_energies(SharedBagTask().PartialEnergy(state));
  }
}

// The memory target. Requests are built one at a time, so the resident
// growth is what the service keeps (plus the allocator's retained slack).
// Arg: 1 adds the partial energies E(s_0)..E(s_13) that actors send for the
// FL objectives (no target; the target is about plain bag trajectories).
void BM_ServiceMemory(benchmark::State& state) {
  const bool partial_energies = state.range(0) != 0;
  for (auto _ : state) {
    ReplayServiceOptions options;  // ledgfn_replay's defaults otherwise
    options.table.capacity = kMemoryTrajectories;
    options.limiter.min_size_to_sample = 1;
    options.limiter.error_buffer = 1e12;  // inserts never wait
    options.durability = Durability::kNone;
    // Return what earlier benchmarks freed to the system first, or the
    // service would reuse those resident pages and look smaller.
    malloc_trim(0);
    const int64_t before = CurrentRssBytes();
    auto service = ReplayServiceImpl::Create(SharedBagTask(), options);
    if (!service.ok()) {
      state.SkipWithError("ReplayServiceImpl::Create failed");
      return;
    }
    // Actors numbered as in a run of 16 actors (one stream each).
    constexpr int kActors = 16;
    proto::InsertRequest request;
    proto::InsertResponse response;
    for (int64_t s = 0; s < kMemoryTrajectories; ++s) {
      proto::Trajectory* t = request.add_trajectories();
      *t = ValidTrajectory(SharedBagTask(), s / kActors,
                           /*actor=*/static_cast<int32_t>(s % kActors));
      if (partial_energies) AddPartialEnergies(t);
      if (request.trajectories_size() < kInsertBatch &&
          s + 1 < kMemoryTrajectories) {
        continue;
      }
      response.Clear();
      if (!(*service)
               ->InsertRequestTrajectories(request, absl::InfiniteFuture(),
                                           [] { return false; }, &response)
               .ok()) {
        state.SkipWithError("insert failed");
        return;
      }
      request.Clear();
    }
    const int64_t after = CurrentRssBytes();
    const int64_t stored = (*service)->Info().size;
    state.counters["stored"] = static_cast<double>(stored);
    state.counters["bytes_per_trajectory"] =
        static_cast<double>(after - before) / static_cast<double>(stored);
    state.counters["service_mb"] = static_cast<double>(after - before) / 1e6;
    state.counters["process_rss_mb"] = static_cast<double>(after) / 1e6;
  }
}
BENCHMARK(BM_ServiceMemory)
    ->ArgName("partial_energies")
    ->Arg(0)
    ->Arg(1)
    ->Iterations(1)
    ->Unit(benchmark::kSecond);

void Summarise(const BenchRuns& runs) {
  for (const char* name : {"BM_TableInsert", "BM_SampleUniform",
                           "BM_SampleNewestWindow", "BM_SamplePrioritized",
                           "BM_TakeFresh"}) {
    PrintSummary(std::string("replay_table_") + (name + 3) + "_items_per_s",
                 Counter(runs, std::string(name) + "/real_time", "items_per_s"),
                 "items/s");
  }
  const std::string memory = "BM_ServiceMemory/partial_energies:0/iterations:1";
  PrintSummary("replay_1M_bag_bytes_per_trajectory",
               Counter(runs, memory, "bytes_per_trajectory"), "bytes");
  const double service_mb = Counter(runs, memory, "service_mb");
  PrintSummary("replay_1M_bag_service_resident_mb", service_mb, "MB", "<= 300",
               service_mb <= 300);
  PrintSummary("replay_1M_bag_process_resident_mb",
               Counter(runs, memory, "process_rss_mb"), "MB");
  PrintSummary(
      "replay_1M_bag_with_partial_energies_service_resident_mb",
      Counter(runs, "BM_ServiceMemory/partial_energies:1/iterations:1",
              "service_mb"),
      "MB");
}

}  // namespace
}  // namespace ledgfn

int main(int argc, char** argv) {
  return ledgfn::RunBenchmarks(argc, argv, ledgfn::Summarise);
}
