// Command-line plumbing shared by the ledgfn programs: usage text, --help
// limited to our own flags, and one-line fatal errors.
#ifndef LEDGFN_LAUNCHER_CLI_H_
#define LEDGFN_LAUNCHER_CLI_H_

#include <string>
#include <vector>

#include "absl/status/status.h"

namespace ledgfn {

// Sets the usage message, makes --help list the flags defined under
// launcher/ (ours, not abseil's or gRPC's), parses argv and returns argv[0].
// An unknown flag, a malformed value or a positional argument is reported on
// one line "<program>: <reason>" and exits with status 2 (absl alone would
// print several lines and exit 1).
std::vector<char*> ParseCommandLine(const char* program, int argc, char** argv,
                                    const std::string& usage);

// Prints "<program>: <message>" on one line to stderr and exits with 2.
[[noreturn]] void Fail(const std::string& program, const absl::Status& status);

// The host of a --address flag's "host:port" (IPv6 literals keep their
// brackets), for the "serving ... on <host>:<bound port>" log lines.
std::string HostOf(const std::string& address);

}  // namespace ledgfn

#endif  // LEDGFN_LAUNCHER_CLI_H_
