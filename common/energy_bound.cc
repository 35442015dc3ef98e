#include "common/energy_bound.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "absl/strings/str_cat.h"

namespace ledgfn {

double EnergyBoundFor(double largest_abs_energy) {
  return std::min(kLargestEnergyBound,
                  std::max(10.0, 2.0 * std::fabs(largest_abs_energy)));
}

absl::Status ValidateEnergyBound(double max_abs_energy, absl::string_view what) {
  if (!(max_abs_energy > 0) || !(max_abs_energy <= kLargestEnergyBound)) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, " must be in (0, ", kLargestEnergyBound, "], not ",
                     max_abs_energy));
  }
  return absl::OkStatus();
}

absl::string_view EnergyProblemName(EnergyProblem problem) {
  switch (problem) {
    case EnergyProblem::kOk:
      return "ok";
    case EnergyProblem::kNonfinite:
      return "nonfinite_energy";
    case EnergyProblem::kOutOfRange:
      return "energy_out_of_range";
  }
  return "unknown";
}

EnergyProblem CheckEnergy(double energy, double max_abs_energy) {
  if (!std::isfinite(energy)) return EnergyProblem::kNonfinite;
  if (std::fabs(energy) > max_abs_energy) return EnergyProblem::kOutOfRange;
  return EnergyProblem::kOk;
}

std::string OutOfRangeReason(absl::string_view what, double energy,
                             double max_abs_energy) {
  return absl::StrCat(what, " is ", energy, ", outside [-", max_abs_energy,
                      ", ", max_abs_energy, "]");
}

EnergyProblem CheckTrajectoryEnergies(double energy,
                                      absl::Span<const double> partial_energies,
                                      double max_abs_energy,
                                      std::string* reason) {
  auto check = [&](absl::string_view what, double e) {
    const EnergyProblem p = CheckEnergy(e, max_abs_energy);
    if (p != EnergyProblem::kOk && reason != nullptr) {
      *reason = p == EnergyProblem::kNonfinite
                    ? absl::StrCat(what, " is ", e, ", not finite")
                    : OutOfRangeReason(what, e, max_abs_energy);
    }
    return p;
  };
  if (EnergyProblem p = check("energy", energy); p != EnergyProblem::kOk) {
    return p;
  }
  for (size_t i = 0; i < partial_energies.size(); ++i) {
    if (EnergyProblem p = check(absl::StrCat("partial energy ", i),
                                partial_energies[i]);
        p != EnergyProblem::kOk) {
      return p;
    }
  }
  return EnergyProblem::kOk;
}

}  // namespace ledgfn
