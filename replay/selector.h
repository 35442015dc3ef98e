// How a sample chooses items from the replay table (DESIGN §2.4). One type
// for every transport: the gRPC service maps proto::Selector onto it at its
// edge (proto/ledgfn.proto), the embedded run names it by flag.
//
//   kFresh:        each item at most once, oldest first, under the rate
//                  limiter (the policy's on-policy batch);
//   kUniform:      uniform over the live items, with replacement;
//   kNewestWindow: uniform over the newest `window` items (r_phi's window);
//   kPrioritized:  P(item) ∝ exp(-priority_alpha * energy).
//
// To add a selector: a value here, its name in SelectorName/ParseSelector,
// and its draw in SelectItems (replay/replay_buffer.cc), the one place that
// turns a selector into items.
#ifndef LEDGFN_REPLAY_SELECTOR_H_
#define LEDGFN_REPLAY_SELECTOR_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace ledgfn {

enum class Selector { kFresh, kUniform, kNewestWindow, kPrioritized };

// "fresh", "uniform", "newest_window", "prioritized".
absl::string_view SelectorName(Selector selector);
// The inverse of SelectorName; INVALID_ARGUMENT naming the choices otherwise.
absl::StatusOr<Selector> ParseSelector(absl::string_view name);

}  // namespace ledgfn

#endif  // LEDGFN_REPLAY_SELECTOR_H_
