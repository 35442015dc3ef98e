// The distributed learner's TrajectorySource: batches come from the replay
// service over Replay.Sample.
//  * PolicyBatch: one Sample call for `batch_size` FRESH trajectories (the
//    service's rate limiter decides when; trajectories more than
//    `max_policy_lag` versions behind `current_version()` are dropped there
//    and counted) followed by `replay_batch_size` UNIFORM or PRIORITIZED
//    ones (SampleRequest.replay_count).
//  * PotentialBatch: `batch_size` from the NEWEST_WINDOW of `window`.
// Calls wait in short slices and retry while the service is unavailable
// (restarting) or not ready, until Cancel(), which makes them return
// CANCELLED promptly.
// PolicyBatch and PotentialBatch are called from one thread (the learner's);
// Cancel and counters from any.
// Answers are not trusted: more trajectories than asked for, or any that
// fails ValidateTrajectory (replay/validation.h) for the learner's task (a
// replay serving another task, a corrupt or hostile service), make the call
// fail with DATA_LOSS naming the problem, before the learner uses any.
#ifndef LEDGFN_LEARNER_REPLAY_SOURCE_H_
#define LEDGFN_LEARNER_REPLAY_SOURCE_H_

#include <deque>
#include <functional>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "tasks/task.h"
#include "learner/trajectory_source.h"
#include "proto/ledgfn.grpc.pb.h"
#include "proto/security_options.h"
#include "replay/selector.h"

namespace ledgfn {

struct ReplaySourceOptions {
  std::string address;
  int batch_size = 32;
  int replay_batch_size = 0;
  // How replayed trajectories are drawn: kUniform or kPrioritized.
  Selector replay_selector = Selector::kUniform;
  int64_t window = 9600;
  int64_t max_policy_lag = 0;  // 0 = keep all
  // r_phi minibatches fetched per NEWEST_WINDOW call (>= 1): PotentialBatch
  // asks for this many batches at once and hands them out one per call,
  // which saves N_phi - 1 round trips per LED round when set to N_phi. Draws
  // are uniform with replacement, so one draw of k x batch_size is k draws
  // of batch_size from the same window; the later ones see the window as it
  // was at the first call (at most a round's inserts older).
  int potential_batches_per_call = 1;
  absl::Duration poll = absl::Milliseconds(500);
  // Called, on the learner's thread, for each fresh trajectory of a policy
  // batch with its energy and the object it reaches (validation replayed
  // its actions, so tracking objects costs no second replay).
  // Every trajectory handed out carries its replayed states
  // (Trajectory::states): a learner replays each answer once.
  std::function<void(double energy, const State& terminal)> on_fresh;
  SecurityOptions security;  // TLS and bearer token of the channel
};

struct ReplaySourceCounters {
  int64_t batches = 0;
  int64_t dropped_for_lag = 0;
  int64_t retries = 0;
};

class ReplaySource : public TrajectorySource {
 public:
  // `current_version` gives the learner's policy version for the lag filter.
  // `task` (not owned) validates the answers and must outlive the source.
  ReplaySource(const Task& task, const ReplaySourceOptions& options,
               std::function<int64_t()> current_version);

  absl::StatusOr<std::vector<TrajectoryRef>> PolicyBatch() override;
  absl::StatusOr<std::vector<TrajectoryRef>> PotentialBatch() override;
  void Cancel();
  ReplaySourceCounters counters() const;

 private:
  // Calls Sample until it succeeds, is cancelled, or fails with an error
  // that retrying cannot fix.
  absl::StatusOr<std::vector<TrajectoryRef>> SampleWithRetry(
      const proto::SampleRequest& request);

  // The trajectories of `response`, each with the states its validation
  // replayed attached (so the batch builder does not replay again); DATA_LOSS
  // unless `response` answers `request` with valid trajectories.
  absl::StatusOr<std::vector<TrajectoryRef>> CheckResponse(
      const proto::SampleRequest& request,
      const proto::SampleResponse& response) const;

  const Task& task_;
  const ReplaySourceOptions options_;
  std::function<int64_t()> current_version_;
  std::unique_ptr<proto::Replay::Stub> stub_;
  mutable absl::Mutex mu_;
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
  grpc::ClientContext* context_ ABSL_GUARDED_BY(mu_) = nullptr;
  ReplaySourceCounters counters_ ABSL_GUARDED_BY(mu_);
  // r_phi minibatches fetched ahead, handed out oldest first.
  std::deque<std::vector<TrajectoryRef>> potential_batches_;
};

}  // namespace ledgfn

#endif  // LEDGFN_LEARNER_REPLAY_SOURCE_H_
