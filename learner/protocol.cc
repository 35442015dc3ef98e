#include "learner/protocol.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "learner/backward_sampler.h"

namespace ledgfn {

absl::StatusOr<Protocol> ParseProtocol(absl::string_view name) {
  if (name == "online") return Protocol::kOnline;
  if (name == "paper") return Protocol::kPaper;
  return absl::InvalidArgumentError(absl::StrCat(
      "unknown protocol '", name, "' (expected online or paper)"));
}

absl::Status CheckProtocolSupports(Protocol protocol, const Task& task) {
  if (protocol != Protocol::kPaper) return absl::OkStatus();
  if (CanSampleBackward(task)) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(
      "the paper protocol samples offline trajectories backward, which task '",
      task.name(), "' does not support (bag, hypergrid, set do)"));
}

std::string ProtocolName(Protocol protocol) {
  return protocol == Protocol::kPaper ? "paper" : "online";
}

}  // namespace ledgfn
