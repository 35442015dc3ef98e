// Crash-safe file writes for learner checkpoints and the policy-version
// lease: after a power loss or kill -9 a reader sees either the old complete
// contents or the new complete contents, never a torn file.
//
// Rule: write a temporary, fsync it, rename it over the target (atomic on
// POSIX), then fsync the parent directory so the rename itself is durable.
#ifndef LEDGFN_LEARNER_DURABLE_FILE_H_
#define LEDGFN_LEARNER_DURABLE_FILE_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace ledgfn {

// Creates (truncates) `path`, writes `contents` and fsyncs it.
absl::Status WriteFileSynced(const std::string& path, absl::string_view contents);

// Replaces `path` with `contents` atomically and durably (via path + ".tmp").
absl::Status WriteFileAtomically(const std::string& path,
                                 absl::string_view contents);

// fsyncs a file or a directory (a directory: its entries, e.g. a rename).
absl::Status SyncPath(const std::string& path);

// rename(2) followed by an fsync of `to`'s parent directory.
absl::Status RenameDurably(const std::string& from, const std::string& to);

}  // namespace ledgfn

#endif  // LEDGFN_LEARNER_DURABLE_FILE_H_
