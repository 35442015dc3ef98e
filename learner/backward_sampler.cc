#include "learner/backward_sampler.h"

#include <algorithm>
#include <cmath>
#include <memory>
#include <utility>

#include "absl/status/status.h"
#include "model/network_input.h"
#include "tasks/backward_dynamics.h"

namespace ledgfn {
namespace {

// Draws index i with probability proportional to exp(logits[i]) among the
// valid entries; all valid entries equally when `logits` is null.
int DrawValid(const float* logits, const std::vector<uint8_t>& valid,
              std::mt19937_64& rng) {
  std::vector<double> weights(valid.size(), 0.0);
  float max_logit = -INFINITY;
  for (size_t i = 0; logits != nullptr && i < valid.size(); ++i) {
    if (valid[i]) max_logit = std::max(max_logit, logits[i]);
  }
  for (size_t i = 0; i < valid.size(); ++i) {
    if (!valid[i]) continue;
    weights[i] =
        logits == nullptr ? 1.0 : std::exp(double{logits[i]} - max_logit);
  }
  std::discrete_distribution<int> draw(weights.begin(), weights.end());
  return draw(rng);
}

}  // namespace

bool CanSampleBackward(const Task& task) {
  return task.backward_dynamics() != nullptr && task.instances() == nullptr &&
         task.graph_states() == nullptr &&
         task.fragment_tree_layout() == nullptr;
}

absl::StatusOr<std::vector<TrajectoryRef>> SampleBackward(
    const Task& task, PolicyNet& policy,
    const std::vector<const VisitedObject*>& objects,
    const BackwardSampleOptions& options, std::mt19937_64& rng) {
  if (!CanSampleBackward(task)) {
    return absl::FailedPreconditionError(
        "backward sampling needs a single-instance vector task with backward "
        "dynamics (bag, hypergrid, set)");
  }
  const BackwardDynamics& back = *task.backward_dynamics();
  torch::NoGradGuard no_grad;
  const size_t n = objects.size();
  const int num_backward = task.num_backward_actions();
  std::vector<State> states;
  std::vector<std::vector<int32_t>> backward(n);  // b_t, from x towards s_0
  states.reserve(n);
  for (const VisitedObject* object : objects) states.push_back(object->x);

  std::vector<size_t> active;
  for (size_t i = 0; i < n; ++i) {
    if (task.Level(states[i]) > 0) active.push_back(i);
  }
  std::vector<uint8_t> mask(num_backward);
  while (!active.empty()) {
    std::vector<NetworkRow> rows;
    rows.reserve(active.size());
    for (size_t i : active) rows.push_back(NetworkRow{&task, &states[i]});
    auto input = BuildNetworkInput(
        task, rows, {static_cast<int64_t>(active.size())},
        /*transitions=*/false, /*pinned=*/false,
        !options.uniform_backward && policy->options().needs_neighbours());
    if (!input.ok()) return input.status();
    torch::Tensor logits;
    if (!options.uniform_backward) {
      logits = policy->forward(input->To(options.device))
                   .backward_logits.to(torch::kCPU, torch::kFloat)
                   .contiguous();
    }
    std::vector<size_t> still_active;
    for (size_t row = 0; row < active.size(); ++row) {
      const size_t i = active[row];
      task.BackwardMask(states[i], mask.data());
      const float* row_logits =
          options.uniform_backward
              ? nullptr
              : logits.data_ptr<float>() + row * num_backward;
      const int b = DrawValid(row_logits, mask, rng);
      back.StepBack(states[i], b);
      backward[i].push_back(b);
      if (task.Level(states[i]) > 0) still_active.push_back(i);
    }
    active = std::move(still_active);
  }

  std::vector<TrajectoryRef> trajectories;
  trajectories.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    auto t = std::make_shared<Trajectory>();
    t->energy = objects[i]->energy;
    for (auto b = backward[i].rbegin(); b != backward[i].rend(); ++b) {
      t->actions.push_back(back.ForwardActionOf(*b));
    }
    if (task.has_stop_action()) t->actions.push_back(task.stop_action());
    if (options.partial_energies) {
      absl::StatusOr<std::vector<State>> visited = task.Replay(t->actions);
      if (!visited.ok()) return visited.status();
      t->partial_energies = task.PartialEnergies(*visited);
      // The batch builder reads them instead of replaying again.
      t->states = std::make_shared<const std::vector<State>>(*std::move(visited));
    }
    trajectories.push_back(std::move(t));
  }
  return trajectories;
}

}  // namespace ledgfn
