// The energy oracle: E(x) for terminal objects and, for FL objectives, the
// partial energies E(s) of intermediate states (DESIGN §2.3). Real oracles can
// be slow (docking, a proxy model, a simulator); implementations must be
// thread-safe so that calls can run concurrently with sampling.
#ifndef LEDGFN_ACTOR_ENERGY_ORACLE_H_
#define LEDGFN_ACTOR_ENERGY_ORACLE_H_

#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "tasks/task.h"

namespace ledgfn {

class EnergyOracle {
 public:
  virtual ~EnergyOracle() = default;
  // Energies of terminal objects, one per input, in order.
  virtual absl::StatusOr<std::vector<double>> Energies(
      absl::Span<const State> objects) = 0;
  // Energies of arbitrary (partial) states, one per input, in order.
  virtual absl::StatusOr<std::vector<double>> PartialEnergies(
      absl::Span<const State> states) = 0;
};

// The task's own energy function (Task::Energies and PartialEnergies, one
// call per oracle call, so a task's batched scorer sees the whole batch).
// `latency` emulates an expensive oracle:
// every call sleeps that long per object (per state for partial energies),
// which is what makes FL's per-state oracle calls costly.
class TaskEnergyOracle : public EnergyOracle {
 public:
  explicit TaskEnergyOracle(const Task& task,
                            absl::Duration latency = absl::ZeroDuration())
      : task_(task), latency_(latency) {}

  absl::StatusOr<std::vector<double>> Energies(
      absl::Span<const State> objects) override;
  absl::StatusOr<std::vector<double>> PartialEnergies(
      absl::Span<const State> states) override;

 private:
  const Task& task_;
  absl::Duration latency_;
};

}  // namespace ledgfn

#endif  // LEDGFN_ACTOR_ENERGY_ORACLE_H_
