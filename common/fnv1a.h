// FNV-1a 64 (offset basis 0xcbf29ce484222325, prime 0x100000001b3): a
// stable, host-independent hash of short byte strings, for the names and
// seeds of MIS graph families. (Bulk data uses zlib's CRC-32: the policy
// checksum, proto/policy_checksum.h, and the replay's records.)
#ifndef LEDGFN_COMMON_FNV1A_H_
#define LEDGFN_COMMON_FNV1A_H_

#include <cstddef>
#include <cstdint>

namespace ledgfn {

inline constexpr uint64_t kFnv1aOffsetBasis = 0xcbf29ce484222325ULL;

// Continues hash `h` over `n` more bytes.
inline uint64_t Fnv1aUpdate(uint64_t h, const char* data, size_t n) {
  const auto* bytes = reinterpret_cast<const unsigned char*>(data);
  for (size_t i = 0; i < n; ++i) {
    h ^= bytes[i];
    h *= 0x100000001b3ULL;
  }
  return h;
}

// Continues hash `h` over the 8 little-endian bytes of `value`, so the
// result does not depend on the host.
inline uint64_t Fnv1aUpdateInt(uint64_t h, uint64_t value) {
  char bytes[8];
  for (int i = 0; i < 8; ++i) bytes[i] = static_cast<char>(value >> (8 * i));
  return Fnv1aUpdate(h, bytes, sizeof(bytes));
}

}  // namespace ledgfn

#endif  // LEDGFN_COMMON_FNV1A_H_
