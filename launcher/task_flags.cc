// Flags that select the task, shared by every ledgfn program.
#include "launcher/task_flags.h"

#include <string>

#include "absl/flags/flag.h"

ABSL_FLAG(std::string, task, "bag", "Task: bag, hypergrid or set.");
ABSL_FLAG(int, hypergrid_dim, 4, "hypergrid: number of dimensions D.");
ABSL_FLAG(int, hypergrid_side, 8, "hypergrid: side length H.");
ABSL_FLAG(double, hypergrid_r0, 0.1, "hypergrid: base reward R0.");
ABSL_FLAG(double, hypergrid_r1, 0.5, "hypergrid: reward R1 (outer ring).");
ABSL_FLAG(double, hypergrid_r2, 2.0, "hypergrid: reward R2 (mode cells).");
ABSL_FLAG(std::string, set_size, "small", "set: small, medium or large.");
ABSL_FLAG(std::string, bag_modes_file, "",
          "bag: file with one 13-letter bag (letters a-g) per line to use as "
          "the modes instead of the seeded hash.");

namespace ledgfn {

absl::StatusOr<std::unique_ptr<Task>> TaskFromFlags() {
  TaskOptions o;
  o.name = absl::GetFlag(FLAGS_task);
  o.hypergrid_dim = absl::GetFlag(FLAGS_hypergrid_dim);
  o.hypergrid_side = absl::GetFlag(FLAGS_hypergrid_side);
  o.hypergrid_r0 = absl::GetFlag(FLAGS_hypergrid_r0);
  o.hypergrid_r1 = absl::GetFlag(FLAGS_hypergrid_r1);
  o.hypergrid_r2 = absl::GetFlag(FLAGS_hypergrid_r2);
  o.set_size = absl::GetFlag(FLAGS_set_size);
  o.bag_modes_file = absl::GetFlag(FLAGS_bag_modes_file);
  return MakeTask(o);
}

}  // namespace ledgfn
