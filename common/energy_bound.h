// The range every energy must lie in before it may train anything (DESIGN
// §2.4): |E| <= max_abs_energy, finite. Expensive oracles (docking,
// simulations) now and then return garbage; a finite but absurd energy such
// as -1e300 passes a finiteness check, overflows to inf in the float tensors
// the learner builds, and makes every loss it touches NaN. So the bound is
// checked where trajectories enter (the actor's oracle answer, the replay's
// validation, the learner's batch), and one bad value costs one trajectory.
//
// Each task documents a default bound (TaskDefaults::max_abs_energy) a
// little above the energies its own oracle can give; `--max_abs_energy`
// overrides it for user oracles of another scale.
#ifndef LEDGFN_COMMON_ENERGY_BOUND_H_
#define LEDGFN_COMMON_ENERGY_BOUND_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace ledgfn {

// The largest bound allowed: rewards exp(-E) stay finite in double with room
// for a sum of a hundred of them (the top-100 mean reward), e^700 ~ 1e304.
inline constexpr double kLargestEnergyBound = 700.0;

// A task's default bound from the largest |E| its own energy function can
// give: twice that, at least 10 (room for a user oracle of a similar
// scale), at most kLargestEnergyBound.
double EnergyBoundFor(double largest_abs_energy);

// OK iff 0 < max_abs_energy <= kLargestEnergyBound; INVALID_ARGUMENT naming
// `what` (e.g. "--max_abs_energy") otherwise.
absl::Status ValidateEnergyBound(double max_abs_energy, absl::string_view what);

// Why an energy cannot be used; kOk when it can.
enum class EnergyProblem : int {
  kOk = 0,
  kNonfinite,    // NaN or +-inf
  kOutOfRange,   // finite, |E| > max_abs_energy
};

// The metrics label of a problem: "nonfinite_energy" or
// "energy_out_of_range" (the replay's reject reasons of the same name).
absl::string_view EnergyProblemName(EnergyProblem problem);

EnergyProblem CheckEnergy(double energy, double max_abs_energy);

// "<what> is <energy>, outside [-max_abs_energy, max_abs_energy]": the reason
// given for an out-of-range energy everywhere (the replay's acks, logs).
std::string OutOfRangeReason(absl::string_view what, double energy,
                             double max_abs_energy);

// The first problem among a trajectory's terminal `energy` and then its
// `partial_energies`, with a one-line reason ("energy is -1e+300, outside
// [-10, 10]", "partial energy 3 is nan, not finite") in *reason when not
// null. Reads only the energies: cheap enough for every trajectory of every
// batch.
EnergyProblem CheckTrajectoryEnergies(double energy,
                                      absl::Span<const double> partial_energies,
                                      double max_abs_energy,
                                      std::string* reason = nullptr);

}  // namespace ledgfn

#endif  // LEDGFN_COMMON_ENERGY_BOUND_H_
