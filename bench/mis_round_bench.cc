// Where a learner round's time goes on MIS rb200-300 (issue 19), on ONE core:
// the GFlowNet-CombOpt round is 8 trajectories, one on each of 8 training
// graphs, sampled with the current policy, then trained on.
//   * BM_MisSample: sampling the round's 8 trajectories (batched: one GIN
//     forward per step over the union of the 8 graphs);
//   * BM_MisPolicyStep: the policy steps on those 8 (DB, FL-DB, LED-DB), with
//     the trajectories cut into `minibatch` trajectories per Adam step
//     (0 = one step on all 8; the protocol's 3 gives 3 steps of 3, 3, 2);
//   * BM_MisPotentialStep: one r_phi step on the 8 (LED-DB's extra cost);
//   * BM_MisNeighbourSum: GIN's neighbour sum alone, forward + backward, on
//     the union of a DB batch's states at the network's width, once per GIN
//     layer: the share of a step it accounts for;
//   * BM_MisGinLayer0: the first GIN layer alone (embedding, neighbour sum,
//     first Linear), forward + backward, on the same union.
// Trajectories come from a fixed pool sampled once by an untrained policy
// (with partial energies, so every objective can use them). Args of each:
// the GIN width (5 layers), and for steps the objective and minibatch.
// The SUMMARY lines give the seconds of a DB, FL-DB and LED-DB (N_phi 1)
// round at each width, and the neighbour sum's share of a DB step.
#include <benchmark/benchmark.h>
#include <torch/torch.h>

#include <cstdlib>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "actor/energy_oracle.h"
#include "actor/sampler.h"
#include "bench/bench_summary.h"
#include "learner/trainer.h"
#include "learner/trajectory_batch.h"
#include "model/compute_setup.h"
#include "model/gin.h"
#include "model/neighbour_sum.h"
#include "tasks/registry.h"

namespace ledgfn {
namespace {

constexpr int kRoundGraphs = 8;  // GFlowNet-CombOpt's graphs per rollout
constexpr int kPoolSize = 64;
constexpr int kLayers = 5;
const int kWidths[] = {64, 256};

struct Config {
  const char* label;
  Objective objective;
};
const Config kConfigs[] = {{"db", Objective::kDB},
                           {"fl-db", Objective::kFLDB},
                           {"led-db", Objective::kLEDDB}};

const Task& Mis() {
  static const Task* task = [] {
    TaskOptions options;
    options.name = "mis";
    auto made = MakeTask(options);
    if (!made.ok()) std::abort();  // the default family is valid
    return made->release();
  }();
  return *task;
}

PolicyNet MakePolicy(int hidden) {
  torch::manual_seed(0);
  return PolicyNet(PolicyNetOptionsFor(Mis(), hidden, kLayers));
}

SamplerOptions RoundSampling(bool partial_energies) {
  SamplerOptions options;
  options.batch_size = kRoundGraphs;
  options.partial_energies = partial_energies;
  return options;
}

// kPoolSize trajectories of an untrained 5x64 policy, sampled once.
const std::vector<TrajectoryRef>& Pool() {
  static const std::vector<TrajectoryRef>* pool = [] {
    PolicyNet policy = MakePolicy(64);
    TaskEnergyOracle oracle(Mis());
    Sampler sampler(Mis(), policy, oracle, RoundSampling(true));
    auto sampled = sampler.Sample(kPoolSize);
    if (!sampled.ok()) std::abort();  // a free oracle on a valid task
    auto* out = new std::vector<TrajectoryRef>;
    for (Trajectory& t : *sampled) {
      out->push_back(std::make_shared<const Trajectory>(std::move(t)));
    }
    return out;
  }();
  return *pool;
}

// The i-th round's 8 trajectories, cycling through the pool.
std::vector<TrajectoryRef> RoundBatch(int64_t i) {
  std::vector<TrajectoryRef> out;
  for (int k = 0; k < kRoundGraphs; ++k) {
    out.push_back(Pool()[(i * kRoundGraphs + k) % kPoolSize]);
  }
  return out;
}

std::unique_ptr<Trainer> MakeTrainer(Objective objective, int hidden,
                                     int minibatch) {
  TrainerOptions options;
  options.objective = objective;
  options.potential_steps = 1;
  options.hidden = hidden;
  options.layers = kLayers;
  options.grad_clip = 0;
  options.policy_minibatch = minibatch;
  auto trainer = Trainer::Create(Mis(), options);
  if (!trainer.ok()) std::abort();  // fixed, valid options
  return *std::move(trainer);
}

// Args: hidden.
void BM_MisSample(benchmark::State& state) {
  ConfigureCompute(1);
  PolicyNet policy = MakePolicy(static_cast<int>(state.range(0)));
  TaskEnergyOracle oracle(Mis());
  Sampler sampler(Mis(), policy, oracle, RoundSampling(false));
  int64_t transitions = 0;
  for (auto _ : state) {
    auto sampled = sampler.Sample(kRoundGraphs);
    if (!sampled.ok()) {
      state.SkipWithError(std::string(sampled.status().message()).c_str());
      return;
    }
    for (const Trajectory& t : *sampled) transitions += t.actions.size();
  }
  state.SetLabel(absl::StrCat("5x", state.range(0)));
  state.counters["transitions_per_round"] = static_cast<double>(transitions) /
                                            static_cast<double>(state.iterations());
}
BENCHMARK(BM_MisSample)->Arg(64)->Arg(256)->Unit(benchmark::kMillisecond)->UseRealTime();

// Args: config index, hidden, minibatch (trajectories per Adam step, 0 = all).
void BM_MisPolicyStep(benchmark::State& state) {
  ConfigureCompute(1);
  const Config& config = kConfigs[state.range(0)];
  const int minibatch = static_cast<int>(state.range(2));
  auto trainer = MakeTrainer(config.objective, static_cast<int>(state.range(1)),
                             minibatch);
  int64_t i = 0;
  for (auto _ : state) {
    auto loss = trainer->PolicySteps(RoundBatch(i++));
    if (!loss.ok()) {
      state.SkipWithError(std::string(loss.status().message()).c_str());
      return;
    }
  }
  state.SetLabel(absl::StrCat(config.label, " 5x", state.range(1), " minibatch ",
                              minibatch));
}
void PolicyStepArgs(benchmark::internal::Benchmark* b) {
  for (int hidden : kWidths) {
    for (int c = 0; c < 3; ++c) {
      for (int minibatch : {0, 3}) b->Args({c, hidden, minibatch});
    }
  }
}
BENCHMARK(BM_MisPolicyStep)->Apply(PolicyStepArgs)->Unit(benchmark::kMillisecond)->UseRealTime();

// Args: hidden.
void BM_MisPotentialStep(benchmark::State& state) {
  ConfigureCompute(1);
  auto trainer = MakeTrainer(Objective::kLEDDB, static_cast<int>(state.range(0)), 0);
  int64_t i = 0;
  for (auto _ : state) {
    auto loss = trainer->PotentialStep(RoundBatch(i++));
    if (!loss.ok()) {
      state.SkipWithError(std::string(loss.status().message()).c_str());
      return;
    }
  }
  state.SetLabel(absl::StrCat("5x", state.range(0)));
}
BENCHMARK(BM_MisPotentialStep)->Arg(64)->Arg(256)->Unit(benchmark::kMillisecond)->UseRealTime();

// The states of a DB batch of the round's 8 trajectories.
GraphBatch RoundStates() {
  std::vector<const Trajectory*> ptrs;
  for (const TrajectoryRef& t : RoundBatch(0)) ptrs.push_back(t.get());
  auto batch = BuildTrajectoryBatch(Mis(), ptrs, /*partial_energies=*/false,
                                    /*pinned=*/false,
                                    BatchInputs{/*states=*/true, /*transitions=*/false});
  if (!batch.ok()) std::abort();  // pool trajectories are valid
  return batch->states.graph;
}

// Args: hidden. One neighbour sum per GIN layer, forward and backward.
void BM_MisNeighbourSum(benchmark::State& state) {
  ConfigureCompute(1);
  const GraphBatch graph = RoundStates();
  torch::manual_seed(0);
  torch::Tensor h = torch::randn({graph.node_labels.size(0), state.range(0)})
                        .requires_grad_(true);
  for (auto _ : state) {
    for (int l = 0; l < kLayers; ++l) {
      NeighbourSum(h, graph).sum().backward();
    }
  }
  state.SetLabel(absl::StrCat("5x", state.range(0), ", ",
                              graph.node_labels.size(0), " nodes"));
}
BENCHMARK(BM_MisNeighbourSum)->Arg(64)->Arg(256)->Unit(benchmark::kMillisecond)->UseRealTime();

// Args: hidden. A one-layer GIN (the embedding, its neighbour sum and MLP).
void BM_MisGinLayer0(benchmark::State& state) {
  ConfigureCompute(1);
  const GraphBatch graph = RoundStates();
  torch::manual_seed(0);
  GinOptions options;
  options.hidden = state.range(0);
  options.layers = 1;
  Gin gin(options);
  for (auto _ : state) gin->forward(graph).sum().backward();
  state.SetLabel(absl::StrCat("5x", state.range(0)));
}
BENCHMARK(BM_MisGinLayer0)->Arg(64)->Arg(256)->Unit(benchmark::kMillisecond)->UseRealTime();

void Summarise(const BenchRuns& runs) {
  for (int hidden : kWidths) {
    const std::string w = absl::StrCat(hidden);
    const double sample =
        SecondsPerIteration(runs, absl::StrCat("BM_MisSample/", w, "/real_time"));
    const double potential =
        SecondsPerIteration(runs, absl::StrCat("BM_MisPotentialStep/", w, "/real_time"));
    for (int c = 0; c < 3; ++c) {
      const double step = SecondsPerIteration(
          runs, absl::StrCat("BM_MisPolicyStep/", c, "/", w, "/3/real_time"));
      const bool led = kConfigs[c].objective == Objective::kLEDDB;
      const double round = sample + step + (led ? potential : 0);
      PrintSummary(absl::StrCat("mis round (8 graphs, minibatch 3), ",
                                kConfigs[c].label, " 5x", w, " (s)"),
                   round, "s");
    }
    const double db_step = SecondsPerIteration(
        runs, absl::StrCat("BM_MisPolicyStep/0/", w, "/0/real_time"));
    const double sums =
        SecondsPerIteration(runs, absl::StrCat("BM_MisNeighbourSum/", w, "/real_time"));
    PrintSummary(absl::StrCat("mis neighbour sums / DB step, 5x", w), sums / db_step,
                 "ratio");
  }
}

}  // namespace
}  // namespace ledgfn

int main(int argc, char** argv) {
  return ledgfn::RunBenchmarks(argc, argv, ledgfn::Summarise);
}
