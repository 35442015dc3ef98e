#include "actor/policy_client.h"

#include <algorithm>
#include <utility>

#include "common/backoff.h"
#include "proto/server_util.h"

namespace ledgfn {
namespace {

int64_t ToMillis(absl::Duration d) {
  return std::max<int64_t>(1, absl::ToInt64Milliseconds(d));
}

PolicyWatcherOptions Normalize(PolicyWatcherOptions options) {
  if (options.initial_backoff <= absl::ZeroDuration()) {
    options.initial_backoff = absl::Milliseconds(50);
  }
  if (options.max_backoff <= absl::ZeroDuration()) {
    options.max_backoff = absl::Seconds(2);
  }
  options.max_backoff = std::max(options.max_backoff, options.initial_backoff);
  if (options.max_total_bytes < 0) options.max_total_bytes = 0;
  return options;
}

// MakeChannel with gRPC's own reconnect backoff bounded by ours: otherwise a channel that failed while the learner was
// away would refuse calls for gRPC's backoff (up to 120 s) after it returns.
// (GRPC_ARG_MIN_RECONNECT_BACKOFF_MS is left alone: it is the connect
// timeout, 20 s by default, and must stay long enough for remote learners.)
std::shared_ptr<grpc::Channel> MakeWatchChannel(
    const PolicyWatcherOptions& options) {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS,
              static_cast<int>(ToMillis(options.initial_backoff)));
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS,
              static_cast<int>(ToMillis(options.max_backoff)));
  return MakeChannel(options.address, options.security, std::move(args));
}

}  // namespace

PolicyWatcher::PolicyWatcher(PolicyWatcherOptions options)
    : options_(Normalize(std::move(options))),
      channel_(MakeWatchChannel(options_)),
      stub_(proto::Policy::NewStub(channel_)) {
  thread_ = std::thread([this] { Run(); });
}

PolicyWatcher::~PolicyWatcher() { Stop(); }

void PolicyWatcher::Stop() {
  absl::MutexLock stop_lock(&stop_mu_);
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
    if (context_ != nullptr) context_->TryCancel();
  }
  if (thread_.joinable()) thread_.join();
}

std::shared_ptr<const PolicyWeights> PolicyWatcher::Latest() {
  absl::MutexLock lock(&mu_);
  return latest_;
}

std::shared_ptr<const PolicyWeights> PolicyWatcher::WaitForVersion(
    int64_t min_version, absl::Duration timeout) {
  absl::MutexLock lock(&mu_);
  auto ready = [this, min_version]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return stopping_ || (latest_ != nullptr && latest_->version >= min_version);
  };
  mu_.AwaitWithTimeout(absl::Condition(&ready), timeout);
  if (latest_ != nullptr && latest_->version >= min_version) return latest_;
  return nullptr;
}

PolicyWatcherStats PolicyWatcher::Stats() {
  absl::MutexLock lock(&mu_);
  return stats_;
}

int64_t PolicyWatcher::held_version() {
  absl::MutexLock lock(&mu_);
  return latest_ != nullptr ? latest_->version : 0;
}

void PolicyWatcher::Accept(std::shared_ptr<const PolicyWeights> weights) {
  // The hook runs first, so whoever sees a version through Latest() or
  // WaitForVersion() also sees the hook's effects for it.
  if (options_.on_version) options_.on_version(weights);
  absl::MutexLock lock(&mu_);
  latest_ = std::move(weights);
  ++stats_.versions_received;
}

void PolicyWatcher::Run() {
  ExponentialBackoff backoff(options_.initial_backoff, options_.max_backoff);
  bool first = true;
  while (true) {
    grpc::ClientContext context;
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) return;
      if (!first) ++stats_.reconnects;
      context_ = &context;  // Stop() cancels it from here on
    }
    first = false;
    const absl::Time start = absl::Now();
    const bool delivered = WatchOnce(&context);
    absl::MutexLock lock(&mu_);
    context_ = nullptr;
    // The reset rule of the header: a stream that delivered, or stayed open
    // a whole max_backoff, was a healthy connection, not a failed attempt.
    if (delivered || absl::Now() - start >= options_.max_backoff) {
      backoff.Reset();
    }
    if (backoff.Wait(mu_, absl::Condition(&stopping_))) return;
  }
}

bool PolicyWatcher::WatchOnce(grpc::ClientContext* context) {
  proto::WatchPolicyRequest request;
  request.set_have_version(held_version());
  std::unique_ptr<grpc::ClientReader<proto::PolicyChunk>> reader =
      stub_->WatchPolicy(context, request);
  PolicyChunkAssembler assembler(options_.max_total_bytes);
  bool delivered = false;
  absl::Status error;
  proto::PolicyChunk chunk;
  while (reader->Read(&chunk)) {
    {
      absl::MutexLock lock(&mu_);
      stats_.bytes_received += static_cast<int64_t>(chunk.data().size());
    }
    error = OnChunk(chunk, assembler);
    if (!error.ok()) {
      context->TryCancel();
      // Drain what is already queued so that Finish() does not block.
      while (reader->Read(&chunk)) {
      }
      break;
    }
    delivered = true;
  }
  const absl::Status finish = FromGrpcStatus(reader->Finish());
  absl::MutexLock lock(&mu_);
  // A version cut off by the stream's end, or corrupt.
  if (assembler.in_progress() || !error.ok()) ++stats_.rejected_versions;
  stats_.last_stream_status = !error.ok() ? error : finish;
  return delivered;
}

absl::Status PolicyWatcher::OnChunk(const proto::PolicyChunk& chunk,
                                    PolicyChunkAssembler& assembler) {
  absl::StatusOr<PolicyChunkAssembler::Outcome> outcome =
      assembler.Add(chunk, held_version());
  if (!outcome.ok()) return outcome.status();
  if (outcome->ignored) {
    absl::MutexLock lock(&mu_);
    ++stats_.ignored_versions;
  }
  if (outcome->weights != nullptr) Accept(std::move(outcome->weights));
  return absl::OkStatus();
}

}  // namespace ledgfn
