// What replay durability saves and restores (replay/snapshot.h,
// replay/recovery.h), in domain types: the replay core (replay_buffer.h)
// captures it and restores from it without knowing the storage format.
#ifndef LEDGFN_REPLAY_REPLAY_STATE_H_
#define LEDGFN_REPLAY_REPLAY_STATE_H_

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "common/trajectory.h"
#include "replay/dedupe_index.h"

namespace ledgfn {

// What durability saves and restores. Indices are global insertion indices
// (proto/replay_storage.proto): items[i] has index first_index + i.
struct ReplayState {
  std::string task;
  int64_t first_index = 0;
  int64_t end_index = 0;       // trajectories ever stored
  int64_t fresh_cursor = 0;    // index of the next item FRESH returns
  int64_t limiter_samples = 0; // samples the rate limiter recorded, ever
  std::deque<std::shared_ptr<const Trajectory>> items;
  std::vector<DedupeIndex::StreamState> dedupe;
};

}  // namespace ledgfn

#endif  // LEDGFN_REPLAY_REPLAY_STATE_H_
