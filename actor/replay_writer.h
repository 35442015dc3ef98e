// The actor's connection to the replay service: a TrajectorySink that
// streams trajectories over Replay.Insert and survives replay restarts.
//
// Contract:
//  * Write() queues trajectories and returns; it blocks while `max_queue`
//    trajectories are already queued or unacknowledged (the documented policy
//    when the local queue is full: the actor waits, nothing is dropped), and
//    returns CANCELLED after Close().
//  * A stream refused for its credentials (UNAUTHENTICATED: no or wrong
//    bearer token) closes the writer instead of retrying forever: Write()
//    then returns that error, so the actor stops with the reason.
//  * At most `max_in_flight` trajectories are sent and unacknowledged at a
//    time. When the stream breaks (replay down or restarting) the writer
//    reconnects with exponential backoff (common/backoff.h: `initial_backoff`
//    doubling up to `max_backoff`, reset after a stream on which the replay
//    acknowledged anything) and resends every unacknowledged trajectory
//    first, in order; the service's dedupe by (actor id, incarnation,
//    sequence) makes resends safe.
//  * An acknowledgement ends a trajectory's life here, whether it was stored,
//    a duplicate, or rejected as invalid (counted, first reasons logged).
#ifndef LEDGFN_ACTOR_REPLAY_WRITER_H_
#define LEDGFN_ACTOR_REPLAY_WRITER_H_

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "actor/actor_loop.h"
#include "proto/ledgfn.grpc.pb.h"
#include "proto/security_options.h"

namespace ledgfn {

struct ReplayWriterOptions {
  std::string address;
  std::string task;  // the task name stamped on every trajectory
  int max_in_flight = 1024;
  int max_queue = 4096;
  int max_batch = 64;  // trajectories per InsertRequest
  absl::Duration initial_backoff = absl::Milliseconds(50);
  absl::Duration max_backoff = absl::Seconds(2);
  SecurityOptions security;  // TLS and bearer token of the channel
};

struct ReplayWriterCounters {
  int64_t written = 0;     // accepted by Write()
  int64_t acked = 0;       // acknowledged as stored (duplicates included)
  int64_t duplicates = 0;  // of which the service had stored before
  int64_t rejected = 0;    // acknowledged as invalid
  int64_t reconnects = 0;
  int64_t resent = 0;
  int64_t queued = 0;      // written, not yet acknowledged
};

class ReplayWriter : public TrajectorySink {
 public:
  explicit ReplayWriter(const ReplayWriterOptions& options);
  ~ReplayWriter() override;

  absl::Status Write(std::vector<Trajectory> trajectories) override;
  // Waits until every written trajectory is acknowledged; DEADLINE_EXCEEDED
  // if that takes longer than `timeout`.
  absl::Status Flush(absl::Duration timeout);
  // Stops the connection; unacknowledged trajectories are dropped (call
  // Flush first to avoid that). Idempotent.
  void Close();

  ReplayWriterCounters counters() const;

 private:
  using Key = std::tuple<int32_t, uint64_t, uint64_t>;
  void ConnectionLoop();
  // One stream's life; returns when it breaks or on Close().
  void RunStream();

  const ReplayWriterOptions options_;
  std::unique_ptr<proto::Replay::Stub> stub_;

  mutable absl::Mutex mu_;
  std::deque<proto::Trajectory> pending_ ABSL_GUARDED_BY(mu_);
  std::map<Key, proto::Trajectory> unacked_ ABSL_GUARDED_BY(mu_);
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
  absl::Status refused_ ABSL_GUARDED_BY(mu_);  // why the replay refused us
  bool stream_broken_ ABSL_GUARDED_BY(mu_) = false;
  bool acked_on_stream_ ABSL_GUARDED_BY(mu_) = false;
  grpc::ClientContext* context_ ABSL_GUARDED_BY(mu_) = nullptr;
  ReplayWriterCounters counters_ ABSL_GUARDED_BY(mu_);
  int logged_rejections_ ABSL_GUARDED_BY(mu_) = 0;
  std::thread thread_;
};

}  // namespace ledgfn

#endif  // LEDGFN_ACTOR_REPLAY_WRITER_H_
