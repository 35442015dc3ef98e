// The POSIX file operations that durable state needs (replay snapshots and
// write-ahead log, learner checkpoints, port files): directories, full
// writes, fsync of files and directories, and index-named files. Every
// failure is a Status naming the path and the errno text; nothing throws.
#ifndef LEDGFN_COMMON_FILE_UTIL_H_
#define LEDGFN_COMMON_FILE_UTIL_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace ledgfn {

// Creates `path` and its missing parents (mode 0755). PERMISSION_DENIED
// with the reason if one cannot be created.
absl::Status MakeDirs(const std::string& path);

// Writes all of `data` to `fd`, retrying short writes and EINTR.
absl::Status WriteFully(int fd, absl::string_view data,
                        const std::string& path);
// fdatasync(fd): the file's data is on disk when it returns OK.
absl::Status SyncFile(int fd, const std::string& path);
// fsync of a file or a directory (for a directory: its entries, so that a
// rename into it, or a file created in it, survives a crash of the machine).
absl::Status SyncPath(const std::string& path);
// Creates (truncates) `path`, writes `data` and fsyncs it.
absl::Status WriteFileSynced(const std::string& path, absl::string_view data);
// rename(2), then an fsync of `to`'s directory.
absl::Status RenameDurably(const std::string& from, const std::string& to);
// Writes `data` to `path` atomically and durably: `path`.tmp, fsynced,
// renamed over `path`, then the directory fsynced. After a crash a reader
// sees the old contents or the new ones, never a mix.
absl::Status WriteFileAtomically(const std::string& path, absl::string_view data);

// Names of the entries in `dir` that start with `prefix` and end with
// `suffix`, sorted. NOT_FOUND if `dir` does not exist.
absl::StatusOr<std::vector<std::string>> ListDir(const std::string& dir,
                                                 const std::string& prefix,
                                                 const std::string& suffix);
// `prefix` + the non-negative `index` with 20 digits + `suffix`, so that
// names sort numerically.
std::string IndexName(const std::string& prefix, int64_t index,
                      const std::string& suffix);
// The index of a name made by IndexName with this prefix and suffix; -1 if
// `name` is not such a name.
int64_t ParseIndexName(const std::string& name, const std::string& prefix,
                       const std::string& suffix);

}  // namespace ledgfn

#endif  // LEDGFN_COMMON_FILE_UTIL_H_
