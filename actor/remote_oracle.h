// An energy oracle served by someone else's `Oracle` gRPC service (any
// language; see proto/ledgfn.proto), so an expensive oracle can scale on its
// own machines. Thread-safe; wrap it in ConcurrentOracle for parallel calls.
#ifndef LEDGFN_ACTOR_REMOTE_ORACLE_H_
#define LEDGFN_ACTOR_REMOTE_ORACLE_H_

#include <memory>
#include <string>

#include "absl/time/time.h"
#include "actor/energy_oracle.h"
#include "proto/ledgfn.grpc.pb.h"
#include "proto/security_options.h"

namespace ledgfn {

class RemoteOracle : public EnergyOracle {
 public:
  // `security`: TLS and bearer token of the channel (proto/server_util.h).
  RemoteOracle(const std::string& address, std::string task,
               const SecurityOptions& security = {},
               absl::Duration timeout = absl::Seconds(60));

  absl::StatusOr<std::vector<double>> Energies(
      absl::Span<const State> objects) override;
  absl::StatusOr<std::vector<double>> PartialEnergies(
      absl::Span<const State> states) override;

 private:
  absl::StatusOr<std::vector<double>> Evaluate(absl::Span<const State> states,
                                               bool partial);

  std::unique_ptr<proto::Oracle::Stub> stub_;
  std::string task_;
  absl::Duration timeout_;
};

}  // namespace ledgfn

#endif  // LEDGFN_ACTOR_REMOTE_ORACLE_H_
