// sEH proxy throughput (chem/seh_chemistry.h): reference molecules scored
// per second on ONE core (torch intra-op threads = 1) by
// SehChemistry::Scores at batch 1, 16, 32, 64 and 256 (assembly,
// featurisation and the float64 MPNN), and the gain of batching at the
// chemistry's own batch (32 over 1).
// Needs the sEH data (LEDGFN_SEH_DATA_DIR); without it the benchmarks report
// an error and the summary prints nan.
#include <benchmark/benchmark.h>

#include <memory>
#include <string>
#include <vector>

#include "bench/bench_summary.h"
#include "chem/seh_chemistry.h"
#include "model/compute_setup.h"
#include "tests/chem/seh_test_data.h"

namespace ledgfn {
namespace {

void BM_ProxyScores(benchmark::State& state) {
  ConfigureCompute(1);
  absl::StatusOr<std::unique_ptr<SehChemistry>> chemistry =
      SehChemistry::Create(SehDataDir());
  if (!chemistry.ok()) {
    state.SkipWithError(std::string(chemistry.status().message()).c_str());
    return;
  }
  std::vector<BlockGraph> molecules;
  for (const MoleculeInput& m : LoadReferenceMolecules()) {
    molecules.push_back(*m.blocks);
  }
  const size_t batch = static_cast<size_t>(state.range(0));
  size_t next = 0;
  int64_t scored = 0;
  for (auto _ : state) {
    std::vector<BlockGraph> chunk;
    for (size_t i = 0; i < batch; ++i) {
      chunk.push_back(molecules[next]);
      next = (next + 1) % molecules.size();
    }
    absl::StatusOr<std::vector<double>> scores = (*chemistry)->Scores(chunk);
    if (!scores.ok()) {
      state.SkipWithError(std::string(scores.status().message()).c_str());
      return;
    }
    benchmark::DoNotOptimize(scores->data());
    scored += static_cast<int64_t>(batch);
  }
  state.counters["molecules_per_s"] =
      benchmark::Counter(static_cast<double>(scored), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_ProxyScores)->Arg(1)->Arg(16)->Arg(32)->Arg(64)->Arg(256)->Unit(benchmark::kMillisecond)
    ->UseRealTime();

void Summarise(const BenchRuns& runs) {
  const int batches[] = {1, 16, 32, 64, 256};
  double rate[5];
  for (int i = 0; i < 5; ++i) {
    rate[i] = Counter(runs,
                      "BM_ProxyScores/" + std::to_string(batches[i]) + "/real_time",
                      "molecules_per_s");
    PrintSummary("sEH proxy batch " + std::to_string(batches[i]) +
                     " (molecules/s per core)",
                 rate[i], "mol/s");
  }
  // SehChemistry::kScoreBatch (32) against one molecule per call.
  PrintSummary("sEH proxy batch 32 / batch 1", rate[2] / rate[0], "x");
}

}  // namespace
}  // namespace ledgfn

int main(int argc, char** argv) {
  return ledgfn::RunBenchmarks(argc, argv, ledgfn::Summarise);
}
