// The security flags (--tls_cert, --tls_key, --tls_ca, --tls_server_name,
// --auth_token_file), defined once for every distributed ledgfn program that
// links this file, and their reading into SecurityOptions
// (proto/security_options.h). docs/security.md explains the setup.
//
// TLS is on when any of --tls_cert, --tls_key or --tls_ca is set. Every file
// is read once at startup; a missing, unreadable or empty file, a PEM file
// without a PEM block, a token with spaces or control characters, or an
// inconsistent combination is an INVALID_ARGUMENT naming the flag (never the
// file's contents), for the program to report on one line.
#ifndef LEDGFN_LAUNCHER_SECURITY_FLAGS_H_
#define LEDGFN_LAUNCHER_SECURITY_FLAGS_H_

#include <string>

#include "absl/status/statusor.h"
#include "proto/security_options.h"

namespace ledgfn {

// `serves`: the program runs a gRPC server (replay, learner), which then
// needs --tls_cert and --tls_key whenever TLS is on. A client-only program
// (actor) may set just --tls_ca.
absl::StatusOr<SecurityOptions> SecurityFromFlags(bool serves);

// The token in `path`: the file's content without trailing whitespace (so a
// trailing newline is fine). INVALID_ARGUMENT if it cannot be read, is empty,
// or holds characters other than printable ASCII without spaces (gRPC
// metadata could not carry them).
absl::StatusOr<std::string> ReadTokenFile(const std::string& path);

}  // namespace ledgfn

#endif  // LEDGFN_LAUNCHER_SECURITY_FLAGS_H_
