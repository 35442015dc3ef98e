#include "learner/version_lease.h"

#include <algorithm>
#include <fstream>
#include <sstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/file_util.h"

namespace ledgfn {

absl::StatusOr<std::unique_ptr<VersionLease>> VersionLease::Open(
    const std::string& dir, int64_t at_least, int64_t block) {
  if (block < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("version lease block must be >= 1, got ", block));
  }
  const std::string path = dir + "/VERSIONS";
  int64_t high_water = 0;
  std::ifstream in(path);
  if (in) {
    std::stringstream text;
    text << in.rdbuf();
    if (!absl::SimpleAtoi(absl::StripAsciiWhitespace(text.str()), &high_water) ||
        high_water < 0) {
      return absl::DataLossError(absl::StrCat(
          path, " does not hold a version number; it records the highest "
                "policy version published, remove it only with the checkpoints"));
    }
  }
  return std::unique_ptr<VersionLease>(
      new VersionLease(path, std::max(high_water, at_least), block));
}

absl::StatusOr<int64_t> VersionLease::Next() {
  if (next_ > reserved_) {
    const int64_t reserve = next_ + block_ - 1;
    if (absl::Status s = WriteFileAtomically(path_, absl::StrCat(reserve, "\n"));
        !s.ok()) {
      return s;
    }
    reserved_ = reserve;
  }
  return next_++;
}

absl::Status VersionLease::Release() {
  const int64_t last = next_ - 1;
  if (absl::Status s = WriteFileAtomically(path_, absl::StrCat(last, "\n"));
      !s.ok()) {
    return s;
  }
  reserved_ = last;
  return absl::OkStatus();
}

}  // namespace ledgfn
