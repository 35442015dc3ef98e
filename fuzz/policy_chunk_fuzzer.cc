// libFuzzer target: a hostile learner's WatchPolicy stream, fed to the
// actor's PolicyChunkAssembler. Input framing: byte 0 is the version the
// actor holds; then records of a 2-byte little-endian length and that many
// bytes, each parsed as one PolicyChunk (the stream ends at the first record
// that does not parse, or at the first rejected chunk, as the watcher drops
// the stream there). Invariants, any input:
//   * memory held stays within twice the payload bytes sent, plus a float,
//     whatever total_bytes the chunks announce;
//   * a completed version is above the held version and above the previous
//     one, holds exactly total_bytes, equals the bytes sent for it, and has
//     the announced checksum;
//   * errors are DATA_LOSS.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

#include "absl/status/status.h"
#include "absl/types/span.h"
#include "fuzz/fuzz_support.h"
#include "proto/ledgfn.pb.h"
#include "proto/policy_checksum.h"
#include "proto/policy_chunk_assembler.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace ledgfn;  // NOLINT: the entry point must be global
  if (size < 1) return 0;
  const int64_t held_version = data[0] % 4;
  PolicyChunkAssembler assembler(/*max_total_bytes=*/1 << 20);
  std::string version_bytes;  // what was sent for the version in progress
  int64_t sent = 0;           // payload bytes of the whole stream
  int64_t last_version = 0;
  size_t pos = 1;
  while (pos + 2 <= size) {
    const size_t len = data[pos] | (size_t{data[pos + 1]} << 8);
    pos += 2;
    if (len > size - pos) return 0;
    proto::PolicyChunk chunk;
    if (!chunk.ParseFromArray(data + pos, static_cast<int>(len))) return 0;
    pos += len;
    if (!assembler.in_progress()) version_bytes.clear();
    absl::StatusOr<PolicyChunkAssembler::Outcome> outcome =
        assembler.Add(chunk, held_version);
    if (!outcome.ok()) {
      FuzzCheck(absl::IsDataLoss(outcome.status()), "errors are DATA_LOSS");
      return 0;
    }
    sent += static_cast<int64_t>(chunk.data().size());
    version_bytes += chunk.data();
    FuzzCheck(assembler.buffered_bytes() <= 2 * sent + 4,
              "memory follows the bytes received, not total_bytes");
    if (outcome->ignored) {
      FuzzCheck(chunk.version() <= held_version, "only old versions are ignored");
    }
    if (outcome->weights == nullptr) continue;
    const PolicyWeights& w = *outcome->weights;
    FuzzCheck(w.version > held_version && w.version > last_version,
              "versions increase");
    last_version = w.version;
    FuzzCheck(static_cast<int64_t>(w.values.size()) * 4 == chunk.total_bytes(),
              "a version holds exactly total_bytes");
    FuzzCheck(version_bytes.size() == w.values.size() * 4 &&
                  (w.values.empty() ||
                   std::memcmp(version_bytes.data(), w.values.data(),
                               version_bytes.size()) == 0),
              "a version is the bytes sent for it");
    FuzzCheck(PolicyChecksum(w.values) == chunk.checksum(),
              "a version has its checksum");
  }
  return 0;
}
