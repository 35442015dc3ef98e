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

namespace ledgfn {

// Creates `path` and its missing parents (mode 0755). PERMISSION_DENIED
// with the reason if one cannot be created.
absl::Status MakeDirs(const std::string& path);

// Writes all of `data` to `fd`, retrying short writes and EINTR.
absl::Status WriteFully(int fd, const std::string& data,
                        const std::string& path);
// fdatasync(fd): the file's data is on disk when it returns OK.
absl::Status SyncFile(int fd, const std::string& path);
// fsync of a directory: makes a rename into it, or a file created in it,
// survive a crash of the machine.
absl::Status SyncDirectory(const std::string& dir);
// Writes `data` to `path` atomically and durably: a temporary file in the
// same directory, fsynced, renamed over `path`, then the directory fsynced.
// A reader sees the old file or the new one, never a mix.
absl::Status WriteFileAtomically(const std::string& path,
                                 const std::string& data);

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
