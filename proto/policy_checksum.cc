#include "proto/policy_checksum.h"

#include <zlib.h>

namespace ledgfn {

uint64_t PolicyChecksumUpdate(uint64_t checksum, const char* data, size_t n) {
  // zlib answers a null buffer (an empty span's data()) with the initial
  // value 0, whatever `checksum` was.
  if (n == 0) return checksum;
  return crc32_z(static_cast<uLong>(checksum),
                 reinterpret_cast<const Bytef*>(data), n);
}

uint64_t PolicyChecksum(absl::Span<const float> values) {
  return PolicyChecksumUpdate(kPolicyChecksumSeed,
                              reinterpret_cast<const char*>(values.data()),
                              values.size() * sizeof(float));
}

}  // namespace ledgfn
