// Where the learner's batches come from. The embedded trainer reads the
// in-process replay table; the distributed learner reads the replay service.
// The training round (trainer.h) is the same code either way.
#ifndef LEDGFN_LEARNER_TRAJECTORY_SOURCE_H_
#define LEDGFN_LEARNER_TRAJECTORY_SOURCE_H_

#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "common/trajectory.h"

namespace ledgfn {

class TrajectorySource {
 public:
  virtual ~TrajectorySource() = default;
  // The batch for one policy step: fresh trajectories (plus replayed ones
  // when the run asks for them). Blocks until available; CANCELLED on
  // shutdown.
  virtual absl::StatusOr<std::vector<TrajectoryRef>> PolicyBatch() = 0;
  // A minibatch for one r_phi step: uniform over the newest W trajectories.
  virtual absl::StatusOr<std::vector<TrajectoryRef>> PotentialBatch() = 0;
};

}  // namespace ledgfn

#endif  // LEDGFN_LEARNER_TRAJECTORY_SOURCE_H_
