#include "learner/energy_consensus.h"

#include <cmath>

namespace ledgfn {

bool EnergyConsensus::Report(const std::string& key, double energy) {
  auto [it, inserted] = objects_.try_emplace(key, Candidate{energy, 1});
  if (inserted) return true;
  Candidate& c = it->second;
  if (std::fabs(energy - c.energy) <= tolerance_) {
    ++c.votes;
    return true;
  }
  if (c.votes == 0) {  // the earlier reports cancelled out: this one leads
    c = Candidate{energy, 1};
    return true;
  }
  --c.votes;
  return false;
}

}  // namespace ledgfn
