#include "learner/protocol.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace ledgfn {

absl::StatusOr<Protocol> ParseProtocol(absl::string_view name) {
  if (name == "online") return Protocol::kOnline;
  if (name == "paper") return Protocol::kPaper;
  return absl::InvalidArgumentError(absl::StrCat(
      "unknown protocol '", name, "' (expected online or paper)"));
}

std::string ProtocolName(Protocol protocol) {
  return protocol == Protocol::kPaper ? "paper" : "online";
}

}  // namespace ledgfn
