// Shared Task helpers: trajectory replay and the defaults of the optional
// virtuals.
#include "tasks/task.h"

#include <cmath>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace ledgfn {

absl::StatusOr<double> Task::ExactLogZ() const {
  return absl::UnimplementedError(
      absl::StrCat("task '", name(),
                   "' has no closed-form log Z; enumerate its state graph"));
}

std::vector<double> Task::Energies(absl::Span<const State> xs) const {
  std::vector<double> out;
  out.reserve(xs.size());
  for (const State& x : xs) out.push_back(Energy(x));
  return out;
}

std::vector<double> Task::PartialEnergies(
    absl::Span<const State> states) const {
  std::vector<double> out;
  out.reserve(states.size());
  for (const State& s : states) out.push_back(PartialEnergy(s));
  return out;
}

std::string Task::ToString(const State& x) const {
  return absl::StrJoin(x, ",");
}

std::string Task::ObjectKey(const State& x) const {
  return std::string(reinterpret_cast<const char*>(x.data()),
                     x.size() * sizeof(int32_t));
}

absl::StatusOr<std::vector<State>> Task::Replay(
    absl::Span<const int32_t> actions) const {
  // Check the length first: a hostile or corrupt trajectory must not make us
  // allocate one state per bogus action.
  if (actions.empty()) {
    return absl::InvalidArgumentError("empty trajectory");
  }
  if (static_cast<int64_t>(actions.size()) > max_trajectory_length()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "trajectory has ", actions.size(),
        " actions, more than the task's maximum of ", max_trajectory_length()));
  }
  const int num_actions = num_forward_actions();
  const int stop = stop_action();
  const bool has_stop = stop >= 0;
  std::vector<uint8_t> mask(num_actions);
  std::vector<State> states;
  states.reserve(actions.size() + 1);
  states.push_back(InitialState());
  for (size_t t = 0; t < actions.size(); ++t) {
    const State& s = states.back();
    const int32_t a = actions[t];
    // Without a stop action a trajectory ends at the first terminal state;
    // anything after it would describe a different object.
    if (!has_stop && IsTerminal(s)) {
      return absl::InvalidArgumentError(
          absl::StrCat("action ", t, " continues past terminal state s_", t));
    }
    if (a < 0 || a >= num_actions) {
      return absl::InvalidArgumentError(absl::StrCat(
          "action ", t, " is ", a, ", outside [0, ", num_actions, ")"));
    }
    ForwardMask(s, mask.data());
    if (!mask[a]) {
      return absl::InvalidArgumentError(absl::StrCat("action ", t, " (", a,
                                                     ") is masked in state [",
                                                     Task::ToString(s), "]"));
    }
    if (a == stop) {
      if (t + 1 != actions.size()) {
        return absl::InvalidArgumentError(
            absl::StrCat("stop action at step ", t, " is not the last of ",
                         actions.size(), " actions"));
      }
      return states;  // The stop marker is not a state; x = states.back().
    }
    State next = s;
    Step(next, a);
    states.push_back(std::move(next));
  }
  if (has_stop) {
    return absl::InvalidArgumentError(
        "trajectory does not end with the stop action");
  }
  if (!IsTerminal(states.back())) {
    return absl::InvalidArgumentError(
        "trajectory does not end at a terminal object");
  }
  return states;
}

}  // namespace ledgfn
