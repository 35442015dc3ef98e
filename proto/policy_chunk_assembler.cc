#include "proto/policy_chunk_assembler.h"

#include <algorithm>
#include <cstring>
#include <utility>

#include "absl/base/config.h"
#include "absl/strings/str_cat.h"
#include "proto/policy_checksum.h"

#if !defined(ABSL_IS_LITTLE_ENDIAN)
#error "PolicyChunk data is little-endian float32; add a byte swap here."
#endif

namespace ledgfn {

PolicyChunkAssembler::PolicyChunkAssembler(int64_t max_total_bytes)
    : max_total_bytes_(std::max<int64_t>(max_total_bytes, 0)) {}

absl::Status PolicyChunkAssembler::Start(const proto::PolicyChunk& chunk,
                                         int64_t held_version) {
  if (chunk.offset() != 0) {
    return absl::DataLossError(absl::StrCat(
        "version ", chunk.version(), " starts at offset ", chunk.offset()));
  }
  if (chunk.total_bytes() < 0 || chunk.total_bytes() % 4 != 0 ||
      chunk.total_bytes() > max_total_bytes_) {
    return absl::DataLossError(absl::StrCat(
        "version ", chunk.version(), " has invalid total_bytes ",
        chunk.total_bytes(), " (a multiple of 4 up to ", max_total_bytes_,
        " expected)"));
  }
  if (chunk.version() <= stream_version_) {
    return absl::DataLossError(absl::StrCat("version ", chunk.version(),
                                            " after version ", stream_version_,
                                            " on the same stream"));
  }
  active_ = true;
  ignore_ = chunk.version() <= held_version;
  version_ = chunk.version();
  total_ = chunk.total_bytes();
  checksum_ = chunk.checksum();
  received_ = 0;
  hash_ = kPolicyChecksumSeed;
  // No reserve(total_): the announced size is not trusted (file comment).
  values_ = {};
  return absl::OkStatus();
}

absl::StatusOr<PolicyChunkAssembler::Outcome> PolicyChunkAssembler::Add(
    const proto::PolicyChunk& chunk, int64_t held_version) {
  if (!active_) {
    if (absl::Status s = Start(chunk, held_version); !s.ok()) return s;
  } else if (chunk.version() != version_ || chunk.total_bytes() != total_ ||
             chunk.checksum() != checksum_ || chunk.offset() != received_) {
    return absl::DataLossError(absl::StrCat(
        "chunk (version ", chunk.version(), ", offset ", chunk.offset(),
        ") does not continue version ", version_, " at offset ", received_));
  }
  const int64_t n = static_cast<int64_t>(chunk.data().size());
  if (n > total_ - received_) {
    return absl::DataLossError(
        absl::StrCat("version ", version_, " overruns its ", total_, " bytes"));
  }
  if (!ignore_ && n > 0) {
    // Chunks need not hold whole floats: size by bytes, rounded up.
    values_.resize(static_cast<size_t>((received_ + n + 3) / 4));
    std::memcpy(reinterpret_cast<char*>(values_.data()) + received_,
                chunk.data().data(), static_cast<size_t>(n));
    hash_ = PolicyChecksumUpdate(hash_, chunk.data().data(),
                                 static_cast<size_t>(n));
  }
  received_ += n;
  Outcome outcome;
  if (!chunk.last()) return outcome;
  if (received_ != total_) {
    return absl::DataLossError(absl::StrCat(
        "version ", version_, " ends at ", received_, " of ", total_, " bytes"));
  }
  if (!ignore_ && hash_ != checksum_) {
    return absl::DataLossError(
        absl::StrCat("version ", version_, " checksum mismatch"));
  }
  active_ = false;
  stream_version_ = version_;
  if (ignore_) {
    outcome.ignored = true;
    return outcome;
  }
  outcome.weights = std::make_shared<PolicyWeights>();
  outcome.weights->version = version_;
  outcome.weights->values = std::move(values_);
  outcome.weights->values.shrink_to_fit();
  values_ = {};
  return outcome;
}

}  // namespace ledgfn
