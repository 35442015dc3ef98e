#include "actor/metered_oracle.h"

#include "absl/time/clock.h"

namespace ledgfn {

absl::StatusOr<std::vector<double>> MeteredOracle::Energies(
    absl::Span<const State> objects) {
  return Metered(objects, &EnergyOracle::Energies);
}

absl::StatusOr<std::vector<double>> MeteredOracle::PartialEnergies(
    absl::Span<const State> states) {
  return Metered(states, &EnergyOracle::PartialEnergies);
}

absl::StatusOr<std::vector<double>> MeteredOracle::Metered(
    absl::Span<const State> items, Call call) {
  const absl::Time start = absl::Now();
  auto out = (inner_.*call)(items);
  const absl::Duration took = absl::Now() - start;
  nanoseconds_ += absl::ToInt64Nanoseconds(took);
  const int64_t counted = out.ok() ? static_cast<int64_t>(items.size()) : 0;
  objects_ += counted;
  if (on_call_) on_call_(counted, took);
  return out;
}

OracleUsage MeteredOracle::usage() const {
  return OracleUsage{objects_.load(), nanoseconds_.load() * 1e-9};
}

}  // namespace ledgfn
