#include "actor/remote_oracle.h"

#include <chrono>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/backoff.h"
#include "common/log.h"
#include "proto/server_util.h"

namespace ledgfn {
namespace {

// Errors a later try may not see: the server is down, restarting, slow or
// overloaded.
bool IsTransient(const absl::Status& s) {
  return absl::IsUnavailable(s) || absl::IsDeadlineExceeded(s) ||
         absl::IsResourceExhausted(s) || absl::IsAborted(s);
}

// Calls spread over every address the name resolves to (several oracle
// servers behind one DNS name, e.g. `dns:///oracle:50053` under compose).
grpc::ChannelArguments RoundRobin() {
  grpc::ChannelArguments args;
  args.SetLoadBalancingPolicyName("round_robin");
  return args;
}

}  // namespace

RemoteOracle::RemoteOracle(const std::string& address, std::string task,
                           const SecurityOptions& security,
                           absl::Duration timeout)
    : stub_(proto::Oracle::NewStub(MakeChannel(address, security, RoundRobin()))),
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

void RemoteOracle::Cancel() {
  absl::MutexLock lock(&mu_);
  cancelled_ = true;
  for (grpc::ClientContext* context : in_flight_) context->TryCancel();
}

absl::StatusOr<std::vector<double>> RemoteOracle::Evaluate(
    absl::Span<const State> states, bool partial) {
  proto::EvaluateRequest request;
  request.set_task(task_);
  request.set_partial(partial);
  for (const State& s : states) {
    request.add_objects()->mutable_state()->Assign(s.begin(), s.end());
  }
  ExponentialBackoff backoff(absl::Milliseconds(100), absl::Seconds(10));
  for (;;) {
    absl::StatusOr<std::vector<double>> energies =
        EvaluateOnce(request, static_cast<int>(states.size()));
    if (energies.ok() || !IsTransient(energies.status())) return energies;
    absl::MutexLock lock(&mu_);
    if (cancelled_) {
      return absl::CancelledError(absl::StrCat(
          "oracle call cancelled; the last try: ", energies.status().message()));
    }
    if (IsLoggedOccurrence(++retries_)) {
      LogWarning("oracle call failed (%s); trying again in at most %s",
                 energies.status().ToString(), absl::FormatDuration(backoff.max()));
    }
    if (backoff.Wait(mu_, absl::Condition(&cancelled_))) {
      return absl::CancelledError("oracle call cancelled while waiting to retry");
    }
  }
}

absl::StatusOr<std::vector<double>> RemoteOracle::EvaluateOnce(
    const proto::EvaluateRequest& request, int objects) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       absl::ToChronoMilliseconds(timeout_));
  {
    absl::MutexLock lock(&mu_);
    if (cancelled_) return absl::CancelledError("oracle call cancelled");
    in_flight_.insert(&context);
  }
  proto::EvaluateResponse response;
  grpc::Status status = stub_->Evaluate(&context, request, &response);
  {
    absl::MutexLock lock(&mu_);
    in_flight_.erase(&context);
  }
  if (!status.ok()) return FromGrpcStatus(status);
  if (response.energies_size() != objects) {
    return absl::DataLossError(absl::StrFormat(
        "oracle returned %d energies for %d objects", response.energies_size(),
        objects));
  }
  // A non-finite or absurd energy costs its trajectory only: the sampler
  // drops it (sampler.h), the batch goes on.
  return std::vector<double>(response.energies().begin(),
                             response.energies().end());
}

}  // namespace ledgfn
