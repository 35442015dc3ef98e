// The checksum of a policy version on the wire (PolicyChunk.checksum):
// FNV-1a 64 (offset basis 0xcbf29ce484222325, prime 0x100000001b3) over the
// little-endian float32 bytes of the parameters. The learner computes it once
// per version; actors update it chunk by chunk as bytes arrive.
#ifndef LEDGFN_PROTO_POLICY_CHECKSUM_H_
#define LEDGFN_PROTO_POLICY_CHECKSUM_H_

#include <cstddef>
#include <cstdint>

#include "absl/types/span.h"
#include "common/fnv1a.h"

namespace ledgfn {

inline constexpr uint64_t kPolicyChecksumSeed = kFnv1aOffsetBasis;

// Continues a checksum `h` over `n` more bytes.
inline uint64_t PolicyChecksumUpdate(uint64_t h, const char* data, size_t n) {
  return Fnv1aUpdate(h, data, n);
}

inline uint64_t PolicyChecksum(absl::Span<const float> values) {
  return PolicyChecksumUpdate(kPolicyChecksumSeed,
                              reinterpret_cast<const char*>(values.data()),
                              values.size() * sizeof(float));
}

}  // namespace ledgfn

#endif  // LEDGFN_PROTO_POLICY_CHECKSUM_H_
