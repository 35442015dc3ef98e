// Training objectives selectable with --objective (DESIGN §2.1).
#ifndef LEDGFN_LEARNER_OBJECTIVE_H_
#define LEDGFN_LEARNER_OBJECTIVE_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "learner/balance_loss.h"

namespace ledgfn {

enum class Objective { kTB, kDB, kSubTB, kFLDB, kFLSubTB, kLEDDB, kLEDSubTB };

// How LED's learned potentials enter the policy loss (DESIGN §2.2).
enum class LedVariant {
  // phi~_t = phi_t + (E - sum phi)/T', terminal boundary log F~(s_T) = 0.
  kRedistribute,
  // LED*: raw phi_t, terminal boundary log F~(s_T) = sum phi - E.
  kCorrection,
};

// "tb", "db", "subtb", "fl-db", "fl-subtb", "led-db", "led-subtb".
absl::StatusOr<Objective> ParseObjective(absl::string_view name);
std::string ObjectiveName(Objective objective);
// "redistribute" or "correction".
absl::StatusOr<LedVariant> ParseLedVariant(absl::string_view name);

// FL-*: credits are differences of true partial energies.
bool UsesPartialEnergies(Objective objective);
// LED-*: credits come from the learned potential network r_phi.
bool UsesLearnedCredits(Objective objective);
SpanWeighting SpanWeightingOf(Objective objective);

}  // namespace ledgfn

#endif  // LEDGFN_LEARNER_OBJECTIVE_H_
