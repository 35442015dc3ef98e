// The checksum of a policy version on the wire (PolicyChunk.checksum): the
// CRC-32 of zlib (crc32_z; ISO-HDLC polynomial, the value of Python's
// zlib.crc32) over the little-endian float32 bytes of the parameters, held in
// the low 32 bits of a uint64. The learner computes it once per version;
// actors update it chunk by chunk as bytes arrive, and any split of the bytes
// gives the value of one pass.
//
// It guards against corruption and bugs, not tampering (that is TLS's job,
// docs/security.md). CRC-32 replaced FNV-1a 64, whose serial multiply per
// byte dominated the watchers' time in the broadcast benchmark and is about
// 4x slower (docs/performance.md); the two do not interoperate, so learners
// and actors must be of the same build.
#ifndef LEDGFN_PROTO_POLICY_CHECKSUM_H_
#define LEDGFN_PROTO_POLICY_CHECKSUM_H_

#include <cstddef>
#include <cstdint>

#include "absl/types/span.h"

namespace ledgfn {

// The checksum of no bytes, where PolicyChecksumUpdate starts.
inline constexpr uint64_t kPolicyChecksumSeed = 0;

// Continues `checksum` over `n` more bytes.
uint64_t PolicyChecksumUpdate(uint64_t checksum, const char* data, size_t n);

uint64_t PolicyChecksum(absl::Span<const float> values);

}  // namespace ledgfn

#endif  // LEDGFN_PROTO_POLICY_CHECKSUM_H_
