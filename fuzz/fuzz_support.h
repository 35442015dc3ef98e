// What the fuzz targets (fuzz/*_fuzzer.cc) and the seed corpus tool share:
// the fixed, small task set inputs are checked against, invariant checks that
// abort (so libFuzzer records a crash with the input), and a sampler of
// valid trajectories for seeds. Torch-free, like everything under fuzz/.
#ifndef LEDGFN_FUZZ_FUZZ_SUPPORT_H_
#define LEDGFN_FUZZ_FUZZ_SUPPORT_H_

#include <cstdint>
#include <memory>
#include <random>
#include <vector>

#include "absl/strings/string_view.h"
#include "tasks/task.h"
#include "common/trajectory.h"

namespace ledgfn {

// hypergrid (dim 2, side 4), set (small) and bag with default modes: one
// task per implementation, each small enough for thousands of runs a second.
// Built once; never destroyed.
const std::vector<std::unique_ptr<Task>>& FuzzTasks();

// Prints `what` and aborts unless `ok`: an invariant of the code under test
// failed, which libFuzzer reports as a crash.
void FuzzCheck(bool ok, absl::string_view what);

// A legal trajectory of `task` drawn uniformly among unmasked actions at
// each step, with its terminal energy and, if `partial`, partial energies.
Trajectory SampleValidTrajectory(const Task& task, bool partial,
                                 std::mt19937_64& rng);

}  // namespace ledgfn

#endif  // LEDGFN_FUZZ_FUZZ_SUPPORT_H_
