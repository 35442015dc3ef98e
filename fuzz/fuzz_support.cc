#include "fuzz/fuzz_support.h"
#include "tasks/registry.h"

#include <cstdio>
#include <cstdlib>
#include <string>

namespace ledgfn {

const std::vector<std::unique_ptr<Task>>& FuzzTasks() {
  static const auto* tasks = [] {
    auto* out = new std::vector<std::unique_ptr<Task>>();
    TaskOptions grid;
    grid.name = "hypergrid";
    grid.hypergrid_dim = 2;
    grid.hypergrid_side = 4;
    TaskOptions set;
    set.name = "set";
    set.set_size = "small";
    TaskOptions bag;
    bag.name = "bag";
    for (const TaskOptions& options : {grid, set, bag}) {
      absl::StatusOr<std::unique_ptr<Task>> task = MakeTask(options);
      FuzzCheck(task.ok(), "MakeTask for the fuzz task set");
      out->push_back(*std::move(task));
    }
    return out;
  }();
  return *tasks;
}

void FuzzCheck(bool ok, absl::string_view what) {
  if (ok) return;
  std::fprintf(stderr, "fuzz invariant failed: %s\n", std::string(what).c_str());
  std::abort();
}

Trajectory SampleValidTrajectory(const Task& task, bool partial,
                                 std::mt19937_64& rng) {
  Trajectory t;
  State s = task.InitialState();
  std::vector<uint8_t> mask(task.num_forward_actions());
  if (partial) t.partial_energies.push_back(task.PartialEnergy(s));
  while (true) {
    task.ForwardMask(s, mask.data());
    std::vector<int> legal;
    for (int a = 0; a < task.num_forward_actions(); ++a) {
      if (mask[a]) legal.push_back(a);
    }
    FuzzCheck(!legal.empty(), "a non-terminal state has a legal action");
    const int a = legal[std::uniform_int_distribution<size_t>(
        0, legal.size() - 1)(rng)];
    t.actions.push_back(a);
    if (a == task.stop_action()) break;
    task.Step(s, a);
    if (partial) t.partial_energies.push_back(task.PartialEnergy(s));
    if (!task.has_stop_action() && task.IsTerminal(s)) break;
  }
  t.energy = task.Energy(s);
  return t;
}

}  // namespace ledgfn
