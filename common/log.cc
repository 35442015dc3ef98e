#include "common/log.h"

#include <unistd.h>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "common/file_util.h"

namespace ledgfn {
namespace {

// Constant-initialised and never destroyed, so records written during static
// initialisation or at exit are safe.
ABSL_CONST_INIT absl::Mutex log_mu(absl::kConstInit);

std::string& Role() ABSL_EXCLUSIVE_LOCKS_REQUIRED(log_mu) {
  static std::string* role = new std::string("ledgfn");
  return *role;
}

char SeverityLetter(LogSeverity severity) {
  switch (severity) {
    case LogSeverity::kInfo:
      return 'I';
    case LogSeverity::kWarning:
      return 'W';
    case LogSeverity::kError:
      return 'E';
  }
  return '?';
}

}  // namespace

void SetLogRole(absl::string_view role) {
  absl::MutexLock lock(&log_mu);
  Role() = std::string(role);
}

std::string FormatLogRecord(absl::Time time, absl::string_view role,
                            LogSeverity severity, absl::string_view message) {
  return absl::StrCat(
      absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", time, absl::UTCTimeZone()), " ",
      role, " ", std::string(1, SeverityLetter(severity)), ": ", message, "\n");
}

void Log(LogSeverity severity, absl::string_view message) {
  const absl::Time now = absl::Now();
  absl::MutexLock lock(&log_mu);
  // A failed write to stderr has nowhere to be reported.
  WriteFully(STDERR_FILENO, FormatLogRecord(now, Role(), severity, message),
             "stderr")
      .IgnoreError();
}

}  // namespace ledgfn
