#include "common/file_util.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace ledgfn {
namespace {

absl::Status ErrnoError(const std::string& what, const std::string& path) {
  const int err = errno;
  const std::string text = absl::StrCat(what, " ", path, ": ", std::strerror(err));
  if (err == ENOENT) return absl::NotFoundError(text);
  if (err == EACCES || err == EPERM || err == EROFS) {
    return absl::PermissionDeniedError(text);
  }
  return absl::InternalError(text);
}

std::string DirOf(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

}  // namespace

absl::Status MakeDirs(const std::string& path) {
  for (size_t i = 1; i <= path.size(); ++i) {
    if (i < path.size() && path[i] != '/') continue;
    const std::string partial = path.substr(0, i);
    if (mkdir(partial.c_str(), 0755) != 0 && errno != EEXIST) {
      return absl::PermissionDeniedError(absl::StrCat(
          "cannot create directory ", partial, ": ", std::strerror(errno)));
    }
  }
  return absl::OkStatus();
}

absl::Status WriteFully(int fd, absl::string_view data,
                        const std::string& path) {
  size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoError("cannot write", path);
    }
    done += static_cast<size_t>(n);
  }
  return absl::OkStatus();
}

absl::Status SyncFile(int fd, const std::string& path) {
  if (::fdatasync(fd) != 0) return ErrnoError("cannot sync", path);
  return absl::OkStatus();
}

absl::Status SyncPath(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoError("cannot open", path);
  absl::Status status = absl::OkStatus();
  if (::fsync(fd) != 0) status = ErrnoError("cannot sync", path);
  ::close(fd);
  return status;
}

absl::Status WriteFileSynced(const std::string& path, absl::string_view data) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return ErrnoError("cannot create", path);
  absl::Status status = WriteFully(fd, data, path);
  if (status.ok() && ::fsync(fd) != 0) status = ErrnoError("cannot sync", path);
  if (::close(fd) != 0 && status.ok()) status = ErrnoError("cannot close", path);
  return status;
}

absl::Status RenameDurably(const std::string& from, const std::string& to) {
  if (std::rename(from.c_str(), to.c_str()) != 0) {
    return ErrnoError("cannot rename " + from + " to", to);
  }
  return SyncPath(DirOf(to));
}

absl::Status WriteFileAtomically(const std::string& path, absl::string_view data) {
  const std::string tmp = path + ".tmp";
  absl::Status status = WriteFileSynced(tmp, data);
  if (status.ok()) status = RenameDurably(tmp, path);
  if (!status.ok()) ::unlink(tmp.c_str());
  return status;
}

absl::StatusOr<std::vector<std::string>> ListDir(const std::string& dir,
                                                 const std::string& prefix,
                                                 const std::string& suffix) {
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return ErrnoError("cannot list", dir);
  std::vector<std::string> names;
  while (const dirent* entry = ::readdir(d)) {
    const std::string name = entry->d_name;
    if (name.size() >= prefix.size() + suffix.size() &&
        absl::StartsWith(name, prefix) && absl::EndsWith(name, suffix)) {
      names.push_back(name);
    }
  }
  ::closedir(d);
  std::sort(names.begin(), names.end());
  return names;
}

std::string IndexName(const std::string& prefix, int64_t index,
                      const std::string& suffix) {
  return absl::StrFormat("%s%020d%s", prefix, index, suffix);
}

int64_t ParseIndexName(const std::string& name, const std::string& prefix,
                       const std::string& suffix) {
  if (name.size() != prefix.size() + 20 + suffix.size() ||
      !absl::StartsWith(name, prefix) || !absl::EndsWith(name, suffix)) {
    return -1;
  }
  const std::string digits = name.substr(prefix.size(), 20);
  if (!std::all_of(digits.begin(), digits.end(),
                   [](char c) { return c >= '0' && c <= '9'; })) {
    return -1;
  }
  int64_t index = -1;
  if (!absl::SimpleAtoi(digits, &index)) return -1;
  return index;
}

}  // namespace ledgfn
