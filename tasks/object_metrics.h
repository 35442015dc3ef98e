// The capability of tasks whose objects have domain metrics besides the
// energy (Task::object_metrics() != nullptr, e.g. the molecule task's proxy
// score and fingerprint similarity). The evaluation reports them for the
// top-100 objects (learner/evaluation.h); tasks without the capability
// leave those columns empty.
#ifndef LEDGFN_TASKS_OBJECT_METRICS_H_
#define LEDGFN_TASKS_OBJECT_METRICS_H_

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "tasks/task.h"  // State

namespace ledgfn {

class ObjectMetrics {
 public:
  virtual ~ObjectMetrics() = default;

  // The domain score of an object of energy `energy` (molecule: the proxy
  // score, clipped as in the energy).
  virtual double ScoreOfEnergy(double energy) const = 0;
  // Mean pairwise similarity of objects, for diversity (molecule: Tanimoto
  // of RDKit fingerprints); an error when the task cannot compute it now.
  virtual absl::StatusOr<double> MeanPairwiseSimilarity(
      absl::Span<const State> xs) const = 0;
};

}  // namespace ledgfn

#endif  // LEDGFN_TASKS_OBJECT_METRICS_H_
