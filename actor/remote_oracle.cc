#include "actor/remote_oracle.h"

#include <chrono>

#include "absl/strings/str_format.h"
#include "proto/server_util.h"

namespace ledgfn {

RemoteOracle::RemoteOracle(const std::string& address, std::string task,
                           const SecurityOptions& security,
                           absl::Duration timeout)
    : stub_(proto::Oracle::NewStub(MakeChannel(address, security))),
      task_(std::move(task)),
      timeout_(timeout) {}

absl::StatusOr<std::vector<double>> RemoteOracle::Energies(
    absl::Span<const State> objects) {
  return Evaluate(objects, false);
}

absl::StatusOr<std::vector<double>> RemoteOracle::PartialEnergies(
    absl::Span<const State> states) {
  return Evaluate(states, true);
}

absl::StatusOr<std::vector<double>> RemoteOracle::Evaluate(
    absl::Span<const State> states, bool partial) {
  proto::EvaluateRequest request;
  request.set_task(task_);
  request.set_partial(partial);
  for (const State& s : states) {
    request.add_objects()->mutable_state()->Assign(s.begin(), s.end());
  }
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       absl::ToChronoMilliseconds(timeout_));
  proto::EvaluateResponse response;
  grpc::Status status = stub_->Evaluate(&context, request, &response);
  if (!status.ok()) return FromGrpcStatus(status);
  if (response.energies_size() != static_cast<int>(states.size())) {
    return absl::DataLossError(absl::StrFormat(
        "oracle returned %d energies for %d objects", response.energies_size(),
        states.size()));
  }
  // A non-finite or absurd energy costs its trajectory only: the sampler
  // drops it (sampler.h), the batch goes on.
  return std::vector<double>(response.energies().begin(),
                             response.energies().end());
}

}  // namespace ledgfn
