// Whether a reported energy agrees with what other reports said of the same
// object (issue 21): an oracle is a function, so every trajectory that
// reaches x must report the same E(x). An energy inside the bound
// (common/energy_bound.h) but wrong cannot be told from a right one when x
// is seen once; when x is seen again, the reports outvote it. The learner
// keys objects by the terminal state itself (learner/trainer.h).
//
// Contract: Report(key, E) counts one report for the object `key` and says
// whether E agrees, within `tolerance`, with the object's consensus energy
// after counting it. The consensus is the Boyer-Moore majority of the
// reports: one candidate energy and a vote count per object (O(1) memory
// per object), so if more than half of an object's reports agree, the
// consensus is theirs from some report on, whatever their order. A wrong
// report of an object already seen is refused; a wrong first report is
// accepted (nothing can refute it yet) and loses the consensus once the
// right ones outnumber it. Not thread-safe: the learner's step owns it.
#ifndef LEDGFN_LEARNER_ENERGY_CONSENSUS_H_
#define LEDGFN_LEARNER_ENERGY_CONSENSUS_H_

#include <cstdint>
#include <string>

#include "absl/container/flat_hash_map.h"

namespace ledgfn {

class EnergyConsensus {
 public:
  // Precondition: tolerance >= 0 (0: reports must agree exactly).
  explicit EnergyConsensus(double tolerance) : tolerance_(tolerance) {}

  // `consensus`, if not null, receives the object's consensus energy after
  // the report.
  bool Report(const std::string& key, double energy, double* consensus = nullptr);
  int64_t num_objects() const { return static_cast<int64_t>(objects_.size()); }

 private:
  struct Candidate {
    double energy = 0;
    int64_t votes = 0;
  };
  const double tolerance_;
  absl::flat_hash_map<std::string, Candidate> objects_;
};

}  // namespace ledgfn

#endif  // LEDGFN_LEARNER_ENERGY_CONSENSUS_H_
