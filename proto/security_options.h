// How one process secures its gRPC servers and channels (docs/security.md):
// TLS material as PEM text and the shared bearer token. The programs fill it
// from the --tls_* and --auth_token_file flags (launcher/security_flags.h);
// StartServer and MakeChannel (proto/server_util.h) apply it. The default
// (plaintext, no token) is what `ledgfn train`, the tests and a local run use.
#ifndef LEDGFN_PROTO_SECURITY_OPTIONS_H_
#define LEDGFN_PROTO_SECURITY_OPTIONS_H_

#include <string>

namespace ledgfn {

struct SecurityOptions {
  // TLS on every server and channel of the process.
  bool tls = false;
  // This process's certificate chain and private key. A server presents them
  // (required with `tls`); a client presents them when set (mutual TLS). One
  // pair serves both sides: a learner is a server to actors and a client of
  // the replay.
  std::string cert_pem;
  std::string key_pem;
  // Trusted CA certificates. Server: when set, every client must present a
  // certificate signed by them (mutual TLS). Client: the roots the server's
  // certificate is verified against (empty: gRPC's default roots).
  std::string ca_pem;
  // Client: the name the server's certificate must carry when it differs
  // from the dialled host (e.g. dialling an IP). Empty: the dialled host.
  std::string server_name;
  // Shared secret. Clients send "authorization: Bearer <token>" on every
  // call; servers check it in each handler of our services (TokenChecker).
  // Empty: none sent, none required.
  std::string token;
};

}  // namespace ledgfn

#endif  // LEDGFN_PROTO_SECURITY_OPTIONS_H_
