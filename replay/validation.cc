#include "replay/validation.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/types/span.h"
#include "tasks/instance_family.h"
#include "tasks/task.h"

namespace ledgfn {
namespace {

absl::Status Reject(RejectCategory c, RejectCategory* out,
                    absl::string_view reason) {
  if (out != nullptr) *out = c;
  return absl::InvalidArgumentError(reason);
}

}  // namespace

absl::string_view RejectCategoryName(RejectCategory category) {
  switch (category) {
    case RejectCategory::kUnknownTask:
      return "unknown_task";
    case RejectCategory::kEmpty:
      return "empty";
    case RejectCategory::kTooLong:
      return "too_long";
    case RejectCategory::kNonfiniteEnergy:
      return EnergyProblemName(EnergyProblem::kNonfinite);
    case RejectCategory::kIllegalAction:
      return "illegal_action";
    case RejectCategory::kPartialEnergies:
      return "partial_energies";
    case RejectCategory::kUnknownInstance:
      return "unknown_instance";
    case RejectCategory::kEnergyOutOfRange:
      return EnergyProblemName(EnergyProblem::kOutOfRange);
  }
  return "unknown";
}

absl::Status ValidateTrajectory(const Task& task, const TrajectoryView& t,
                                const ValidationLimits& limits,
                                RejectCategory* category,
                                std::vector<State>* visited) {
  if (t.task != task.name()) {
    // Bound the echoed name: the reason goes back on the wire and into logs.
    constexpr size_t kMaxEcho = 64;
    std::string name(t.task.substr(0, kMaxEcho));
    if (t.task.size() > kMaxEcho) name += "...";
    return Reject(RejectCategory::kUnknownTask, category,
                  absl::StrCat("unknown task '", name, "' (this replay serves '",
                               task.name(), "')"));
  }
  const int64_t num_actions = static_cast<int64_t>(t.actions.size());
  if (num_actions == 0) {
    return Reject(RejectCategory::kEmpty, category, "empty trajectory");
  }
  int64_t max_actions = task.max_trajectory_length();
  if (limits.max_actions > 0) {
    max_actions = std::min(max_actions, limits.max_actions);
  }
  if (num_actions > max_actions) {
    return Reject(RejectCategory::kTooLong, category,
                  absl::StrCat("trajectory has ", num_actions,
                               " actions, more than the limit of ",
                               max_actions));
  }
  if (!std::isfinite(t.energy)) {
    return Reject(RejectCategory::kNonfiniteEnergy, category,
                  absl::StrCat("energy is ", t.energy, ", not finite"));
  }
  if (CheckEnergy(t.energy, limits.max_abs_energy) != EnergyProblem::kOk) {
    return Reject(RejectCategory::kEnergyOutOfRange, category,
                  OutOfRangeReason("energy", t.energy, limits.max_abs_energy));
  }
  const InstanceId& instance = t.instance;
  if (!IsTrainingInstanceOf(task, instance)) {
    constexpr size_t kMaxEcho = 64;
    std::string id = instance.ToString().substr(0, kMaxEcho);
    return Reject(RejectCategory::kUnknownInstance, category,
                  absl::StrCat("instance ", id, " is not a training instance ",
                               "of task '", task.name(), "'"));
  }
  absl::StatusOr<std::shared_ptr<const Task>> instance_task =
      InstanceOf(task, instance);
  if (!instance_task.ok()) {
    return Reject(RejectCategory::kUnknownInstance, category,
                  instance_task.status().message());
  }
  absl::StatusOr<std::vector<State>> states =
      (*instance_task)->Replay(t.actions);
  if (!states.ok()) {
    return Reject(RejectCategory::kIllegalAction, category,
                  absl::StrCat("illegal actions: ", states.status().message()));
  }
  const int64_t num_partial = static_cast<int64_t>(t.partial_energies.size());
  if (num_partial == 0) {
    if (limits.require_partial_energies) {
      return Reject(RejectCategory::kPartialEnergies, category,
                    "partial energies are required but missing");
    }
    if (visited != nullptr) *visited = *std::move(states);
    return absl::OkStatus();
  }
  // states holds s_0..s_{T'}: T' + 1 of them.
  const int64_t expected = static_cast<int64_t>(states->size());
  if (num_partial != expected) {
    return Reject(RejectCategory::kPartialEnergies, category,
                  absl::StrCat("has ", num_partial,
                               " partial energies, expected 0 or T'+1 = ",
                               expected));
  }
  for (int64_t i = 0; i < num_partial; ++i) {
    if (!std::isfinite(t.partial_energies[i])) {
      return Reject(RejectCategory::kPartialEnergies, category,
                    absl::StrCat("partial energy ", i, " is ",
                                 t.partial_energies[i], ", not finite"));
    }
    if (CheckEnergy(t.partial_energies[i], limits.max_abs_energy) !=
        EnergyProblem::kOk) {
      return Reject(RejectCategory::kEnergyOutOfRange, category,
                    OutOfRangeReason(absl::StrCat("partial energy ", i),
                                     t.partial_energies[i],
                                     limits.max_abs_energy));
    }
  }
  if (visited != nullptr) *visited = *std::move(states);
  return absl::OkStatus();
}

}  // namespace ledgfn
