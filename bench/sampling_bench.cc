// Batched sampling throughput (actor/sampler.h) with a free oracle (the task's
// own energy): complete trajectories per second on ONE core (torch intra-op
// threads = 1), for each task at batch 32..1024.
//
// Networks: each task's default width (bag 2x128, hypergrid and set 2x256)
// and, for bag, the paper's reference 2x16. Target (docs/performance.md):
// bag, batch 256, >= 20,000 trajectories/s per core.
#include <benchmark/benchmark.h>
#include <torch/torch.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "actor/energy_oracle.h"
#include "actor/sampler.h"
#include "bench/bench_summary.h"
#include "model/compute_setup.h"
#include "tasks/registry.h"

namespace ledgfn {
namespace {

const char* const kTasks[] = {"bag", "hypergrid", "set"};

std::unique_ptr<Task> MakeNamedTask(const std::string& name) {
  TaskOptions options;
  options.name = name;
  auto task = MakeTask(options);
  if (!task.ok()) std::abort();  // the names above are all valid
  return *std::move(task);
}

// Args: task index, batch size, hidden width (0 = the task's default).
void BM_Sample(benchmark::State& state) {
  ConfigureCompute(1);
  auto task = MakeNamedTask(kTasks[state.range(0)]);
  const int batch = static_cast<int>(state.range(1));
  const int hidden =
      state.range(2) > 0 ? static_cast<int>(state.range(2)) : task->defaults().hidden;
  torch::manual_seed(0);
  PolicyNet policy(
      PolicyNetOptionsFor(*task, hidden, task->defaults().layers));
  TaskEnergyOracle oracle(*task);
  SamplerOptions options;
  options.batch_size = batch;
  options.epsilon = task->defaults().epsilon;
  Sampler sampler(*task, policy, oracle, options);
  int64_t trajectories = 0;
  int64_t transitions = 0;
  for (auto _ : state) {
    auto sampled = sampler.Sample(batch);
    if (!sampled.ok()) {
      state.SkipWithError(std::string(sampled.status().message()).c_str());
      return;
    }
    trajectories += static_cast<int64_t>(sampled->size());
    for (const Trajectory& t : *sampled) transitions += t.actions.size();
  }
  state.SetLabel(absl::StrCat(kTasks[state.range(0)], " 2x", hidden));
  state.counters["trajectories_per_s"] =
      benchmark::Counter(trajectories, benchmark::Counter::kIsRate);
  state.counters["transitions_per_s"] =
      benchmark::Counter(transitions, benchmark::Counter::kIsRate);
}

void SamplingArgs(benchmark::internal::Benchmark* b) {
  for (int task = 0; task < 3; ++task) {
    for (int batch : {32, 64, 128, 256, 512, 1024}) b->Args({task, batch, 0});
  }
  for (int batch : {32, 256, 1024}) b->Args({0, batch, 16});  // bag, paper's net
}
BENCHMARK(BM_Sample)->Apply(SamplingArgs)->Unit(benchmark::kMillisecond)->UseRealTime();

void Summarise(const BenchRuns& runs) {
  const double bag = Counter(runs, "BM_Sample/0/256/0/real_time",
                             "trajectories_per_s");
  PrintSummary("sampling bag batch 256, 2x128 (traj/s per core)", bag, "traj/s",
               ">= 20000", bag >= 20000);
  const double paper = Counter(runs, "BM_Sample/0/256/16/real_time",
                               "trajectories_per_s");
  PrintSummary("sampling bag batch 256, 2x16 (traj/s per core)", paper, "traj/s",
               ">= 20000", paper >= 20000);
  for (int task = 1; task < 3; ++task) {
    PrintSummary(absl::StrCat("sampling ", kTasks[task], " batch 256 (traj/s per core)"),
                 Counter(runs, absl::StrCat("BM_Sample/", task, "/256/0/real_time"),
                         "trajectories_per_s"),
                 "traj/s");
  }
}

}  // namespace
}  // namespace ledgfn

int main(int argc, char** argv) {
  return ledgfn::RunBenchmarks(argc, argv, ledgfn::Summarise);
}
