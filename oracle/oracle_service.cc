#include "oracle/oracle_service.h"

#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "proto/server_util.h"

namespace ledgfn {

absl::StatusOr<std::vector<double>> OracleServiceImpl::Evaluate(
    const proto::EvaluateRequest& request) {
  if (request.task() != options_.task) {
    return absl::InvalidArgumentError(
        absl::StrCat("this oracle serves task '", options_.task, "', not '",
                     request.task(), "'"));
  }
  const int n = request.objects_size();
  if (n == 0) return absl::InvalidArgumentError("the request has no objects");
  if (n > options_.max_objects) {
    return absl::InvalidArgumentError(
        absl::StrCat("the request has ", n, " objects; at most ",
                     options_.max_objects, " per request"));
  }
  std::vector<State> states;
  states.reserve(n);
  for (int i = 0; i < n; ++i) {
    const auto& values = request.objects(i).state();
    State s(values.begin(), values.end());
    if (options_.check_state) {
      if (absl::Status bad = options_.check_state(s); !bad.ok()) {
        return absl::InvalidArgumentError(
            absl::StrCat("object ", i, ": ", bad.message()));
      }
    }
    states.push_back(std::move(s));
  }
  absl::StatusOr<std::vector<double>> energies =
      request.partial() ? oracle_.PartialEnergies(states)
                        : oracle_.Energies(states);
  if (energies.ok() && static_cast<int>(energies->size()) != n) {
    return absl::InternalError(absl::StrCat("the oracle gave ", energies->size(),
                                            " energies for ", n, " objects"));
  }
  return energies;
}

grpc::Status OracleServiceImpl::Evaluate(grpc::ServerContext* context,
                                         const proto::EvaluateRequest* request,
                                         proto::EvaluateResponse* response) {
  if (grpc::Status s = CheckToken(options_.auth.get(), *context); !s.ok()) {
    ++refused_;
    return s;
  }
  absl::StatusOr<std::vector<double>> energies = Evaluate(*request);
  if (!energies.ok()) {
    ++refused_;
    return ToGrpcStatus(energies.status());
  }
  ++requests_;
  objects_ += request->objects_size();
  response->mutable_energies()->Assign(energies->begin(), energies->end());
  return grpc::Status::OK;
}

}  // namespace ledgfn
