// Shared driver of the Google Benchmark binaries in bench/.
//
// Every benchmark binary runs its registered benchmarks through
// RunBenchmarks, which prints the usual console table and then hands each
// run's figures to `summarise`. `summarise` derives the figures the
// performance targets are about (rates, ratios of two runs measured in the
// same process, latencies) and prints each as one line
//
//   SUMMARY<TAB>metric<TAB>value<TAB>unit<TAB>target<TAB>verdict
//
// where verdict is "met", "MISSED", "-" (no target) or "not-run" (the value
// is NaN: its benchmark was filtered out or failed). scripts/bench.sh
// collects these lines from every benchmark into one table. Ratios, not
// absolute times, are what stays comparable on a shared, noisy machine.
#ifndef LEDGFN_BENCH_BENCH_SUMMARY_H_
#define LEDGFN_BENCH_BENCH_SUMMARY_H_

#include <functional>
#include <map>
#include <string>

#include "absl/strings/string_view.h"

namespace ledgfn {

// One benchmark run (the aggregate "_median" run when repetitions are used).
struct BenchRun {
  double seconds_per_iteration = 0;  // real time
  // The benchmark's user counters after Google Benchmark's finishing (rates
  // already divided by time).
  std::map<std::string, double> counters;
};
// Keyed by the full benchmark name, e.g. "BM_Sample/bag/256".
using BenchRuns = std::map<std::string, BenchRun>;

// Runs the benchmarks selected by argv (--benchmark_filter etc.), then
// `summarise(runs)`. Returns the process exit status.
int RunBenchmarks(int argc, char** argv,
                  const std::function<void(const BenchRuns&)>& summarise);

// Looks up one run's counter or time; NaN (and a note on stderr) when the run
// was filtered out, so a partial run prints "nan" rather than failing.
double Counter(const BenchRuns& runs, const std::string& name,
               const std::string& counter);
double SecondsPerIteration(const BenchRuns& runs, const std::string& name);

// Prints one SUMMARY line. `target` is free text such as ">= 20000"; empty
// means no target (verdict "-"); otherwise `met` gives the verdict.
void PrintSummary(absl::string_view metric, double value,
                  absl::string_view unit, absl::string_view target = "",
                  bool met = true);

// Resident set size of this process now and at its peak, in bytes, from
// /proc/self/status (0 where unavailable).
int64_t CurrentRssBytes();
int64_t PeakRssBytes();

}  // namespace ledgfn

#endif  // LEDGFN_BENCH_BENCH_SUMMARY_H_
