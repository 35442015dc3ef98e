// Policy versions that stay strictly increasing across learner restarts,
// kill -9 included (actors drop a version not above the one they hold, see
// actor/policy_client.h, so a learner that restarted from 1 would be ignored).
//
// The rule: <dir>/VERSIONS holds a number N such that every version any
// learner has published from this directory is <= N. Versions are handed out
// from a lease: before version v > N is used, N is raised to v + block - 1 and
// persisted (atomically and durably, common/file_util.h). A restarted
// learner therefore starts at N + 1, above anything published before, at the
// cost of a gap of at most `block` versions after a crash; after a clean
// shutdown Release() records the last version handed out, so the
// next run continues right after it. The file is written once per `block`
// versions, not per publish.
//
// One learner per directory at a time. Not thread-safe (the learner's
// training thread publishes).
#ifndef LEDGFN_LEARNER_VERSION_LEASE_H_
#define LEDGFN_LEARNER_VERSION_LEASE_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace ledgfn {

class VersionLease {
 public:
  static constexpr int64_t kDefaultBlock = 100;

  // Reads <dir>/VERSIONS (absent: 0). Versions handed out will also be above
  // `at_least` (e.g. the version stored in the checkpoint being resumed, in
  // case the file was lost). DATA_LOSS when the file is not a number;
  // INVALID_ARGUMENT when block < 1.
  static absl::StatusOr<std::unique_ptr<VersionLease>> Open(
      const std::string& dir, int64_t at_least = 0,
      int64_t block = kDefaultBlock);

  // The next version to publish, persisting a new reservation first when the
  // current one is used up. An error (disk) means: do not publish.
  absl::StatusOr<int64_t> Next();

  // Clean shutdown: records the last version handed out as the high-water
  // mark, returning the unused rest of the reservation.
  absl::Status Release();

  // Versions up to this may have been published by earlier runs.
  int64_t previous_high_water() const { return previous_; }

 private:
  VersionLease(std::string path, int64_t previous, int64_t block)
      : path_(std::move(path)), previous_(previous), reserved_(previous),
        next_(previous + 1), block_(block) {}

  std::string path_;
  int64_t previous_;
  int64_t reserved_;  // persisted: every version handed out is <= this
  int64_t next_;
  int64_t block_;
};

}  // namespace ledgfn

#endif  // LEDGFN_LEARNER_VERSION_LEASE_H_
