#include "learner/energy_consensus.h"

#include <cmath>

namespace ledgfn {

bool EnergyConsensus::Report(const std::string& key, double energy,
                             double* consensus) {
  auto [it, first_report] = objects_.try_emplace(key, Candidate{energy, 1});
  Candidate& c = it->second;
  bool agrees = true;
  if (!first_report) {
    if (std::fabs(energy - c.energy) <= tolerance_) {
      ++c.votes;
    } else if (c.votes == 0) {  // the earlier reports cancelled out: this one leads
      c = Candidate{energy, 1};
    } else {
      --c.votes;
      agrees = false;
    }
  }
  if (consensus != nullptr) *consensus = c.energy;
  return agrees;
}

}  // namespace ledgfn
