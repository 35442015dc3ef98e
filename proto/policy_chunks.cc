#include "proto/policy_chunks.h"

#include <algorithm>

#include "absl/base/config.h"

#if !defined(ABSL_IS_LITTLE_ENDIAN)
#error "PolicyChunk data is little-endian float32; add a byte swap here."
#endif

namespace ledgfn {

std::vector<proto::PolicyChunk> SplitPolicyVersion(int64_t version,
                                                   absl::Span<const float> values,
                                                   uint64_t checksum,
                                                   int chunk_bytes) {
  const char* bytes = reinterpret_cast<const char*>(values.data());
  const int64_t total = static_cast<int64_t>(values.size() * sizeof(float));
  std::vector<proto::PolicyChunk> chunks;
  chunks.reserve(static_cast<size_t>(total / chunk_bytes + 1));
  int64_t offset = 0;
  do {
    const int64_t n = std::min<int64_t>(chunk_bytes, total - offset);
    proto::PolicyChunk& chunk = chunks.emplace_back();
    chunk.set_version(version);
    chunk.set_total_bytes(total);
    chunk.set_checksum(checksum);
    chunk.set_offset(offset);
    chunk.set_data(bytes + offset, static_cast<size_t>(n));
    offset += n;
    chunk.set_last(offset == total);
  } while (offset < total);
  return chunks;
}

}  // namespace ledgfn
