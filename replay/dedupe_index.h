// Bounded memory of which trajectory keys (actor_id, incarnation, sequence)
// the replay service has seen, for idempotent inserts (DESIGN §2.4).
#ifndef LEDGFN_REPLAY_DEDUPE_INDEX_H_
#define LEDGFN_REPLAY_DEDUPE_INDEX_H_

#include <cstdint>
#include <utility>
#include <vector>

#include "absl/container/btree_set.h"
#include "absl/container/flat_hash_map.h"

namespace ledgfn {

// Remembers which trajectory keys (actor_id, incarnation, sequence) were
// seen, in bounded memory. Rule, per (actor_id, incarnation) "stream":
//   * `floor`: every sequence < floor counts as seen;
//   * `recent`: the seen sequences >= floor, always within
//     [floor, floor + window);
//   * Add(s): ignored if already seen; otherwise s joins `recent`, and
//     `floor` then advances over every contiguous seen sequence. If s >=
//     floor + window, `floor` first jumps to s - window + 1: the unseen
//     sequences below it are forfeited, i.e. they count as seen from now on
//     (a later arrival is acked as a duplicate and NOT stored: at most once
//     wins over at least once).
// An actor that numbers its trajectories 0, 1, 2, ... per incarnation, sends
// them in order and after a reconnect resends only its unacked tail never
// leaves a gap, so `recent` stays empty and nothing is forfeited; the state
// is then O(1) per incarnation. At most `max_incarnations` streams are kept;
// creating one more forgets the least recently added-to stream (an actor
// process that stopped long ago does not resend). Not thread-safe.
class DedupeIndex {
 public:
  // window >= 1, max_incarnations >= 1 (clamped up to 1).
  DedupeIndex(int64_t window, int64_t max_incarnations);

  bool Contains(int32_t actor_id, uint64_t incarnation,
                uint64_t sequence) const;
  void Add(int32_t actor_id, uint64_t incarnation, uint64_t sequence);
  // Streams (incarnations) remembered now.
  int64_t num_incarnations() const {
    return static_cast<int64_t>(streams_.size());
  }

  // The whole state, for replay durability (replay/snapshot.h): one entry
  // per stream, least recently used first, so that Import of an Export
  // restores the same answers and the same eviction order.
  struct StreamState {
    int32_t actor_id = 0;
    uint64_t incarnation = 0;
    uint64_t floor = 0;
    std::vector<uint64_t> recent;  // ascending, each in [floor, floor + window)
  };
  std::vector<StreamState> Export() const;
  // Adds the streams of an Export (typically into an empty index), oldest
  // first. Recent sequences go through the rule of Add, so a damaged state
  // can only forfeit sequences, never break the invariants.
  void Import(const std::vector<StreamState>& streams);

 private:
  struct Stream {
    uint64_t floor = 0;
    absl::btree_set<uint64_t> recent;
    uint64_t last_used = 0;
  };
  using StreamId = std::pair<int32_t, uint64_t>;

  // The stream's state, created (forgetting the least recently used stream
  // when full) if new; marks it as used now.
  Stream& FindOrCreate(int32_t actor_id, uint64_t incarnation);
  // Marks `sequence` seen in `s` by the rule of the class comment.
  void AddTo(Stream& s, uint64_t sequence) const;

  const uint64_t window_;
  const int64_t max_incarnations_;
  uint64_t tick_ = 0;
  absl::flat_hash_map<StreamId, Stream> streams_;
};

}  // namespace ledgfn

#endif  // LEDGFN_REPLAY_DEDUPE_INDEX_H_
