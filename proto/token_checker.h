// The server side of the shared bearer token (docs/security.md). Every
// handler of our services (Replay, Policy) calls CheckToken() first and
// returns its status when not OK; the gRPC health service is deliberately
// left open so container health checks need no secret.
//
// Why in the handlers: gRPC 1.51 server interceptors cannot fail a call, and
// an AuthMetadataProcessor only runs on TLS ports, while the token must also
// work without TLS.
//
// A call passes when its metadata holds "authorization: Bearer <token>".
// Otherwise it fails with UNAUTHENTICATED, "missing bearer token" or "wrong
// bearer token" (the presented value is never echoed or logged), and the
// rejection is counted. The comparison takes time independent of where the
// values differ. Thread-safe.
#ifndef LEDGFN_PROTO_TOKEN_CHECKER_H_
#define LEDGFN_PROTO_TOKEN_CHECKER_H_

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <cstdint>
#include <string>

namespace ledgfn {

class TokenChecker {
 public:
  // An empty token lets every call through (nothing to check).
  explicit TokenChecker(const std::string& token);

  grpc::Status Check(const grpc::ServerContextBase& context);
  // Calls rejected so far.
  int64_t rejected() const { return rejected_.load(); }

 private:
  const std::string expected_;  // "Bearer <token>", or empty
  std::atomic<int64_t> rejected_{0};
};

// checker->Check(context), or OK when `checker` is null (no token set up).
grpc::Status CheckToken(TokenChecker* checker,
                        const grpc::ServerContextBase& context);

}  // namespace ledgfn

#endif  // LEDGFN_PROTO_TOKEN_CHECKER_H_
