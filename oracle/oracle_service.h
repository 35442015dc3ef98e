// The Oracle gRPC service (proto/ledgfn.proto) over any EnergyOracle: what
// an actor's --oracle_address calls (actor/remote_oracle.h). It only
// translates: a request is checked, its states handed to the oracle's
// Energies (or PartialEnergies when `partial`), the energies returned in
// order.
//
// A request is refused, before any oracle work, with
//   UNAUTHENTICATED     a missing or wrong bearer token (options.auth)
//   INVALID_ARGUMENT    another task's name; no objects; more than
//                       options.max_objects; a state options.check_state
//                       refuses (the message names the object's index)
// and an oracle error comes back as it is. Thread-safe: gRPC runs calls
// concurrently and the oracle bounds its own parallelism.
#ifndef LEDGFN_ORACLE_ORACLE_SERVICE_H_
#define LEDGFN_ORACLE_ORACLE_SERVICE_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "actor/energy_oracle.h"
#include "proto/ledgfn.grpc.pb.h"
#include "proto/token_checker.h"

namespace ledgfn {

struct OracleServiceOptions {
  std::string task;         // requests must name it
  int max_objects = 1024;   // per request
  // Checks one state before the oracle sees it (e.g. MoleculeTask::CheckState).
  std::function<absl::Status(const State&)> check_state;
  std::shared_ptr<TokenChecker> auth;  // null: no token required
};

struct OracleServiceCounters {
  int64_t requests = 0;   // answered OK
  int64_t refused = 0;    // refused (bad request or token) or failed
  int64_t objects = 0;    // objects in the answered requests
};

class OracleServiceImpl final : public proto::Oracle::Service {
 public:
  // `oracle` must outlive the service.
  OracleServiceImpl(EnergyOracle& oracle, OracleServiceOptions options)
      : oracle_(oracle), options_(std::move(options)) {}

  grpc::Status Evaluate(grpc::ServerContext* context,
                        const proto::EvaluateRequest* request,
                        proto::EvaluateResponse* response) override;

  // The same without gRPC: the checks and the oracle call.
  absl::StatusOr<std::vector<double>> Evaluate(
      const proto::EvaluateRequest& request);

  OracleServiceCounters counters() const {
    return {requests_.load(), refused_.load(), objects_.load()};
  }

 private:
  EnergyOracle& oracle_;
  const OracleServiceOptions options_;
  std::atomic<int64_t> requests_{0};
  std::atomic<int64_t> refused_{0};
  std::atomic<int64_t> objects_{0};
};

}  // namespace ledgfn

#endif  // LEDGFN_ORACLE_ORACLE_SERVICE_H_
