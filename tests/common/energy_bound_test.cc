// The energy bound (common/energy_bound.h): what is usable, the reasons
// given, the flag's range, and each built-in task's documented default.
#include "common/energy_bound.h"

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "common/trajectory.h"
#include "gtest/gtest.h"

namespace ledgfn {
namespace {

TEST(EnergyBoundTest, ChecksFinitenessThenTheBound) {
  const double inf = std::numeric_limits<double>::infinity();
  EXPECT_EQ(CheckEnergy(9.99, 10), EnergyProblem::kOk);
  EXPECT_EQ(CheckEnergy(-10, 10), EnergyProblem::kOk);
  EXPECT_EQ(CheckEnergy(10.01, 10), EnergyProblem::kOutOfRange);
  EXPECT_EQ(CheckEnergy(-1e300, 10), EnergyProblem::kOutOfRange);
  EXPECT_EQ(CheckEnergy(inf, 10), EnergyProblem::kNonfinite);
  EXPECT_EQ(CheckEnergy(std::nan(""), 10), EnergyProblem::kNonfinite);
  EXPECT_EQ(EnergyProblemName(EnergyProblem::kOutOfRange), "energy_out_of_range");
  EXPECT_EQ(EnergyProblemName(EnergyProblem::kNonfinite), "nonfinite_energy");
}

TEST(EnergyBoundTest, ChecksTheTerminalThenThePartialEnergies) {
  std::vector<double> partial = {0.0, 1.0, -50.0, 2.0};
  TrajectoryView t;
  t.energy = 3.0;
  t.partial_energies = partial;
  std::string reason;
  EXPECT_EQ(CheckTrajectoryEnergies(t.energy, t.partial_energies, 10, &reason), EnergyProblem::kOutOfRange);
  EXPECT_EQ(reason, "partial energy 2 is -50, outside [-10, 10]");
  t.energy = -1e300;
  EXPECT_EQ(CheckTrajectoryEnergies(t.energy, t.partial_energies, 10, &reason), EnergyProblem::kOutOfRange);
  EXPECT_EQ(reason, "energy is -1e+300, outside [-10, 10]");
  partial[2] = 1.0;
  t.energy = 3.0;
  EXPECT_EQ(CheckTrajectoryEnergies(t.energy, t.partial_energies, 10, &reason), EnergyProblem::kOk);
}

TEST(EnergyBoundTest, TheBoundItselfIsChecked) {
  EXPECT_TRUE(ValidateEnergyBound(10, "--max_abs_energy").ok());
  EXPECT_TRUE(ValidateEnergyBound(700, "--max_abs_energy").ok());
  for (double bad : {0.0, -1.0, 700.5, std::numeric_limits<double>::infinity(),
                     std::nan("")}) {
    absl::Status s = ValidateEnergyBound(bad, "--max_abs_energy");
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_NE(s.message().find("--max_abs_energy"), std::string::npos);
  }
  // Defaults: twice the task's own largest |E|, at least 10, at most 700.
  EXPECT_EQ(EnergyBoundFor(4.6), 10);
  EXPECT_EQ(EnergyBoundFor(43.8), 87.6);
  EXPECT_EQ(EnergyBoundFor(-300), 600);
  EXPECT_EQ(EnergyBoundFor(1e6), 700);
}

}  // namespace
}  // namespace ledgfn
