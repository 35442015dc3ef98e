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

EnergyProblem CheckTrajectoryEnergies(const TrajectoryView& t,
                                      double max_abs_energy,
                                      std::string* reason) {
  auto explain = [&](EnergyProblem p, absl::string_view what, double e) {
    if (reason != nullptr) {
      *reason = p == EnergyProblem::kNonfinite
                    ? absl::StrCat(what, " is ", e, ", not finite")
                    : absl::StrCat(what, " is ", e, ", outside [-",
                                   max_abs_energy, ", ", max_abs_energy, "]");
    }
    return p;
  };
  if (EnergyProblem p = CheckEnergy(t.energy, max_abs_energy);
      p != EnergyProblem::kOk) {
    return explain(p, "energy", t.energy);
  }
  for (size_t i = 0; i < t.partial_energies.size(); ++i) {
    const double e = t.partial_energies[i];
    if (EnergyProblem p = CheckEnergy(e, max_abs_energy);
        p != EnergyProblem::kOk) {
      return explain(p, absl::StrCat("partial energy ", i), e);
    }
  }
  return EnergyProblem::kOk;
}

}  // namespace ledgfn
