// PolicyChunkAssembler: the actor's reassembly of policy versions from a
// hostile or broken chunk stream, without a server.
#include "proto/policy_chunk_assembler.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "proto/policy_checksum.h"

namespace ledgfn {
namespace {

std::string Bytes(const std::vector<float>& values) {
  return std::string(reinterpret_cast<const char*>(values.data()),
                     values.size() * sizeof(float));
}

proto::PolicyChunk Chunk(int64_t version, int64_t total, int64_t offset,
                         std::string data, bool last, uint64_t checksum) {
  proto::PolicyChunk c;
  c.set_version(version);
  c.set_total_bytes(total);
  c.set_offset(offset);
  c.set_data(std::move(data));
  c.set_last(last);
  c.set_checksum(checksum);
  return c;
}

const std::vector<float> kValues = {1.5f, -2.0f, 3.25f};

TEST(PolicyChunkAssemblerTest, ReassemblesChunksOfAnySize) {
  const std::string bytes = Bytes(kValues);
  const uint64_t sum = PolicyChecksum(kValues);
  PolicyChunkAssembler assembler(1 << 20);
  // 5 + 7 bytes: chunk boundaries inside floats.
  auto first = assembler.Add(Chunk(3, 12, 0, bytes.substr(0, 5), false, sum), 0);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->weights, nullptr);
  EXPECT_TRUE(assembler.in_progress());
  auto second = assembler.Add(Chunk(3, 12, 5, bytes.substr(5), true, sum), 0);
  ASSERT_TRUE(second.ok()) << second.status();
  ASSERT_NE(second->weights, nullptr);
  EXPECT_EQ(second->weights->version, 3);
  EXPECT_EQ(second->weights->values, kValues);
  EXPECT_FALSE(assembler.in_progress());
}

TEST(PolicyChunkAssemblerTest, MemoryFollowsBytesReceivedNotTheAnnouncedSize) {
  // A hostile learner announces 1 GiB and sends 8 bytes: the client must not
  // allocate the announced size up front.
  const int64_t huge = int64_t{1} << 30;
  PolicyChunkAssembler assembler(huge);
  auto r = assembler.Add(Chunk(1, huge, 0, std::string(8, 'x'), false, 0), 0);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_LE(assembler.buffered_bytes(), 64);
}

TEST(PolicyChunkAssemblerTest, EmptyVersionIsOneChunk) {
  PolicyChunkAssembler assembler(1 << 20);
  auto r = assembler.Add(Chunk(1, 0, 0, "", true, PolicyChecksum({})), 0);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_NE(r->weights, nullptr);
  EXPECT_TRUE(r->weights->values.empty());
}

TEST(PolicyChunkAssemblerTest, VersionsNotAboveTheHeldOneAreIgnored) {
  PolicyChunkAssembler assembler(1 << 20);
  auto r = assembler.Add(Chunk(2, 12, 0, Bytes(kValues), true, 0), 2);
  ASSERT_TRUE(r.ok()) << r.status();  // not checksummed: dropped anyway
  EXPECT_TRUE(r->ignored);
  EXPECT_EQ(r->weights, nullptr);
}

struct BadStream {
  const char* name;
  std::vector<proto::PolicyChunk> chunks;  // the last one must be rejected
};

class PolicyChunkAssemblerRejectTest
    : public ::testing::TestWithParam<BadStream> {};

TEST_P(PolicyChunkAssemblerRejectTest, IsDataLoss) {
  PolicyChunkAssembler assembler(64);
  const std::vector<proto::PolicyChunk>& chunks = GetParam().chunks;
  for (size_t i = 0; i + 1 < chunks.size(); ++i) {
    ASSERT_TRUE(assembler.Add(chunks[i], 0).ok()) << "chunk " << i;
  }
  auto r = assembler.Add(chunks.back(), 0);
  EXPECT_TRUE(absl::IsDataLoss(r.status())) << r.status();
}

const std::string kBytes = Bytes(kValues);
const uint64_t kSum = PolicyChecksum(kValues);

INSTANTIATE_TEST_SUITE_P(
    Hostile, PolicyChunkAssemblerRejectTest,
    ::testing::Values(
        BadStream{"FirstOffsetNotZero", {Chunk(1, 12, 4, "abcd", false, kSum)}},
        BadStream{"TotalNotWholeFloats", {Chunk(1, 10, 0, "", false, kSum)}},
        BadStream{"NegativeTotal", {Chunk(1, -4, 0, "", false, kSum)}},
        BadStream{"TotalAboveTheLimit", {Chunk(1, 68, 0, "", false, kSum)}},
        BadStream{"VersionNotIncreasing",
                  {Chunk(2, 12, 0, kBytes, true, kSum),
                   Chunk(2, 12, 0, kBytes, true, kSum)}},
        BadStream{"NonPositiveVersion", {Chunk(0, 12, 0, kBytes, true, kSum)}},
        BadStream{"OffsetGap",
                  {Chunk(1, 12, 0, kBytes.substr(0, 4), false, kSum),
                   Chunk(1, 12, 8, kBytes.substr(8), true, kSum)}},
        BadStream{"TotalChangesMidVersion",
                  {Chunk(1, 12, 0, kBytes.substr(0, 4), false, kSum),
                   Chunk(1, 16, 4, kBytes.substr(4), true, kSum)}},
        BadStream{"Overrun", {Chunk(1, 8, 0, kBytes, true, kSum)}},
        BadStream{"LastBeforeTotal",
                  {Chunk(1, 12, 0, kBytes.substr(0, 8), true, kSum)}},
        BadStream{"ChecksumMismatch", {Chunk(1, 12, 0, kBytes, true, kSum ^ 1)}}),
    [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace ledgfn
