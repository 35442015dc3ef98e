// One-line, timestamped log records on stderr for the ledgfn programs:
//
//   2026-12-04T16:40:01.123Z ledgfn_learner I: serving version 3
//
// UTC time with milliseconds, the process's role (SetLogRole, once in
// main(); "ledgfn" until then), the severity (I, W or E), the message. Each
// record is formatted whole and written with one write(2) under a process-
// wide mutex: records of concurrent threads never interleave, and one of at
// most PIPE_BUF (4096) bytes is not split by other processes writing to the
// same pipe either (a log collector reading several roles). Messages are
// single lines without the trailing newline, which the record adds.
//
// Why not glog (linked anyway through LibTorch): it needs InitGoogleLogging
// in every main, writes its own prefix (thread id, file:line) in its local
// time format, is absent from the torch-free builds (fuzz, replay-only), and
// brings flags of its own into --helpfull. This is the little we need.
//
// Only for logs of long-running roles. Usage errors ("<program>: <reason>",
// launcher/cli.h), --help, progress bars and result tables are not logs.
#ifndef LEDGFN_COMMON_LOG_H_
#define LEDGFN_COMMON_LOG_H_

#include <cstdint>
#include <string>

#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace ledgfn {

enum class LogSeverity { kInfo, kWarning, kError };

// The role named in every record from now on, e.g. "ledgfn_actor/3".
void SetLogRole(absl::string_view role);

// The record for `message` at `time`, newline included. Exposed for tests.
std::string FormatLogRecord(absl::Time time, absl::string_view role,
                            LogSeverity severity, absl::string_view message);

// Writes the record of `message`, now, to stderr (file comment).
void Log(LogSeverity severity, absl::string_view message);

// Whether the n-th occurrence (from 1) of a repeated event is logged: the
// first ten, then every thousandth, so a flood of one bad input stays a
// trickle of lines that still shows it going on.
inline bool IsLoggedOccurrence(int64_t n) { return n <= 10 || n % 1000 == 0; }

template <typename... Args>
void LogInfo(const absl::FormatSpec<Args...>& format, const Args&... args) {
  Log(LogSeverity::kInfo, absl::StrFormat(format, args...));
}
template <typename... Args>
void LogWarning(const absl::FormatSpec<Args...>& format, const Args&... args) {
  Log(LogSeverity::kWarning, absl::StrFormat(format, args...));
}
template <typename... Args>
void LogError(const absl::FormatSpec<Args...>& format, const Args&... args) {
  Log(LogSeverity::kError, absl::StrFormat(format, args...));
}

}  // namespace ledgfn

#endif  // LEDGFN_COMMON_LOG_H_
