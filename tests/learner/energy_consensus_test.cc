// EnergyConsensus (learner/energy_consensus.h): reports that agree with an
// object's majority pass, a lone wrong one on a known object is refused, and
// the majority wins whatever came first.
#include "learner/energy_consensus.h"

#include <vector>

#include "gtest/gtest.h"

namespace ledgfn {
namespace {

TEST(EnergyConsensusTest, AWrongReportOfAKnownObjectIsRefused) {
  EnergyConsensus consensus(/*tolerance=*/0);
  EXPECT_TRUE(consensus.Report("x", 1.5));
  EXPECT_TRUE(consensus.Report("x", 1.5));
  EXPECT_FALSE(consensus.Report("x", 9.9));
  EXPECT_TRUE(consensus.Report("x", 1.5));
  EXPECT_TRUE(consensus.Report("y", 9.9));  // another object: its first report
  EXPECT_EQ(consensus.num_objects(), 2);
}

// A wrong first report is accepted (nothing refutes it yet); the right ones
// then take over: the first of them cancels it, the next ones agree.
TEST(EnergyConsensusTest, TheMajorityWinsWhateverCameFirst) {
  EnergyConsensus consensus(0);
  const std::vector<double> reports = {9.9, 1.5, 1.5, 1.5, 9.9, 1.5};
  const std::vector<bool> accepted = {true, false, true, true, false, true};
  for (size_t i = 0; i < reports.size(); ++i) {
    EXPECT_EQ(consensus.Report("x", reports[i]), accepted[i]) << "report " << i;
  }
}

TEST(EnergyConsensusTest, AgreementIsWithinTheTolerance) {
  EnergyConsensus consensus(0.25);
  EXPECT_TRUE(consensus.Report("x", 1.0));
  EXPECT_TRUE(consensus.Report("x", 1.25));
  EXPECT_TRUE(consensus.Report("x", 0.75));
  EXPECT_FALSE(consensus.Report("x", 1.3));
}

}  // namespace
}  // namespace ledgfn
