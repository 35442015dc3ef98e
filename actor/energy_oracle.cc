#include "actor/energy_oracle.h"

#include "absl/time/clock.h"

namespace ledgfn {

absl::StatusOr<std::vector<double>> TaskEnergyOracle::Energies(
    absl::Span<const State> objects) {
  if (latency_ > absl::ZeroDuration()) absl::SleepFor(latency_ * objects.size());
  return task_.Energies(objects);
}

absl::StatusOr<std::vector<double>> TaskEnergyOracle::PartialEnergies(
    absl::Span<const State> states) {
  if (latency_ > absl::ZeroDuration()) absl::SleepFor(latency_ * states.size());
  return task_.PartialEnergies(states);
}

}  // namespace ledgfn
