// Small pieces every gRPC role shares: starting a server on a flag address
// (port 0 picks a free port, reported so tests and scripts never collide),
// with message-size limits, the health service and the process's security
// (proto/security_options.h), and channels to such servers.
#ifndef LEDGFN_PROTO_SERVER_UTIL_H_
#define LEDGFN_PROTO_SERVER_UTIL_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "proto/security_options.h"

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
// given services, the health service and kMaxMessageBytes limits. With
// security.tls the port speaks only TLS with cert_pem/key_pem, and requires
// client certificates signed by ca_pem when that is set (mutual TLS; this
// covers the health service too). The token is not checked here but by the
// services' handlers (proto/token_checker.h).
// INVALID_ARGUMENT for TLS without a certificate and key; UNAVAILABLE if the
// address cannot be bound or the PEM material is unusable.
absl::StatusOr<RunningServer> StartServer(
    const std::string& address, const std::vector<grpc::Service*>& services,
    const SecurityOptions& security = {});

// Writes `port` followed by a newline to `path` atomically
// (common/file_util.h WriteFileAtomically),
// so a reader never sees a partial number. No-op for an empty path.
absl::Status WritePortFile(const std::string& path, int port);

// A channel to `address` with our message-size limits on top of `args`,
// secured by `security`: TLS (verifying the server against ca_pem, or
// gRPC's default roots, under server_name when set; presenting
// cert_pem/key_pem when set) and "authorization: Bearer <token>" on every
// call when a token is set. Bad PEM material shows up as calls failing with
// UNAVAILABLE.
std::shared_ptr<grpc::Channel> MakeChannel(const std::string& address,
                                           const SecurityOptions& security = {},
                                           grpc::ChannelArguments args = {});

absl::Status FromGrpcStatus(const grpc::Status& status);
grpc::Status ToGrpcStatus(const absl::Status& status);

}  // namespace ledgfn

#endif  // LEDGFN_PROTO_SERVER_UTIL_H_
