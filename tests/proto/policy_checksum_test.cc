// The policy checksum on the wire: zlib's CRC-32 of the float bytes, the same
// whether computed at once (learner) or chunk by chunk (actors).
#include "proto/policy_checksum.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace ledgfn {
namespace {

// CRC-32 one bit at a time (reflected polynomial 0xEDB88320), independent of
// zlib.
uint32_t BitwiseCrc32(const std::string& bytes) {
  uint32_t crc = 0xffffffffu;
  for (unsigned char b : bytes) {
    crc ^= b;
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
  }
  return ~crc;
}

std::vector<float> RandomFloats(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal;
  std::vector<float> v(n);
  for (float& x : v) x = normal(rng);
  return v;
}

std::string Bytes(const std::vector<float>& values) {
  return std::string(reinterpret_cast<const char*>(values.data()),
                     values.size() * sizeof(float));
}

TEST(PolicyChecksumTest, IsZlibCrc32OfLittleEndianFloatBytes) {
  // Reference values from Python: zlib.crc32(struct.pack("<3f", 1, 2, 3)),
  // and the same for 1, -2.5, 3.25 (bytes 0000803f 000020c0 00005040).
  EXPECT_EQ(PolicyChecksum({}), 0u);
  EXPECT_EQ(PolicyChecksum(std::vector<float>{1.0f, 2.0f, 3.0f}), 2987300529u);
  EXPECT_EQ(PolicyChecksum(std::vector<float>{1.0f, -2.5f, 3.25f}), 0x4e863144u);

  const std::vector<float> r = RandomFloats(1000, 3);
  EXPECT_EQ(PolicyChecksum(r), BitwiseCrc32(Bytes(r)));
  std::vector<float> r2 = r;
  r2[500] = std::nextafter(r2[500], 2.0f);  // one bit
  EXPECT_NE(PolicyChecksum(r), PolicyChecksum(r2));
}

TEST(PolicyChecksumTest, ChunkedUpdatesEqualTheOneShotValue) {
  const std::vector<float> values = RandomFloats(4096, 7);
  const std::string bytes = Bytes(values);
  const uint64_t whole = PolicyChecksum(values);
  // Chunk sizes that cut floats apart, an empty chunk, and a large one.
  for (size_t chunk : {1, 3, 5, 4, 1000, 16384}) {
    uint64_t sum = kPolicyChecksumSeed;
    for (size_t at = 0; at < bytes.size(); at += chunk) {
      const size_t n = std::min(chunk, bytes.size() - at);
      sum = PolicyChecksumUpdate(sum, bytes.data() + at, n);
      sum = PolicyChecksumUpdate(sum, nullptr, 0);
    }
    EXPECT_EQ(sum, whole) << "chunks of " << chunk << " bytes";
  }
}

}  // namespace
}  // namespace ledgfn
