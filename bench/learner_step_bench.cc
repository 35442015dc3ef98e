// The learner's costs on `bag` (learner/trainer.h), with batches drawn from a
// fixed pool of sampled trajectories so that only the learner is measured:
//   * BM_Round: one training round per objective (TB, DB, SubTB, FL-SubTB,
//     LED-SubTB with N_phi = 1 and 8): N_phi r_phi steps on `batch`
//     trajectories, then one policy step on `batch` fresh + `batch` replayed
//     ones, as the embedded run does;
//   * BM_PolicyStep / BM_PotentialStep: one step of each kind alone;
//   * BM_Gemm: the BLAS bound, a square float GEMM on one thread.
// The paper's settings: batch 32 (+32), 2 hidden layers of 16, SubTB lambda
// 0.99; rounds also at width 256, where the networks are compute-bound and
// the summary says how close the learner gets to the GEMM rate.
//
// Flags of this binary, read before Google Benchmark's own:
//   --device=cpu|cuda  where the learner's networks, optimizers and batches
//                      live (default cpu). On CUDA every timed iteration ends
//                      with a device synchronisation, so times are real.
//   --threads=N        compute threads (LibTorch and OpenBLAS,
//                      model/compute_setup.h); default 1.
//   --batch_sweep      also time a round of every objective at batch 256 and
//                      4096 (+ as many replayed), 2x256, next to batch 32,
//                      and print one SUMMARY line per objective and batch.
//                      Off by default: at 4096 a CPU round takes seconds.
#include <benchmark/benchmark.h>
#include <torch/torch.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "actor/energy_oracle.h"
#include "actor/sampler.h"
#include "bench/bench_summary.h"
#include "tasks/bag/bag_task.h"
#include "model/compute_setup.h"
#include "learner/trainer.h"

namespace ledgfn {
namespace {

constexpr int kPoolSize = 4096;
constexpr int kLayers = 2;
constexpr double kLambda = 0.99;

// The six learner configurations of the issue: objective and N_phi.
struct Config {
  const char* label;
  Objective objective;
  int potential_steps;
};
const Config kConfigs[] = {
    {"tb", Objective::kTB, 0},          {"db", Objective::kDB, 0},
    {"subtb", Objective::kSubTB, 0},    {"fl-subtb", Objective::kFLSubTB, 0},
    {"led-subtb N1", Objective::kLEDSubTB, 1},
    {"led-subtb N8", Objective::kLEDSubTB, 8},
};
constexpr int kSubTB = 2, kLED1 = 4, kLED8 = 5;
constexpr int kNumConfigs = 6;
// The batch sweep's width and batches (--batch_sweep).
constexpr int kSweepHidden = 256;
constexpr int kSweepBatches[] = {32, 256, 4096};

// Set once by main() from its flags, before any benchmark runs.
struct BenchFlags {
  torch::Device device = torch::kCPU;
  int threads = 1;
  bool batch_sweep = false;
};
BenchFlags& Flags() {
  static BenchFlags flags;
  return flags;
}

// Ends a timed iteration: waits for the device's queued work, if any.
void WaitForDevice() {
  if (Flags().device.is_cuda()) torch::cuda::synchronize();
}

const BagTask& Bag() {
  static const BagTask* task = new BagTask();
  return *task;
}

// kPoolSize trajectories of an untrained 2x16 policy, with partial energies
// (so every objective can use them), sampled once.
const std::vector<TrajectoryRef>& Pool() {
  static const std::vector<TrajectoryRef>* pool = [] {
    torch::manual_seed(0);
    const Task& task = Bag();
    PolicyNet policy(PolicyNetOptionsFor(task, 16, kLayers));
    TaskEnergyOracle oracle(task);
    SamplerOptions options;
    options.batch_size = 256;
    options.epsilon = 0.05;
    options.partial_energies = true;
    Sampler sampler(task, policy, oracle, options);
    auto sampled = sampler.Sample(kPoolSize);
    if (!sampled.ok()) std::abort();  // a free oracle on a valid task cannot fail
    auto* out = new std::vector<TrajectoryRef>;
    for (Trajectory& t : *sampled) {
      out->push_back(std::make_shared<const Trajectory>(std::move(t)));
    }
    return out;
  }();
  return *pool;
}

// Uniform draws from the pool: `batch` for r_phi, 2 x `batch` for the policy.
class PoolSource : public TrajectorySource {
 public:
  explicit PoolSource(int batch) : batch_(batch) {}
  absl::StatusOr<std::vector<TrajectoryRef>> PolicyBatch() override {
    return Draw(2 * batch_);
  }
  absl::StatusOr<std::vector<TrajectoryRef>> PotentialBatch() override {
    return Draw(batch_);
  }
  std::vector<TrajectoryRef> Draw(int n) {
    std::uniform_int_distribution<int> pick(0, kPoolSize - 1);
    std::vector<TrajectoryRef> out;
    out.reserve(n);
    for (int i = 0; i < n; ++i) out.push_back(Pool()[pick(rng_)]);
    return out;
  }

 private:
  int batch_;
  std::mt19937_64 rng_{1};
};

std::unique_ptr<Trainer> MakeTrainer(const Config& config, int hidden) {
  TrainerOptions options;
  options.objective = config.objective;
  options.potential_steps = config.potential_steps;
  options.subtb_lambda = kLambda;
  options.hidden = hidden;
  options.layers = kLayers;
  options.device = Flags().device;
  auto trainer = Trainer::Create(Bag(), options);
  if (!trainer.ok()) std::abort();  // fixed, valid options
  return *std::move(trainer);
}

// Args: config index, batch, hidden.
void BM_Round(benchmark::State& state) {
  ConfigureCompute(Flags().threads);
  const Config& config = kConfigs[state.range(0)];
  const int batch = static_cast<int>(state.range(1));
  auto trainer = MakeTrainer(config, static_cast<int>(state.range(2)));
  PoolSource source(batch);
  // One untimed round: on CUDA the first one also pays for cuBLAS handles and
  // the caching allocator's first blocks.
  if (auto warm = trainer->Round(source); !warm.ok()) {
    state.SkipWithError(std::string(warm.status().message()).c_str());
    return;
  }
  WaitForDevice();
  for (auto _ : state) {
    auto stats = trainer->Round(source);
    if (!stats.ok()) {
      state.SkipWithError(std::string(stats.status().message()).c_str());
      return;
    }
    WaitForDevice();
  }
  state.SetLabel(absl::StrCat(config.label, " 2x", state.range(2)));
  state.counters["rounds_per_s"] =
      benchmark::Counter(state.iterations(), benchmark::Counter::kIsRate);
}

void RoundArgs(benchmark::internal::Benchmark* b) {
  for (int hidden : {16, 256}) {
    for (int c = 0; c < kNumConfigs; ++c) b->Args({c, 32, hidden});
  }
}

// The sweep's larger batches; batch 32 at 2x256 is among the rounds above.
void RegisterBatchSweep() {
  auto* b = benchmark::RegisterBenchmark("BM_Round", BM_Round);
  for (int batch : kSweepBatches) {
    if (batch == 32) continue;
    for (int c = 0; c < kNumConfigs; ++c) b->Args({c, batch, kSweepHidden});
  }
  b->Unit(benchmark::kMillisecond)->UseRealTime();
}
BENCHMARK(BM_Round)->Apply(RoundArgs)->Unit(benchmark::kMillisecond)->UseRealTime();

// Args: batch, hidden. The policy step sees 2 x batch trajectories (fresh +
// replayed), the r_phi step `batch`, as in a round. `step(trainer, source)`
// does one step of the kind timed.
template <typename Step>
void TimeSteps(benchmark::State& state, Step step) {
  ConfigureCompute(Flags().threads);
  auto trainer = MakeTrainer(kConfigs[kLED8], static_cast<int>(state.range(1)));
  PoolSource source(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    absl::StatusOr<double> loss = step(*trainer, source);
    if (!loss.ok()) state.SkipWithError(std::string(loss.status().message()).c_str());
    WaitForDevice();
  }
}

void BM_PolicyStep(benchmark::State& state) {
  TimeSteps(state, [](Trainer& trainer, PoolSource& source) {
    return trainer.PolicyStep(*source.PolicyBatch());
  });
}
BENCHMARK(BM_PolicyStep)->Args({32, 16})->Args({32, 256})->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_PotentialStep(benchmark::State& state) {
  TimeSteps(state, [](Trainer& trainer, PoolSource& source) {
    return trainer.PotentialStep(*source.PotentialBatch());
  });
}
BENCHMARK(BM_PotentialStep)->Args({32, 16})->Args({32, 256})->Unit(benchmark::kMillisecond)->UseRealTime();

// The pool's trajectories carrying the states a replay gives, as the
// learner's validation attaches them (common/trajectory.h).
const std::vector<TrajectoryRef>& CarryingPool() {
  static const std::vector<TrajectoryRef>* pool = [] {
    auto* out = new std::vector<TrajectoryRef>;
    for (const TrajectoryRef& r : Pool()) {
      auto t = std::make_shared<Trajectory>(*r);
      t->states = std::make_shared<const std::vector<State>>(*Bag().Replay(t->actions));
      out->push_back(std::move(t));
    }
    return out;
  }();
  return *pool;
}

// Turning trajectories into padded tensors (learner/trajectory_batch.h),
// which every step of either kind starts with. Args: trajectories; 1 if
// they carry their states (no replay), 0 if the builder replays them.
void BM_BuildBatch(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  const std::vector<TrajectoryRef>& pool = state.range(1) ? CarryingPool() : Pool();
  std::mt19937_64 rng(1);
  std::uniform_int_distribution<int> pick(0, kPoolSize - 1);
  for (auto _ : state) {
    std::vector<const Trajectory*> ptrs;
    for (int i = 0; i < n; ++i) ptrs.push_back(pool[pick(rng)].get());
    auto batch = BuildTrajectoryBatch(Bag(), ptrs, /*with_partial_energies=*/false);
    if (!batch.ok()) state.SkipWithError(std::string(batch.status().message()).c_str());
  }
}
BENCHMARK(BM_BuildBatch)
    ->ArgsProduct({{32, 64}, {0, 1}})
    ->ArgNames({"batch", "carried"})
    ->Unit(benchmark::kMicrosecond)
    ->UseRealTime();

void BM_Gemm(benchmark::State& state) {
  ConfigureCompute(1);  // the one-thread bound, whatever --threads
  const int64_t n = state.range(0);
  torch::Tensor a = torch::randn({n, n}), b = torch::randn({n, n});
  torch::Tensor c = torch::empty({n, n});
  for (auto _ : state) {
    torch::mm_out(c, a, b);
    benchmark::DoNotOptimize(c.data_ptr<float>());
  }
  state.SetLabel(BlasCoreName());
  state.counters["flops"] = benchmark::Counter(
      2.0 * n * n * n * state.iterations(), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_Gemm)->Arg(512)->Unit(benchmark::kMillisecond)->UseRealTime();

// Floating-point operations of training an MLP input -> hidden^layers ->
// output on `rows` rows: each Linear costs 2·in·out per row forward, as much
// for its weight gradient, and as much again for its input gradient except
// the first layer's (features need none).
double MlpTrainFlops(double rows, double input, double hidden, double output) {
  const double first = input * hidden, inner = (kLayers - 1) * hidden * hidden,
               last = hidden * output;
  return rows * (4 * first + 6 * inner + 6 * last);
}
double MlpForwardFlops(double rows, double input, double hidden, double output) {
  return rows * 2 * (input * hidden + (kLayers - 1) * hidden * hidden + hidden * output);
}

// Useful floating-point operations of one LED round with N_phi r_phi steps
// on bag: the policy on the states s_0..s_L of 2 x batch trajectories
// (L = 14 transitions, the stop included), r_phi's forward pass for their
// credits, and N_phi r_phi steps on the L transitions of `batch`.
double LedRoundFlops(int batch, int hidden, int potential_steps) {
  const Task& task = Bag();
  const double L = task.max_trajectory_length();
  const double f = task.feature_size();
  const double heads = task.num_forward_actions() + task.num_backward_actions() + 1;
  const double policy_step = MlpTrainFlops(2 * batch * (L + 1), f, hidden, heads) +
                             MlpForwardFlops(2 * batch * L, 2 * f, hidden, 1);
  const double potential_step = MlpTrainFlops(batch * L, 2 * f, hidden, 1);
  return policy_step + potential_steps * potential_step;
}

std::string RoundName(int config, int hidden, int batch = 32) {
  return absl::StrCat("BM_Round/", config, "/", batch, "/", hidden, "/real_time");
}

void Summarise(const BenchRuns& runs) {
  const double rounds = Counter(runs, RoundName(kLED8, 16), "rounds_per_s");
  PrintSummary("learner rounds/s, led-subtb N8, 32+32, 2x16", rounds, "rounds/s");
  for (int hidden : {16, 256}) {
    const double subtb = SecondsPerIteration(runs, RoundName(kSubTB, hidden));
    const double fl = SecondsPerIteration(runs, RoundName(3, hidden));
    PrintSummary(absl::StrFormat("round time led-subtb N1 / subtb, 2x%d", hidden),
                 SecondsPerIteration(runs, RoundName(kLED1, hidden)) / subtb, "x");
    PrintSummary(absl::StrFormat("round time led-subtb N8 / subtb, 2x%d", hidden),
                 SecondsPerIteration(runs, RoundName(kLED8, hidden)) / subtb, "x");
    PrintSummary(absl::StrFormat("round time fl-subtb / subtb, 2x%d", hidden), fl / subtb, "x");
    const double ratio =
        SecondsPerIteration(runs, absl::StrCat("BM_PotentialStep/32/", hidden, "/real_time")) /
        SecondsPerIteration(runs, absl::StrCat("BM_PolicyStep/32/", hidden, "/real_time"));
    PrintSummary(absl::StrFormat("one r_phi step / one policy step, 2x%d", hidden), ratio, "x",
                 "<= 1", ratio <= 1);
  }
  const double gemm = Counter(runs, "BM_Gemm/512/real_time", "flops");
  PrintSummary("GEMM 512, one thread", gemm / 1e9, "GFLOP/s");
  const double achieved = LedRoundFlops(32, 256, 8) /
                          SecondsPerIteration(runs, RoundName(kLED8, 256));
  PrintSummary("led-subtb N8 2x256 round, useful GFLOP/s", achieved / 1e9, "GFLOP/s");
  PrintSummary("led-subtb N8 2x256 round, fraction of the GEMM rate", achieved / gemm, "");
  if (!Flags().batch_sweep) return;
  // Named without the device, so that runs on two devices line up
  // (scripts/gpu-check.sh).
  for (int batch : kSweepBatches) {
    for (int c = 0; c < kNumConfigs; ++c) {
      PrintSummary(absl::StrFormat("round ms, %s, batch %d+%d, 2x%d", kConfigs[c].label,
                                   batch, batch, kSweepHidden),
                   1e3 * SecondsPerIteration(runs, RoundName(c, kSweepHidden, batch)), "ms");
    }
  }
}

// Takes this binary's flags out of argv (see the top of the file). Returns
// false, with a message, on a bad value.
bool ParseFlags(int* argc, char** argv) {
  int kept = 1;
  for (int i = 1; i < *argc; ++i) {
    const std::string arg = argv[i];
    if (arg.rfind("--device=", 0) == 0) {
      const std::string name = arg.substr(9);
      if (name == "cuda") {
        if (!torch::cuda::is_available()) {
          std::fprintf(stderr, "--device=cuda: this LibTorch sees no CUDA device\n");
          return false;
        }
        Flags().device = torch::kCUDA;
      } else if (name != "cpu") {
        std::fprintf(stderr, "--device must be cpu or cuda, got '%s'\n", name.c_str());
        return false;
      }
    } else if (arg.rfind("--threads=", 0) == 0) {
      Flags().threads = std::atoi(arg.c_str() + 10);
      if (Flags().threads < 1) {
        std::fprintf(stderr, "--threads must be >= 1, got '%s'\n", arg.c_str() + 10);
        return false;
      }
    } else if (arg == "--batch_sweep") {
      Flags().batch_sweep = true;
    } else {
      argv[kept++] = argv[i];
    }
  }
  *argc = kept;
  argv[kept] = nullptr;
  return true;
}

}  // namespace
}  // namespace ledgfn

int main(int argc, char** argv) {
  if (!ledgfn::ParseFlags(&argc, argv)) return 2;
  if (ledgfn::Flags().batch_sweep) ledgfn::RegisterBatchSweep();
  std::printf("learner_step_bench: device %s, %d compute thread(s)\n",
              ledgfn::Flags().device.str().c_str(), ledgfn::Flags().threads);
  return ledgfn::RunBenchmarks(argc, argv, ledgfn::Summarise);
}
