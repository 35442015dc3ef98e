// The Policy gRPC service (proto/ledgfn.proto), hosted by the learner: every
// WatchPolicy stream receives each new version of a WeightStore, chunked.
//
// Wire format of one version (the PolicyChunk contract): the parameters as
// little-endian float32 bytes, total_bytes = 4 * #floats, cut into
// consecutive chunks of at most `chunk_bytes` (kPolicyChunkBytes by
// default) at offsets 0, chunk_bytes, 2*chunk_bytes, ...; the last chunk has
// `last` set. An empty parameter vector is one chunk with no data. Every
// chunk repeats the version, total_bytes and the CRC-32 checksum of the
// whole byte string (proto/policy_checksum.h). The checksum is
// computed once per version and cached with it, whatever the number of
// streams.
//
// Ordering: a stream first sends the newest version if it exceeds the
// request's have_version, then each newer version as it is published. A
// version is always sent whole before the next starts; a slow client is sent
// the newest version available when it has taken the previous one, so
// intermediate versions may be skipped. Versions strictly increase along a
// stream.
//
// Ending: a stream runs until the client cancels (CANCELLED), or the service
// is shut down or its store closed (UNAVAILABLE; clients should reconnect
// to the learner's next incarnation). Handlers notice cancellation and
// Shutdown() within `poll_interval` and a store Close() at once, so
// `grpc::Server::Shutdown()` after `Shutdown()` returns promptly.
#ifndef LEDGFN_LEARNER_POLICY_SERVICE_H_
#define LEDGFN_LEARNER_POLICY_SERVICE_H_

#include <cstdint>
#include <memory>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "common/policy_weights.h"
#include "learner/weight_store.h"
#include "proto/ledgfn.grpc.pb.h"
#include "proto/token_checker.h"

namespace ledgfn {

struct PolicyServiceOptions {
  // Largest chunk payload: a positive multiple of 4, at most
  // kPolicyChunkBytes. Values outside are clamped to that range.
  int chunk_bytes = 0;  // 0: kPolicyChunkBytes
  // How often a waiting handler checks for cancellation and Shutdown().
  absl::Duration poll_interval = absl::Milliseconds(100);
  // Checked first by WatchPolicy (UNAUTHENTICATED without the bearer
  // token); null: no token required.
  std::shared_ptr<TokenChecker> auth;
};

struct PolicyServiceStats {
  int64_t open_streams = 0;        // WatchPolicy calls in progress
  int64_t streams = 0;             // WatchPolicy calls, ever
  int64_t versions_sent = 0;       // complete versions written, all streams
  int64_t chunks_sent = 0;
  int64_t bytes_sent = 0;          // chunk payload bytes
  int64_t checksums_computed = 0;  // one per version that was streamed
};

class PolicyServiceImpl final : public proto::Policy::Service {
 public:
  // `store` is not owned and must outlive the service.
  explicit PolicyServiceImpl(WeightStore* store,
                             PolicyServiceOptions options = {});
  PolicyServiceImpl(const PolicyServiceImpl&) = delete;
  PolicyServiceImpl& operator=(const PolicyServiceImpl&) = delete;

  grpc::Status WatchPolicy(
      grpc::ServerContext* context, const proto::WatchPolicyRequest* request,
      grpc::ServerWriter<proto::PolicyChunk>* writer) override
      ABSL_LOCKS_EXCLUDED(mu_, cache_mu_);

  // Ends every open stream (UNAVAILABLE) within poll_interval, and later
  // calls at once. Call before grpc::Server::Shutdown(). Idempotent; does not
  // close the store.
  void Shutdown() ABSL_LOCKS_EXCLUDED(mu_);

  PolicyServiceStats Stats() ABSL_LOCKS_EXCLUDED(mu_);


 private:
  // A version as streamed: its chunks (proto/policy_chunks.h), built once
  // and written to every watcher.
  struct Encoded {
    std::shared_ptr<const PolicyWeights> weights;
    std::vector<proto::PolicyChunk> chunks;
  };

  // `weights` (or a newer version already cached) as chunks; computes the
  // checksum and the chunks at most once per version.
  std::shared_ptr<const Encoded> Encode(
      std::shared_ptr<const PolicyWeights> weights)
      ABSL_LOCKS_EXCLUDED(cache_mu_, mu_);

  // Writes one version as chunks; false if the stream broke or ended.
  bool SendVersion(grpc::ServerContext* context, const Encoded& encoded,
                   grpc::ServerWriter<proto::PolicyChunk>* writer)
      ABSL_LOCKS_EXCLUDED(mu_);

  // Shutdown() was called or the store was closed.
  bool shutting_down() ABSL_LOCKS_EXCLUDED(mu_);

  WeightStore* const store_;
  const int chunk_bytes_;
  const absl::Duration poll_interval_;
  const std::shared_ptr<TokenChecker> auth_;

  absl::Mutex mu_ ABSL_ACQUIRED_AFTER(cache_mu_);
  bool shutdown_ ABSL_GUARDED_BY(mu_) = false;
  PolicyServiceStats stats_ ABSL_GUARDED_BY(mu_);

  // Held while checksumming, so concurrent streams wait for (and share) the
  // one computation of a version instead of repeating it.
  absl::Mutex cache_mu_;
  std::shared_ptr<const Encoded> cache_ ABSL_GUARDED_BY(cache_mu_);
};

}  // namespace ledgfn

#endif  // LEDGFN_LEARNER_POLICY_SERVICE_H_
