#include "actor/policy_client.h"

#include <algorithm>
#include <cstring>
#include <utility>
#include <vector>

#include "absl/base/config.h"
#include "absl/strings/str_cat.h"
#include "proto/policy_checksum.h"
#include "proto/server_util.h"

#if !defined(ABSL_IS_LITTLE_ENDIAN)
#error "PolicyChunk data is little-endian float32; add a byte swap here."
#endif

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

struct PolicyWatcher::Assembly {
  bool active = false;
  bool ignore = false;  // not above the version held: read, then drop
  int64_t version = 0;
  int64_t total = 0;
  uint64_t checksum = 0;
  int64_t received = 0;
  uint64_t hash = kPolicyChecksumSeed;
  std::vector<float> values;
};

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
  absl::Duration backoff = options_.initial_backoff;
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
    if (delivered || absl::Now() - start >= options_.max_backoff) {
      backoff = options_.initial_backoff;
    }
    if (mu_.AwaitWithTimeout(absl::Condition(&stopping_), backoff)) return;
    backoff = std::min(backoff * 2, options_.max_backoff);
  }
}

bool PolicyWatcher::WatchOnce(grpc::ClientContext* context) {
  proto::WatchPolicyRequest request;
  request.set_have_version(held_version());
  std::unique_ptr<grpc::ClientReader<proto::PolicyChunk>> reader =
      stub_->WatchPolicy(context, request);
  Assembly assembly;
  int64_t stream_version = 0;  // last complete version on this stream
  bool delivered = false;
  absl::Status error;
  proto::PolicyChunk chunk;
  while (reader->Read(&chunk)) {
    {
      absl::MutexLock lock(&mu_);
      stats_.bytes_received += static_cast<int64_t>(chunk.data().size());
    }
    error = OnChunk(chunk, assembly, stream_version);
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
  if (assembly.active || !error.ok()) ++stats_.rejected_versions;
  stats_.last_stream_status = !error.ok() ? error : finish;
  return delivered;
}

absl::Status PolicyWatcher::OnChunk(const proto::PolicyChunk& chunk,
                                    Assembly& a, int64_t& stream_version) {
  const int64_t n = static_cast<int64_t>(chunk.data().size());
  if (!a.active) {
    if (chunk.offset() != 0) {
      return absl::DataLossError(absl::StrCat("version ", chunk.version(),
                                              " starts at offset ",
                                              chunk.offset()));
    }
    if (chunk.total_bytes() < 0 || chunk.total_bytes() % 4 != 0 ||
        chunk.total_bytes() > options_.max_total_bytes) {
      return absl::DataLossError(absl::StrCat(
          "version ", chunk.version(), " has invalid total_bytes ",
          chunk.total_bytes(), " (a multiple of 4 up to ",
          options_.max_total_bytes, " expected)"));
    }
    if (chunk.version() <= stream_version) {
      return absl::DataLossError(
          absl::StrCat("version ", chunk.version(), " after version ",
                       stream_version, " on the same stream"));
    }
    a.active = true;
    a.ignore = chunk.version() <= held_version();
    a.version = chunk.version();
    a.total = chunk.total_bytes();
    a.checksum = chunk.checksum();
    a.received = 0;
    a.hash = kPolicyChecksumSeed;
    a.values.clear();
    if (!a.ignore) a.values.resize(static_cast<size_t>(a.total / 4));
  } else if (chunk.version() != a.version || chunk.total_bytes() != a.total ||
             chunk.checksum() != a.checksum || chunk.offset() != a.received) {
    return absl::DataLossError(absl::StrCat(
        "chunk (version ", chunk.version(), ", offset ", chunk.offset(),
        ") does not continue version ", a.version, " at offset ", a.received));
  }
  if (n > a.total - a.received) {
    return absl::DataLossError(absl::StrCat("version ", a.version,
                                            " overruns its ", a.total,
                                            " bytes"));
  }
  if (!a.ignore && n > 0) {
    std::memcpy(reinterpret_cast<char*>(a.values.data()) + a.received,
                chunk.data().data(), static_cast<size_t>(n));
    a.hash = PolicyChecksumUpdate(a.hash, chunk.data().data(), static_cast<size_t>(n));
  }
  a.received += n;
  if (!chunk.last()) return absl::OkStatus();
  if (a.received != a.total) {
    return absl::DataLossError(absl::StrCat("version ", a.version, " ends at ",
                                            a.received, " of ", a.total,
                                            " bytes"));
  }
  if (!a.ignore && a.hash != a.checksum) {
    return absl::DataLossError(
        absl::StrCat("version ", a.version, " checksum mismatch"));
  }
  a.active = false;
  stream_version = a.version;
  if (a.ignore) {
    absl::MutexLock lock(&mu_);
    ++stats_.ignored_versions;
    return absl::OkStatus();
  }
  auto weights = std::make_shared<PolicyWeights>();
  weights->version = a.version;
  weights->values = std::move(a.values);
  a.values = {};
  Accept(std::move(weights));
  return absl::OkStatus();
}

}  // namespace ledgfn
