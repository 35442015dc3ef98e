// Flags that secure the gRPC servers and channels, shared by ledgfn_replay,
// ledgfn_learner and ledgfn_actor.
#include "launcher/security_flags.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/flags/flag.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

ABSL_FLAG(std::string, tls_cert, "",
          "PEM certificate (chain) of this process: served by its gRPC "
          "server, presented as client certificate by its channels. Enables "
          "TLS.");
ABSL_FLAG(std::string, tls_key, "",
          "PEM private key of --tls_cert.");
ABSL_FLAG(std::string, tls_ca, "",
          "PEM CA certificates to trust. Enables TLS; on a server, clients "
          "must then present a certificate signed by them (mutual TLS).");
ABSL_FLAG(std::string, tls_server_name, "",
          "Name the servers' certificates must carry when it differs from "
          "the dialled host (e.g. when dialling an IP address).");
ABSL_FLAG(std::string, auth_token_file, "",
          "File holding the shared bearer token: sent on every call and "
          "required by every RPC of our services (not by gRPC health "
          "checks). Trailing whitespace is ignored.");

namespace ledgfn {
namespace {

// The whole file; INVALID_ARGUMENT naming `flag` if it cannot be read.
absl::StatusOr<std::string> ReadFlagFile(const std::string& flag,
                                         const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--", flag, ": cannot read ", path, ": ", std::strerror(errno)));
  }
  std::ostringstream content;
  content << in.rdbuf();
  if (in.bad()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--", flag, ": cannot read ", path));
  }
  return content.str();
}

// A PEM file's content, or "" when the flag is unset.
absl::StatusOr<std::string> ReadPemFlag(const std::string& flag,
                                        const std::string& path) {
  if (path.empty()) return std::string();
  absl::StatusOr<std::string> pem = ReadFlagFile(flag, path);
  if (!pem.ok()) return pem.status();
  if (!absl::StrContains(*pem, "-----BEGIN ")) {
    return absl::InvalidArgumentError(
        absl::StrCat("--", flag, ": ", path, " holds no PEM block"));
  }
  return pem;
}

}  // namespace

absl::StatusOr<std::string> ReadTokenFile(const std::string& path) {
  absl::StatusOr<std::string> token = ReadFlagFile("auth_token_file", path);
  if (!token.ok()) return token.status();
  absl::StripTrailingAsciiWhitespace(&*token);
  if (token->empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--auth_token_file: ", path, " is empty"));
  }
  for (char c : *token) {
    if (c <= ' ' || c > '~') {
      return absl::InvalidArgumentError(absl::StrCat(
          "--auth_token_file: ", path,
          " must hold one line of printable ASCII without spaces"));
    }
  }
  return token;
}

absl::StatusOr<SecurityOptions> SecurityFromFlags(bool serves) {
  SecurityOptions o;
  absl::StatusOr<std::string> cert =
      ReadPemFlag("tls_cert", absl::GetFlag(FLAGS_tls_cert));
  if (!cert.ok()) return cert.status();
  absl::StatusOr<std::string> key =
      ReadPemFlag("tls_key", absl::GetFlag(FLAGS_tls_key));
  if (!key.ok()) return key.status();
  absl::StatusOr<std::string> ca =
      ReadPemFlag("tls_ca", absl::GetFlag(FLAGS_tls_ca));
  if (!ca.ok()) return ca.status();
  o.cert_pem = *std::move(cert);
  o.key_pem = *std::move(key);
  o.ca_pem = *std::move(ca);
  o.server_name = absl::GetFlag(FLAGS_tls_server_name);
  o.tls = !o.cert_pem.empty() || !o.key_pem.empty() || !o.ca_pem.empty();
  if (o.cert_pem.empty() != o.key_pem.empty()) {
    return absl::InvalidArgumentError(
        "--tls_cert and --tls_key must be given together");
  }
  if (serves && o.tls && o.cert_pem.empty()) {
    return absl::InvalidArgumentError(
        "a TLS server needs --tls_cert and --tls_key (--tls_ca alone only "
        "suits a client)");
  }
  if (!o.tls && !o.server_name.empty()) {
    return absl::InvalidArgumentError(
        "--tls_server_name needs TLS (--tls_ca, or --tls_cert and --tls_key)");
  }
  const std::string token_file = absl::GetFlag(FLAGS_auth_token_file);
  if (!token_file.empty()) {
    absl::StatusOr<std::string> token = ReadTokenFile(token_file);
    if (!token.ok()) return token.status();
    o.token = *std::move(token);
  }
  return o;
}

}  // namespace ledgfn
