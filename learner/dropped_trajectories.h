// Why trajectories were dropped instead of trained on (issue 21): one absurd
// oracle answer costs one trajectory, and these counts say how many and why.
// The labels are the metrics' `reason` values.
#ifndef LEDGFN_LEARNER_DROPPED_TRAJECTORIES_H_
#define LEDGFN_LEARNER_DROPPED_TRAJECTORIES_H_

#include <cstdint>
#include <string>

#include "absl/strings/str_format.h"

namespace ledgfn {

// Counted each time a trajectory is dropped (one drawn into two batches
// counts twice).
struct DroppedTrajectories {
  int64_t nonfinite_energy = 0;     // "nonfinite_energy"
  int64_t energy_out_of_range = 0;  // "energy_out_of_range"
  int64_t nonfinite_loss = 0;       // "nonfinite_loss": the learner only
  int64_t total() const {
    return nonfinite_energy + energy_out_of_range + nonfinite_loss;
  }
  // "3 (nonfinite_energy 1, energy_out_of_range 2, nonfinite_loss 0)".
  std::string ToString() const {
    return absl::StrFormat(
        "%d (nonfinite_energy %d, energy_out_of_range %d, nonfinite_loss %d)",
        total(), nonfinite_energy, energy_out_of_range, nonfinite_loss);
  }
};

}  // namespace ledgfn

#endif  // LEDGFN_LEARNER_DROPPED_TRAJECTORIES_H_
