// Reassembly of policy versions from one WatchPolicy stream of PolicyChunks
// (proto/ledgfn.proto), as a pure state machine: no gRPC calls, no threads,
// so the checks are unit-tested and fuzzed without a server
// (fuzz/policy_chunk_fuzzer.cc). actor/policy_client.h feeds it.
//
// Checks, per version: the first chunk has offset 0, version above the last
// version completed on this stream, and total_bytes a multiple of 4 in
// [0, max_total_bytes]; every further chunk repeats the version, total_bytes
// and checksum of the first, and its offset is the number of bytes received
// so far; no chunk overruns total_bytes; the `last` chunk completes exactly
// total_bytes, and the CRC-32 checksum (proto/policy_checksum.h) of the
// bytes must match. Any violation is DATA_LOSS; the stream is then unusable
// (the caller drops it and reconnects with a new assembler).
//
// Memory: the buffer grows with the bytes actually received (geometrically),
// never with the announced total_bytes, so a hostile stream cannot make the
// client allocate more than about twice what it really sent.
//
// A version not above `held_version` (the one the caller already has) is
// read and checked for framing but not buffered or checksummed, and reported
// as ignored.
#ifndef LEDGFN_PROTO_POLICY_CHUNK_ASSEMBLER_H_
#define LEDGFN_PROTO_POLICY_CHUNK_ASSEMBLER_H_

#include <cstdint>
#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "common/policy_weights.h"
#include "proto/ledgfn.pb.h"

namespace ledgfn {

class PolicyChunkAssembler {
 public:
  // What one accepted chunk did.
  struct Outcome {
    // Set when the chunk completed a verified version above held_version.
    std::shared_ptr<PolicyWeights> weights;
    // The chunk completed a version not above held_version (dropped).
    bool ignored = false;
  };

  // max_total_bytes < 0 is taken as 0.
  explicit PolicyChunkAssembler(int64_t max_total_bytes);

  // Applies the next chunk of the stream. `held_version` is read only by a
  // version's first chunk. DATA_LOSS with the reason on any violation (see
  // the file comment).
  absl::StatusOr<Outcome> Add(const proto::PolicyChunk& chunk,
                              int64_t held_version);

  // A version has started and not completed.
  bool in_progress() const { return active_; }
  // Bytes of the buffer held now (its capacity), for the memory bound.
  int64_t buffered_bytes() const {
    return static_cast<int64_t>(values_.capacity() * sizeof(float));
  }

 private:
  absl::Status Start(const proto::PolicyChunk& chunk, int64_t held_version);

  const int64_t max_total_bytes_;
  int64_t stream_version_ = 0;  // last version completed on this stream
  bool active_ = false;
  bool ignore_ = false;
  int64_t version_ = 0;
  int64_t total_ = 0;
  uint64_t checksum_ = 0;
  int64_t received_ = 0;
  uint64_t hash_ = 0;
  std::vector<float> values_;
};

}  // namespace ledgfn

#endif  // LEDGFN_PROTO_POLICY_CHUNK_ASSEMBLER_H_
