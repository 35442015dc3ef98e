#include "learner/objective.h"

#include <array>
#include <utility>

#include "absl/strings/str_cat.h"

namespace ledgfn {
namespace {

constexpr std::array<std::pair<absl::string_view, Objective>, 7> kObjectives =
    {{{"tb", Objective::kTB},
      {"db", Objective::kDB},
      {"subtb", Objective::kSubTB},
      {"fl-db", Objective::kFLDB},
      {"fl-subtb", Objective::kFLSubTB},
      {"led-db", Objective::kLEDDB},
      {"led-subtb", Objective::kLEDSubTB}}};

}  // namespace

absl::StatusOr<Objective> ParseObjective(absl::string_view name) {
  for (const auto& [key, objective] : kObjectives) {
    if (key == name) return objective;
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "unknown objective '", name,
      "' (expected tb, db, subtb, fl-db, fl-subtb, led-db or led-subtb)"));
}

std::string ObjectiveName(Objective objective) {
  for (const auto& [key, value] : kObjectives) {
    if (value == objective) return std::string(key);
  }
  return "unknown";
}

absl::StatusOr<LedVariant> ParseLedVariant(absl::string_view name) {
  if (name == "redistribute") return LedVariant::kRedistribute;
  if (name == "correction") return LedVariant::kCorrection;
  return absl::InvalidArgumentError(absl::StrCat(
      "unknown LED variant '", name, "' (expected redistribute or correction)"));
}

bool UsesPartialEnergies(Objective objective) {
  return objective == Objective::kFLDB || objective == Objective::kFLSubTB;
}

bool UsesLearnedCredits(Objective objective) {
  return objective == Objective::kLEDDB || objective == Objective::kLEDSubTB;
}

SpanWeighting SpanWeightingOf(Objective objective) {
  switch (objective) {
    case Objective::kTB:
      return SpanWeighting::kTrajectory;
    case Objective::kDB:
    case Objective::kFLDB:
    case Objective::kLEDDB:
      return SpanWeighting::kDetailed;
    case Objective::kSubTB:
    case Objective::kFLSubTB:
    case Objective::kLEDSubTB:
      return SpanWeighting::kSubTrajectory;
  }
  return SpanWeighting::kSubTrajectory;
}

}  // namespace ledgfn
