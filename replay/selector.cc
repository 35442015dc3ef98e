#include "replay/selector.h"

#include "absl/strings/str_cat.h"

namespace ledgfn {

absl::string_view SelectorName(Selector selector) {
  switch (selector) {
    case Selector::kFresh: return "fresh";
    case Selector::kUniform: return "uniform";
    case Selector::kNewestWindow: return "newest_window";
    case Selector::kPrioritized: return "prioritized";
  }
  return "unknown";
}

absl::StatusOr<Selector> ParseSelector(absl::string_view name) {
  for (Selector s : {Selector::kFresh, Selector::kUniform,
                     Selector::kNewestWindow, Selector::kPrioritized}) {
    if (name == SelectorName(s)) return s;
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "unknown selector '", name,
      "' (expected fresh, uniform, newest_window or prioritized)"));
}

}  // namespace ledgfn
