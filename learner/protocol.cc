#include "learner/protocol.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "learner/backward_sampler.h"

namespace ledgfn {

absl::StatusOr<Protocol> ParseProtocol(absl::string_view name) {
  if (name == "online") return Protocol::kOnline;
  if (name == "paper") return Protocol::kPaper;
  if (name == "combopt") return Protocol::kCombOpt;
  return absl::InvalidArgumentError(absl::StrCat(
      "unknown protocol '", name, "' (expected online, paper or combopt)"));
}

absl::Status CheckProtocolSupports(Protocol protocol, const Task& task) {
  switch (protocol) {
    case Protocol::kOnline:
      return absl::OkStatus();
    case Protocol::kPaper:
      if (CanSampleBackward(task)) return absl::OkStatus();
      return absl::InvalidArgumentError(absl::StrCat(
          "the paper protocol samples offline trajectories backward, which "
          "task '",
          task.name(), "' does not support (bag, hypergrid, set do)"));
    case Protocol::kCombOpt:
      if (task.graph_states() != nullptr && task.instances() != nullptr) {
        return absl::OkStatus();
      }
      return absl::InvalidArgumentError(absl::StrCat(
          "the combopt protocol (GFlowNet-CombOpt's) trains on a family of "
          "graphs, which task '",
          task.name(), "' is not (mis is)"));
  }
  return absl::InvalidArgumentError("unknown protocol");
}

std::string ProtocolName(Protocol protocol) {
  switch (protocol) {
    case Protocol::kPaper:
      return "paper";
    case Protocol::kCombOpt:
      return "combopt";
    case Protocol::kOnline:
      break;
  }
  return "online";
}

}  // namespace ledgfn
