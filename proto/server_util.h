// Small pieces every gRPC role shares: starting a server on a flag address
// (port 0 picks a free port, reported so tests and scripts never collide),
// with message-size limits and the health service.
#ifndef LEDGFN_PROTO_SERVER_UTIL_H_
#define LEDGFN_PROTO_SERVER_UTIL_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace ledgfn {

// Largest message any of our servers or clients accepts. Weights travel in
// chunks far below it; trajectories are small.
inline constexpr int kMaxMessageBytes = 16 << 20;
// Size of one policy weights chunk (below gRPC's default 4 MB limit).
inline constexpr int kPolicyChunkBytes = 1 << 20;

struct RunningServer {
  std::unique_ptr<grpc::Server> server;
  int port = 0;  // the bound port (useful when asked for port 0)
};

// Builds and starts a server listening on `address` ("host:port") with the
// given services, the health service and kMaxMessageBytes limits.
// UNAVAILABLE if the address cannot be bound.
absl::StatusOr<RunningServer> StartServer(
    const std::string& address, const std::vector<grpc::Service*>& services);

// Writes `port` followed by a newline to `path` atomically (temp + rename),
// so a reader never sees a partial number. No-op for an empty path.
absl::Status WritePortFile(const std::string& path, int port);

// A channel to `address` with our message-size limits.
std::shared_ptr<grpc::Channel> MakeChannel(const std::string& address);

absl::Status FromGrpcStatus(const grpc::Status& status);
grpc::Status ToGrpcStatus(const absl::Status& status);

}  // namespace ledgfn

#endif  // LEDGFN_PROTO_SERVER_UTIL_H_
