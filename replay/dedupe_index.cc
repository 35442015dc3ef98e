#include "replay/dedupe_index.h"

#include <algorithm>

namespace ledgfn {

DedupeIndex::DedupeIndex(int64_t window, int64_t max_incarnations)
    : window_(static_cast<uint64_t>(std::max<int64_t>(window, 1))),
      max_incarnations_(std::max<int64_t>(max_incarnations, 1)) {}

bool DedupeIndex::Contains(int32_t actor_id, uint64_t incarnation,
                           uint64_t sequence) const {
  auto it = streams_.find(StreamId(actor_id, incarnation));
  if (it == streams_.end()) return false;
  const Stream& s = it->second;
  return sequence < s.floor || s.recent.contains(sequence);
}

DedupeIndex::Stream& DedupeIndex::FindOrCreate(int32_t actor_id,
                                              uint64_t incarnation) {
  const StreamId id(actor_id, incarnation);
  auto it = streams_.find(id);
  if (it == streams_.end()) {
    if (static_cast<int64_t>(streams_.size()) >= max_incarnations_) {
      // Forget the least recently used stream. O(streams), but only when a
      // new incarnation appears while the index is full.
      auto oldest = streams_.begin();
      for (auto s = streams_.begin(); s != streams_.end(); ++s) {
        if (s->second.last_used < oldest->second.last_used) oldest = s;
      }
      streams_.erase(oldest);
    }
    it = streams_.emplace(id, Stream()).first;
  }
  it->second.last_used = ++tick_;
  return it->second;
}

void DedupeIndex::AddTo(Stream& s, uint64_t sequence) const {
  if (sequence < s.floor || s.recent.contains(sequence)) return;
  if (sequence - s.floor >= window_) {
    // Keep `recent` within [floor, floor + window): forfeit the gap below.
    s.floor = sequence - window_ + 1;
    s.recent.erase(s.recent.begin(), s.recent.lower_bound(s.floor));
  }
  s.recent.insert(sequence);
  while (!s.recent.empty() && *s.recent.begin() == s.floor) {
    s.recent.erase(s.recent.begin());
    ++s.floor;
  }
}

void DedupeIndex::Add(int32_t actor_id, uint64_t incarnation,
                      uint64_t sequence) {
  AddTo(FindOrCreate(actor_id, incarnation), sequence);
}

std::vector<DedupeIndex::StreamState> DedupeIndex::Export() const {
  std::vector<std::pair<uint64_t, StreamState>> by_use;
  by_use.reserve(streams_.size());
  for (const auto& [id, stream] : streams_) {
    StreamState state;
    state.actor_id = id.first;
    state.incarnation = id.second;
    state.floor = stream.floor;
    state.recent.assign(stream.recent.begin(), stream.recent.end());
    by_use.emplace_back(stream.last_used, std::move(state));
  }
  std::sort(by_use.begin(), by_use.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<StreamState> out;
  out.reserve(by_use.size());
  for (auto& entry : by_use) out.push_back(std::move(entry.second));
  return out;
}

void DedupeIndex::Import(const std::vector<StreamState>& streams) {
  for (const StreamState& state : streams) {
    Stream& stream = FindOrCreate(state.actor_id, state.incarnation);
    if (stream.floor < state.floor) {
      stream.floor = state.floor;
      stream.recent.erase(stream.recent.begin(),
                          stream.recent.lower_bound(stream.floor));
    }
    for (uint64_t sequence : state.recent) AddTo(stream, sequence);
  }
}

}  // namespace ledgfn
