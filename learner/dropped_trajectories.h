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
  // "inconsistent_energy": the learner only, with --max_energy_disagreement.
  int64_t inconsistent_energy = 0;
  int64_t total() const {
    return nonfinite_energy + energy_out_of_range + nonfinite_loss +
           inconsistent_energy;
  }
  // "3 (nonfinite_energy 1, energy_out_of_range 2, nonfinite_loss 0)", and
  // ", inconsistent_energy N" inside the parentheses when N > 0.
  std::string ToString() const {
    std::string out = absl::StrFormat(
        "%d (nonfinite_energy %d, energy_out_of_range %d, nonfinite_loss %d",
        total(), nonfinite_energy, energy_out_of_range, nonfinite_loss);
    if (inconsistent_energy > 0) {
      absl::StrAppendFormat(&out, ", inconsistent_energy %d", inconsistent_energy);
    }
    return out + ")";
  }
};

}  // namespace ledgfn

#endif  // LEDGFN_LEARNER_DROPPED_TRAJECTORIES_H_
