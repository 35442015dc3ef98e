#include "learner/policy_service.h"

#include <algorithm>
#include <utility>

#include "proto/policy_checksum.h"
#include "proto/policy_chunks.h"
#include "proto/server_util.h"

namespace ledgfn {
namespace {

int ClampChunkBytes(int requested) {
  if (requested <= 0) return kPolicyChunkBytes;
  const int rounded = requested - requested % 4;
  return std::clamp(rounded, 4, kPolicyChunkBytes);
}

}  // namespace

PolicyServiceImpl::PolicyServiceImpl(WeightStore* store,
                                     PolicyServiceOptions options)
    : store_(store),
      chunk_bytes_(ClampChunkBytes(options.chunk_bytes)),
      poll_interval_(options.poll_interval > absl::ZeroDuration()
                         ? options.poll_interval
                         : absl::Milliseconds(100)),
      auth_(std::move(options.auth)) {}

void PolicyServiceImpl::Shutdown() {
  absl::MutexLock lock(&mu_);
  shutdown_ = true;
}

bool PolicyServiceImpl::shutting_down() {
  {
    absl::MutexLock lock(&mu_);
    if (shutdown_) return true;
  }
  return store_->closed();
}

PolicyServiceStats PolicyServiceImpl::Stats() {
  absl::MutexLock lock(&mu_);
  return stats_;
}

std::shared_ptr<const PolicyServiceImpl::Encoded> PolicyServiceImpl::Encode(
    std::shared_ptr<const PolicyWeights> weights) {
  absl::MutexLock lock(&cache_mu_);
  if (cache_ != nullptr && cache_->weights->version >= weights->version) {
    return cache_;
  }
  auto encoded = std::make_shared<Encoded>();
  encoded->chunks = SplitPolicyVersion(weights->version, weights->values,
                                       PolicyChecksum(weights->values), chunk_bytes_);
  encoded->weights = std::move(weights);
  cache_ = std::move(encoded);
  {
    absl::MutexLock stats_lock(&mu_);
    ++stats_.checksums_computed;
  }
  return cache_;
}

bool PolicyServiceImpl::SendVersion(
    grpc::ServerContext* context, const Encoded& encoded,
    grpc::ServerWriter<proto::PolicyChunk>* writer) {
  for (const proto::PolicyChunk& chunk : encoded.chunks) {
    if (context->IsCancelled() || shutting_down()) return false;
    // Blocks under flow control while the client is slow; fails once the
    // call is cancelled or broken.
    if (!writer->Write(chunk)) return false;
    absl::MutexLock lock(&mu_);
    ++stats_.chunks_sent;
    stats_.bytes_sent += static_cast<int64_t>(chunk.data().size());
  }
  absl::MutexLock lock(&mu_);
  ++stats_.versions_sent;
  return true;
}

grpc::Status PolicyServiceImpl::WatchPolicy(
    grpc::ServerContext* context, const proto::WatchPolicyRequest* request,
    grpc::ServerWriter<proto::PolicyChunk>* writer) {
  if (grpc::Status s = CheckToken(auth_.get(), *context); !s.ok()) return s;
  {
    absl::MutexLock lock(&mu_);
    ++stats_.streams;
    ++stats_.open_streams;
  }
  auto status = [&]() -> grpc::Status {
    int64_t have = std::max<int64_t>(request->have_version(), 0);
    while (true) {
      if (context->IsCancelled()) {
        return grpc::Status(grpc::StatusCode::CANCELLED, "watch cancelled");
      }
      if (shutting_down()) {
        return grpc::Status(grpc::StatusCode::UNAVAILABLE,
                            "policy service shutting down");
      }
      std::shared_ptr<const PolicyWeights> next =
          store_->WaitNewer(have, poll_interval_);
      if (next == nullptr) continue;  // timeout or closed: checked above
      std::shared_ptr<const Encoded> encoded = Encode(std::move(next));
      if (!SendVersion(context, *encoded, writer)) {
        if (shutting_down()) {
          return grpc::Status(grpc::StatusCode::UNAVAILABLE,
                              "policy service shutting down");
        }
        // The call was cancelled or broke: nobody reads this status.
        return grpc::Status(grpc::StatusCode::CANCELLED, "watch cancelled");
      }
      have = encoded->weights->version;
    }
  }();
  absl::MutexLock lock(&mu_);
  --stats_.open_streams;
  return status;
}

}  // namespace ledgfn
