#include "actor/energy_oracle.h"

#include "absl/time/clock.h"

namespace ledgfn {

absl::StatusOr<std::vector<double>> TaskEnergyOracle::Energies(
    absl::Span<const State> objects) {
  if (latency_ > absl::ZeroDuration()) absl::SleepFor(latency_ * objects.size());
  std::vector<double> out;
  out.reserve(objects.size());
  for (const State& x : objects) out.push_back(task_.Energy(x));
  return out;
}

absl::StatusOr<std::vector<double>> TaskEnergyOracle::PartialEnergies(
    absl::Span<const State> states) {
  if (latency_ > absl::ZeroDuration()) absl::SleepFor(latency_ * states.size());
  std::vector<double> out;
  out.reserve(states.size());
  for (const State& s : states) out.push_back(task_.PartialEnergy(s));
  return out;
}

}  // namespace ledgfn
