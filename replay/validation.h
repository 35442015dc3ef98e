// Validation of inserted trajectories (DESIGN §2.4): every trajectory the
// replay service receives is checked against its task before it is stored,
// so a bad actor can never crash the service or poison the table.
//
// A trajectory is valid iff, in this order of checks:
//   1. its `task` equals task.name()                         (unknown_task)
//   2. it has at least one action                            (empty)
//   3. it has at most min(task.max_trajectory_length(),
//      limits.max_actions if > 0) actions                    (too_long)
//   4. its terminal energy is finite                         (nonfinite_energy)
//      and |E| <= limits.max_abs_energy                      (energy_out_of_range)
//   5. its instance is one the task trains on: the empty id for
//      single-instance tasks, a training-set instance of the
//      task's family otherwise (IsTrainingInstanceOf)        (unknown_instance)
//   6. Task::Replay of that instance (InstanceOf)
//      accepts the actions: each in range and
//      unmasked in its state, stop (if any) last, ends at a
//      terminal object                                       (illegal_action)
//   7. `partial_energies` is empty (only allowed when
//      !limits.require_partial_energies) or holds exactly
//      T' + 1 values, E(s_0)..E(s_{T'}) with T' the number of
//      non-stop transitions, all finite                       (partial_energies)
//      and each within limits.max_abs_energy                 (energy_out_of_range)
// The first failing check decides the category. The terminal energy is not
// compared with task.Energy(x): actors may use their own (user) oracle.
//
// Validation reads a TrajectoryView (common/trajectory.h), so the same checks
// serve every form a trajectory arrives in: the wire form (ViewOf in
// proto/trajectory_codec.h) and the in-process Trajectory. No gRPC or
// protobuf here.
#ifndef LEDGFN_REPLAY_VALIDATION_H_
#define LEDGFN_REPLAY_VALIDATION_H_

#include <cstdint>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "common/energy_bound.h"
#include "common/trajectory.h"
#include "tasks/task.h"

namespace ledgfn {

struct ValidationLimits {
  // Cap on the number of actions on top of task.max_trajectory_length();
  // <= 0 means the task's maximum only.
  int64_t max_actions = 0;
  // Reject trajectories without partial energies (FL objectives need them).
  bool require_partial_energies = false;
  // The energy bound (common/energy_bound.h): the task's default
  // (TaskDefaults::max_abs_energy) or --max_abs_energy.
  double max_abs_energy = kLargestEnergyBound;
};

// Why a trajectory was rejected; one metrics label each.
enum class RejectCategory : int {
  kUnknownTask = 0,
  kEmpty,
  kTooLong,
  kNonfiniteEnergy,
  kIllegalAction,
  kPartialEnergies,
  kUnknownInstance,
  kEnergyOutOfRange,
};
inline constexpr int kNumRejectCategories = 8;

// The metrics label of `category`: "unknown_task", "empty", "too_long",
// "nonfinite_energy", "illegal_action", "partial_energies",
// "unknown_instance" or "energy_out_of_range".
absl::string_view RejectCategoryName(RejectCategory category);

// OK iff `t` is valid for `task` under `limits` (see the file comment);
// otherwise INVALID_ARGUMENT with a short reason naming the problem, and,
// when `category` is not null, *category is set to the failing check's
// category (it is left untouched on OK). When `visited` is not null and `t`
// is valid, *visited is the states s_0..s_{T'} the actions reach, the object
// x last (so a caller that tracks objects or builds batches need not replay
// them again). Never crashes on any
// input; work is O(number of actions + partial energies) after the length
// check.
absl::Status ValidateTrajectory(const Task& task, const TrajectoryView& t,
                                const ValidationLimits& limits,
                                RejectCategory* category = nullptr,
                                std::vector<State>* visited = nullptr);

}  // namespace ledgfn

#endif  // LEDGFN_REPLAY_VALIDATION_H_
