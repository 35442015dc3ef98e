// The embedded run's transport to the replay core (replay/replay_buffer.h):
// the same ReplayBuffer the Replay gRPC service wraps, called in process.
//   LocalSink:   actors' TrajectorySink; every trajectory goes through
//                ReplayBuffer::Insert (validation, dedupe, the rate limiter,
//                the table), and the object it reaches is recorded in the
//                run's ObjectTracker (validation replayed the actions once
//                already, so tracking costs no second replay).
//   LocalSource: the learner's TrajectorySource; PolicyBatch is
//                ReplayBuffer::SamplePolicyBatch (FRESH plus replayed),
//                PotentialBatch a kNewestWindow sample.
// Both wait without a deadline; ReplayBuffer::Shutdown() ends every wait
// (the sink then returns CANCELLED, as TrajectorySink asks).
#ifndef LEDGFN_LOCAL_LOCAL_REPLAY_H_
#define LEDGFN_LOCAL_LOCAL_REPLAY_H_

#include <atomic>
#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "actor/actor_loop.h"
#include "tasks/object_tracker.h"
#include "tasks/task.h"
#include "learner/trajectory_source.h"
#include "replay/replay_buffer.h"

namespace ledgfn {

class LocalSink : public TrajectorySink {
 public:
  // All arguments must outlive the sink. ObjectTracker::Add is called for
  // stored trajectories of single-instance tasks (objects of different
  // instances are not comparable).
  LocalSink(ReplayBuffer& buffer, ObjectTracker& tracker)
      : buffer_(buffer), tracker_(tracker) {}

  // Inserts in order. An invalid trajectory is an error here (our own
  // samplers produced it): INVALID_ARGUMENT with the buffer's reason.
  absl::Status Write(std::vector<Trajectory> trajectories) override;

  // Trajectories stored so far.
  int64_t inserted() const { return inserted_.load(); }

 private:
  ReplayBuffer& buffer_;
  ObjectTracker& tracker_;
  std::atomic<int64_t> inserted_{0};
};

struct LocalSourceOptions {
  int batch_size = 32;         // fresh trajectories per policy batch
  int replay_batch_size = 0;   // replayed ones added to it
  Selector replay_selector = Selector::kUniform;
  int64_t window = 9600;       // r_phi's newest window
};

class LocalSource : public TrajectorySource {
 public:
  // `buffer` must outlive the source.
  LocalSource(ReplayBuffer& buffer, const LocalSourceOptions& options)
      : buffer_(buffer), options_(options) {}

  absl::StatusOr<std::vector<TrajectoryRef>> PolicyBatch() override;
  absl::StatusOr<std::vector<TrajectoryRef>> PotentialBatch() override;

 private:
  ReplayBuffer& buffer_;
  const LocalSourceOptions options_;
};

}  // namespace ledgfn

#endif  // LEDGFN_LOCAL_LOCAL_REPLAY_H_
