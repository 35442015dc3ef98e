// The actor side of the Policy service (proto/ledgfn.proto): a WeightSource
// that keeps a WatchPolicy stream open to the learner and swaps in each
// complete, verified policy version.
//
// Reassembly and checks, per version, are PolicyChunkAssembler's
// (proto/policy_chunk_assembler.h): offsets, sizes up to `max_total_bytes`,
// the checksum, memory bounded by the bytes really received. Any violation,
// including a version not above the previous one on the same stream, drops
// the partial version (counted in `rejected_versions`) and reconnects.
// Latest() only ever returns complete, verified versions: the old one stays
// in place until the new one is whole.
//
// Versions held strictly increase. A stream is opened with have_version = the
// version held, so the learner only sends newer ones; a version not above
// the one held is read and dropped (`ignored_versions`). Consequence: if a
// learner restarts WITHOUT restoring its version counter (DESIGN §2.5 says it
// restores it from the checkpoint), the watcher keeps its old weights until
// the learner publishes a version above them; restart the actors in that case.
//
// Connection: the stream is reopened whenever it ends (learner away,
// restarted, shut down), after a backoff (common/backoff.h) that starts at
// `initial_backoff`, doubles up to `max_backoff`, and resets after a stream
// that delivered data or stayed open for at least `max_backoff`. The
// channel's own reconnect backoff is bounded the same way, so a returning
// learner is found within about max_backoff.
#ifndef LEDGFN_ACTOR_POLICY_CLIENT_H_
#define LEDGFN_ACTOR_POLICY_CLIENT_H_

#include <grpcpp/grpcpp.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "common/policy_weights.h"
#include "proto/ledgfn.grpc.pb.h"
#include "proto/policy_chunk_assembler.h"
#include "proto/security_options.h"

namespace ledgfn {

struct PolicyWatcherOptions {
  std::string address;  // the learner's Policy service, "host:port"
  SecurityOptions security;  // TLS and bearer token of the channel
  // Reconnect backoff bounds; non-positive values take the defaults, and
  // max_backoff is raised to initial_backoff if below it.
  absl::Duration initial_backoff = absl::Milliseconds(50);
  absl::Duration max_backoff = absl::Seconds(2);
  // Versions announcing more bytes are rejected. Memory grows with the bytes
  // received, not with the announced size.
  int64_t max_total_bytes = int64_t{1} << 31;
  // Called on the watcher's thread with each accepted version just before
  // Latest() returns it (so a caller that sees version v there knows the
  // hook has run for v). Must be quick; must not call Stop().
  std::function<void(const std::shared_ptr<const PolicyWeights>&)> on_version;
};

struct PolicyWatcherStats {
  int64_t versions_received = 0;  // accepted (complete, verified) versions
  int64_t reconnects = 0;         // streams opened after the first
  int64_t bytes_received = 0;     // chunk payload bytes, all streams
  int64_t rejected_versions = 0;  // partial or corrupt versions dropped
  int64_t ignored_versions = 0;   // complete versions not above the one held
  absl::Status last_stream_status;  // how the last stream ended (OK: none)
};

class PolicyWatcher : public WeightSource {
 public:
  // Starts the background thread; it connects at once.
  explicit PolicyWatcher(PolicyWatcherOptions options);
  // Stop()s.
  ~PolicyWatcher() override;
  PolicyWatcher(const PolicyWatcher&) = delete;
  PolicyWatcher& operator=(const PolicyWatcher&) = delete;

  // The newest complete version, or null before the first. Never blocks for
  // long; keeps returning the last version after Stop().
  std::shared_ptr<const PolicyWeights> Latest() override
      ABSL_LOCKS_EXCLUDED(mu_);

  // Latest() once its version is >= min_version, waiting up to `timeout`;
  // null on timeout or once stopped without such a version.
  std::shared_ptr<const PolicyWeights> WaitForVersion(int64_t min_version,
                                                      absl::Duration timeout)
      ABSL_LOCKS_EXCLUDED(mu_);

  // Cancels the open stream and any backoff wait and joins the thread.
  // Prompt (no network round trip); idempotent; thread-safe.
  void Stop() ABSL_LOCKS_EXCLUDED(mu_, stop_mu_);

  PolicyWatcherStats Stats() ABSL_LOCKS_EXCLUDED(mu_);


 private:
  void Run() ABSL_LOCKS_EXCLUDED(mu_);
  // Reads one stream to its end; true if it delivered any valid chunk.
  bool WatchOnce(grpc::ClientContext* context) ABSL_LOCKS_EXCLUDED(mu_);
  // Applies one chunk; an error ends the stream.
  absl::Status OnChunk(const proto::PolicyChunk& chunk,
                       PolicyChunkAssembler& assembler) ABSL_LOCKS_EXCLUDED(mu_);
  void Accept(std::shared_ptr<const PolicyWeights> weights)
      ABSL_LOCKS_EXCLUDED(mu_);
  int64_t held_version() ABSL_LOCKS_EXCLUDED(mu_);

  const PolicyWatcherOptions options_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<proto::Policy::Stub> stub_;

  absl::Mutex stop_mu_ ABSL_ACQUIRED_BEFORE(mu_);  // serializes Stop()
  std::thread thread_ ABSL_GUARDED_BY(stop_mu_);

  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  grpc::ClientContext* context_ ABSL_GUARDED_BY(mu_) = nullptr;  // open call
  std::shared_ptr<const PolicyWeights> latest_ ABSL_GUARDED_BY(mu_);
  PolicyWatcherStats stats_ ABSL_GUARDED_BY(mu_);
};

}  // namespace ledgfn

#endif  // LEDGFN_ACTOR_POLICY_CLIENT_H_
