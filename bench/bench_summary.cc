#include "bench/bench_summary.h"

#include <benchmark/benchmark.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <limits>
#include <sstream>
#include <vector>

#include "absl/strings/str_format.h"

namespace ledgfn {
namespace {

// The console reporter, also recording every run it prints.
class RecordingReporter : public benchmark::ConsoleReporter {
 public:
  // Colours only on a terminal: files and pipes (scripts/bench.sh) get
  // plain text, so SUMMARY lines start their line.
  explicit RecordingReporter(BenchRuns* runs)
      : benchmark::ConsoleReporter(isatty(STDOUT_FILENO) ? OO_ColorTabular : OO_Tabular),
        runs_(runs) {}

  void ReportRuns(const std::vector<Run>& reports) override {
    benchmark::ConsoleReporter::ReportRuns(reports);
    for (const Run& run : reports) {
      if (run.error_occurred) continue;
      // With repetitions keep the median only; without, the single run.
      const bool aggregate = run.run_type == Run::RT_Aggregate;
      if (aggregate && run.aggregate_name != "median") continue;
      BenchRun& out = (*runs_)[run.run_name.str()];
      if (!aggregate && out.seconds_per_iteration > 0) continue;
      // Adjusted times are in the run's unit; the multiplier is units per second.
      out.seconds_per_iteration = run.GetAdjustedRealTime() /
                                  benchmark::GetTimeUnitMultiplier(run.time_unit);
      for (const auto& [name, counter] : run.counters) {
        out.counters[name] = counter.value;
      }
    }
  }

 private:
  BenchRuns* runs_;
};

int64_t StatusField(const char* field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  const std::string prefix = std::string(field) + ":";
  while (std::getline(in, line)) {
    if (line.rfind(prefix, 0) != 0) continue;
    std::istringstream value(line.substr(prefix.size()));
    int64_t kib = 0;
    value >> kib;
    return kib * 1024;
  }
  return 0;
}

// Four significant digits without switching large rates to exponents.
std::string FormatValue(double value) {
  if (std::isfinite(value) && std::fabs(value) >= 1e4) {
    return absl::StrFormat("%.0f", value);
  }
  return absl::StrFormat("%.4g", value);
}

}  // namespace

int RunBenchmarks(int argc, char** argv,
                  const std::function<void(const BenchRuns&)>& summarise) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  BenchRuns runs;
  RecordingReporter reporter(&runs);
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  summarise(runs);
  std::fflush(stdout);
  return 0;
}

double Counter(const BenchRuns& runs, const std::string& name,
               const std::string& counter) {
  auto it = runs.find(name);
  if (it == runs.end() || !it->second.counters.count(counter)) {
    std::fprintf(stderr, "bench: no counter %s of %s (filtered out?)\n",
                 counter.c_str(), name.c_str());
    return std::numeric_limits<double>::quiet_NaN();
  }
  return it->second.counters.at(counter);
}

double SecondsPerIteration(const BenchRuns& runs, const std::string& name) {
  auto it = runs.find(name);
  if (it == runs.end()) {
    std::fprintf(stderr, "bench: no run %s (filtered out?)\n", name.c_str());
    return std::numeric_limits<double>::quiet_NaN();
  }
  return it->second.seconds_per_iteration;
}

void PrintSummary(absl::string_view metric, double value,
                  absl::string_view unit, absl::string_view target, bool met) {
  // NaN: the run was filtered out or failed, so there is nothing to judge.
  const char* verdict = target.empty()          ? "-"
                        : !std::isfinite(value) ? "not-run"
                        : met                   ? "met"
                                                : "MISSED";
  std::printf("SUMMARY\t%s\t%s\t%s\t%s\t%s\n", std::string(metric).c_str(),
              FormatValue(value).c_str(), std::string(unit).c_str(),
              target.empty() ? "-" : std::string(target).c_str(), verdict);
}

int64_t CurrentRssBytes() { return StatusField("VmRSS"); }
int64_t PeakRssBytes() { return StatusField("VmHWM"); }

}  // namespace ledgfn
