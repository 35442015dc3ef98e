// The wire form of one policy version: the Policy service streams it, and
// the tests and the fuzz corpus script servers with it.
//
// SplitPolicyVersion cuts `values`, as little-endian float32 bytes, into
// proto::PolicyChunk messages of at most `chunk_bytes` (> 0) bytes of data,
// each carrying the version, the total size and `checksum` (normally
// PolicyChecksum(values), proto/policy_checksum.h), with consecutive offsets
// and `last` set on the final one. A version without values is one empty
// chunk marked last. PolicyChunkAssembler (policy_chunk_assembler.h) is the
// inverse.
#ifndef LEDGFN_PROTO_POLICY_CHUNKS_H_
#define LEDGFN_PROTO_POLICY_CHUNKS_H_

#include <cstdint>
#include <vector>

#include "absl/types/span.h"
#include "proto/ledgfn.pb.h"

namespace ledgfn {

std::vector<proto::PolicyChunk> SplitPolicyVersion(int64_t version,
                                                   absl::Span<const float> values,
                                                   uint64_t checksum,
                                                   int chunk_bytes);

}  // namespace ledgfn

#endif  // LEDGFN_PROTO_POLICY_CHUNKS_H_
