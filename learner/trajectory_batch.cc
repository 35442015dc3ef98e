#include "learner/trajectory_batch.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "absl/strings/str_format.h"
#include "learner/trajectory_states.h"
#include "tasks/instance_family.h"

namespace ledgfn {

TrajectoryBatch TrajectoryBatch::To(const torch::Device& device) const {
  if (device.is_cpu()) return *this;
  TrajectoryBatch out = *this;
  out.states = states.To(device);
  out.transitions = transitions.To(device);
  for (torch::Tensor* t :
       {&out.forward_mask, &out.backward_mask, &out.actions,
        &out.backward_actions, &out.transition_mask, &out.nonstop_mask,
        &out.lengths, &out.nonstop_lengths, &out.energy, &out.partial_energy,
        &out.uniform_log_pb}) {
    if (!t->defined()) continue;
    // From pageable host memory the copy would be staged synchronously.
    const bool pin = t->is_cpu() && !t->is_pinned();
    *t = (pin ? t->pin_memory() : *t).to(device, /*non_blocking=*/true);
  }
  return out;
}

absl::StatusOr<TrajectoryBatch> BuildTrajectoryBatch(
    const Task& task, absl::Span<const Trajectory* const> trajectories,
    bool with_partial_energies, bool pinned, BatchInputs inputs) {
  const int64_t batch = static_cast<int64_t>(trajectories.size());
  if (batch == 0) return absl::InvalidArgumentError("empty trajectory batch");
  const bool has_stop = task.has_stop_action();

  // Replay every trajectory on its instance first: it validates and gives
  // the states. A trajectory that carries its states was replayed already
  // in this process (common/trajectory.h): they are used as they are.
  std::vector<std::shared_ptr<const Task>> tasks(batch);
  std::vector<std::shared_ptr<const std::vector<State>>> states(batch);
  int64_t max_length = 0;
  int64_t A = 0;
  int64_t Ab = 0;
  for (int64_t b = 0; b < batch; ++b) {
    const Trajectory& traj = *trajectories[b];
    auto instance = InstanceOf(task, traj.instance);
    if (!instance.ok()) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "trajectory %d: %s", b, instance.status().message()));
    }
    tasks[b] = *std::move(instance);
    auto visited = TrajectoryStates(*tasks[b], traj);
    if (!visited.ok()) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "trajectory %d: %s", b, visited.status().message()));
    }
    states[b] = *std::move(visited);
    if (!std::isfinite(traj.energy)) {
      return absl::InvalidArgumentError(
          absl::StrFormat("trajectory %d: energy is not finite", b));
    }
    const size_t nonstop = states[b]->size() - 1;
    if (with_partial_energies) {
      if (traj.partial_energies.size() != nonstop + 1) {
        return absl::InvalidArgumentError(absl::StrFormat(
            "trajectory %d: %d partial energies for %d states", b,
            traj.partial_energies.size(), nonstop + 1));
      }
      for (double e : traj.partial_energies) {
        if (!std::isfinite(e)) {
          return absl::InvalidArgumentError(absl::StrFormat(
              "trajectory %d: partial energy is not finite", b));
        }
      }
    }
    max_length = std::max<int64_t>(max_length, traj.actions.size());
    A = std::max<int64_t>(A, tasks[b]->num_forward_actions());
    Ab = std::max<int64_t>(Ab, tasks[b]->num_backward_actions());
  }

  const int64_t L = max_length;
  // Network inputs: one row per (trajectory, position); padding rows have
  // no task.
  std::vector<NetworkRow> state_rows(batch * (L + 1));
  std::vector<NetworkRow> transition_rows(batch * L);
  for (int64_t b = 0; b < batch; ++b) {
    const std::vector<State>& s = *states[b];
    const int64_t Tn = static_cast<int64_t>(s.size()) - 1;
    for (int64_t t = 0; t <= Tn; ++t) {
      state_rows[b * (L + 1) + t] = NetworkRow{tasks[b].get(), &s[t]};
      if (t < Tn) {
        transition_rows[b * L + t] =
            NetworkRow{tasks[b].get(), &s[t], &s[t + 1]};
      }
    }
  }
  TrajectoryBatch out;
  if (inputs.states) {
    auto state_input =
        BuildNetworkInput(task, state_rows, {batch, L + 1},
                          /*transitions=*/false, pinned, inputs.neighbours);
    if (!state_input.ok()) return state_input.status();
    out.states = *std::move(state_input);
  }
  if (inputs.transitions) {
    auto transition_input = BuildNetworkInput(
        task, transition_rows, {batch, L}, /*transitions=*/true, pinned);
    if (!transition_input.ok()) return transition_input.status();
    out.transitions = *std::move(transition_input);
  }

  auto host = torch::TensorOptions().pinned_memory(pinned);
  auto f32 = host.dtype(torch::kFloat);
  auto i64 = host.dtype(torch::kLong);
  auto u8 = host.dtype(torch::kBool);
  out.batch_size = batch;
  out.max_length = L;
  out.forward_mask = torch::ones({batch, L + 1, A}, u8);
  out.backward_mask = torch::ones({batch, L + 1, Ab}, u8);
  out.actions = torch::zeros({batch, L}, i64);
  out.backward_actions = torch::zeros({batch, L}, i64);
  out.transition_mask = torch::zeros({batch, L}, u8);
  out.nonstop_mask = torch::zeros({batch, L}, u8);
  out.lengths = torch::zeros({batch}, i64);
  out.nonstop_lengths = torch::zeros({batch}, i64);
  out.energy = torch::zeros({batch}, f32);
  out.uniform_log_pb = torch::zeros({batch, L}, f32);
  if (with_partial_energies) {
    out.partial_energy = torch::zeros({batch, L + 1}, f32);
  }

  // bool tensors are stored one byte per element.
  uint8_t* fmask = reinterpret_cast<uint8_t*>(out.forward_mask.data_ptr<bool>());
  uint8_t* bmask =
      reinterpret_cast<uint8_t*>(out.backward_mask.data_ptr<bool>());
  int64_t* actions = out.actions.data_ptr<int64_t>();
  int64_t* bactions = out.backward_actions.data_ptr<int64_t>();
  bool* tmask = out.transition_mask.data_ptr<bool>();
  bool* nmask = out.nonstop_mask.data_ptr<bool>();
  int64_t* lengths = out.lengths.data_ptr<int64_t>();
  int64_t* nonstop_lengths = out.nonstop_lengths.data_ptr<int64_t>();
  float* energy = out.energy.data_ptr<float>();
  float* ulogpb = out.uniform_log_pb.data_ptr<float>();
  float* partial = with_partial_energies
                       ? out.partial_energy.data_ptr<float>()
                       : nullptr;

  out.host_nonstop_lengths.resize(batch);
  for (int64_t b = 0; b < batch; ++b) {
    const Task& instance = *tasks[b];
    const Trajectory& traj = *trajectories[b];
    const std::vector<State>& s = *states[b];
    const int64_t T = static_cast<int64_t>(traj.actions.size());
    const int64_t Tn = static_cast<int64_t>(s.size()) - 1;
    // Actions beyond this instance's own (a smaller graph) are invalid.
    const int64_t a = instance.num_forward_actions();
    const int64_t ab = instance.num_backward_actions();
    lengths[b] = T;
    nonstop_lengths[b] = Tn;
    out.host_nonstop_lengths[b] = Tn;
    energy[b] = static_cast<float>(traj.energy);
    for (int64_t t = 0; t <= Tn; ++t) {
      const int64_t row = b * (L + 1) + t;
      if (t < T) {
        uint8_t* m = fmask + row * A;
        std::fill(m + a, m + A, 0);
        instance.ForwardMask(s[t], m);
      }
      if (t >= 1) {
        uint8_t* m = bmask + row * Ab;
        std::fill(m + ab, m + Ab, 0);
        instance.BackwardMask(s[t], m);
        int valid = 0;
        for (int64_t k = 0; k < ab; ++k) valid += m[k] != 0;
        ulogpb[b * L + t - 1] = -std::log(static_cast<float>(valid));
      }
      if (partial != nullptr) {
        partial[row] = static_cast<float>(traj.partial_energies[t]);
      }
    }
    for (int64_t t = 0; t < T; ++t) {
      actions[b * L + t] = traj.actions[t];
      tmask[b * L + t] = true;
      const bool is_stop = has_stop && t == T - 1;
      if (!is_stop) {
        nmask[b * L + t] = true;
        bactions[b * L + t] = instance.BackwardAction(traj.actions[t]);
      }
    }
  }
  return out;
}

}  // namespace ledgfn
