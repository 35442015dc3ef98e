// An energy oracle served by someone else's `Oracle` gRPC service (any
// language; see proto/ledgfn.proto), so an expensive oracle can scale on its
// own machines. Thread-safe; wrap it in ConcurrentOracle for parallel calls.
// Calls are balanced round-robin over every address the name resolves to
// (`dns:///oracle:50053` reaches every replica of a scaled service).
//
// A server that is down, restarting or overloaded must not cost the actor
// its batch: a call failing with UNAVAILABLE, DEADLINE_EXCEEDED (each try
// gets `timeout`), RESOURCE_EXHAUSTED or ABORTED is tried again after an
// exponential backoff (100 ms doubling to 10 s) until it succeeds or Cancel()
// is called (then CANCELLED). The sampler holds the batch meanwhile, so no
// trajectory is lost and none is sent without its energy. Other errors (the
// server refused the request) return at once.
#ifndef LEDGFN_ACTOR_REMOTE_ORACLE_H_
#define LEDGFN_ACTOR_REMOTE_ORACLE_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_set.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "actor/energy_oracle.h"
#include "proto/ledgfn.grpc.pb.h"
#include "proto/security_options.h"

namespace ledgfn {

class RemoteOracle : public EnergyOracle {
 public:
  // `security`: TLS and bearer token of the channel (proto/server_util.h).
  // `timeout`: the deadline of one try.
  RemoteOracle(const std::string& address, std::string task,
               const SecurityOptions& security = {},
               absl::Duration timeout = absl::Seconds(600));

  absl::StatusOr<std::vector<double>> Energies(
      absl::Span<const State> objects) override;
  absl::StatusOr<std::vector<double>> PartialEnergies(
      absl::Span<const State> states) override;

  // Ends the retries of calls in progress and of later calls (CANCELLED).
  void Cancel();
  // Tries that failed with a transient error and were retried.
  int64_t retries() const { return retries_.load(); }

 private:
  absl::StatusOr<std::vector<double>> Evaluate(absl::Span<const State> states,
                                               bool partial);
  absl::StatusOr<std::vector<double>> EvaluateOnce(
      const proto::EvaluateRequest& request, int objects);

  std::unique_ptr<proto::Oracle::Stub> stub_;
  std::string task_;
  absl::Duration timeout_;
  std::atomic<int64_t> retries_{0};
  absl::Mutex mu_;
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
  // The tries in flight, so that Cancel() can end them at once.
  absl::flat_hash_set<grpc::ClientContext*> in_flight_ ABSL_GUARDED_BY(mu_);
};

}  // namespace ledgfn

#endif  // LEDGFN_ACTOR_REMOTE_ORACLE_H_
