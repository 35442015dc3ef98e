// The docking oracle on the molecule task with real RDKit, OpenBabel and
// Vina (Debian's test receptor and box): energies are the clipped affinities,
// each distinct molecule is docked once and cached (in memory and in the cache
// file a restarted oracle reloads), and a molecule that cannot be docked gets
// the penalty energy and a counted reason instead of failing the batch.
// Skips, saying why, without Vina or the sEH data.
#include "oracle/docking_oracle.h"

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "tasks/molecule/molecule_task.h"
#include "chem/molecule_task_factory.h"
#include "tasks/registry.h"
#include "tests/chem/seh_test_data.h"

namespace ledgfn {
namespace {

constexpr int kBenzene = 0;   // c1ccccc1, stems on atoms 0..5
constexpr int kMethanol = 1;  // CO_0, stems on atoms 0 and 1

bool HaveVina() {
  return system("command -v vina >/dev/null 2>&1") == 0 &&
         access(absl::StrCat(kDebianVinaTestData, "/conf.txt").c_str(), R_OK) == 0;
}

std::string TempDir() {
  std::string pattern = absl::StrCat(testing::TempDir(), "docking-test-XXXXXX");
  return mkdtemp(pattern.data()) == nullptr ? testing::TempDir() : pattern;
}

class DockingOracleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!HaveVina()) {
      GTEST_SKIP() << "AutoDock Vina or its test data is not installed "
                      "(apt-get install autodock-vina)";
    }
    if (!HaveSehData()) GTEST_SKIP() << MissingSehDataMessage();
    TaskOptions options;
    options.name = "molecule";
    options.molecule_data_dir = SehDataDir();
    auto task = MakeTaskWithChemistry(options);
    ASSERT_TRUE(task.ok()) << task.status();
    task_.reset(static_cast<MoleculeTask*>(task->release()));
  }

  DockingOptions Options() const {
    DockingOptions o = DebianTestTarget();
    o.workers = 2;
    o.seed = 3;
    return o;
  }

  State BenzylAlcohol() const {
    const int v = task_->vocabulary().size();
    State s = task_->InitialState();
    task_->Step(s, kBenzene);
    task_->Step(s, v + (0 * task_->max_stems() + 1) * v + kMethanol);
    return s;
  }

  std::unique_ptr<MoleculeTask> task_;
};

TEST_F(DockingOracleTest, EnergiesAreClippedAffinitiesDockedOncePerMolecule) {
  auto oracle = DockingOracle::Create(*task_, Options());
  ASSERT_TRUE(oracle.ok()) << oracle.status();
  const State x = BenzylAlcohol();
  ASSERT_EQ(task_->ToString(x), "OCc1ccccc1");
  absl::StatusOr<std::vector<double>> energies =
      (*oracle)->Energies({x, x, task_->InitialState()});
  ASSERT_TRUE(energies.ok()) << energies.status();
  ASSERT_EQ(energies->size(), 3u);
  // A small fragment binds weakly but does bind: a negative affinity.
  EXPECT_LT((*energies)[0], -2.0);
  EXPECT_GT((*energies)[0], -9.0);
  EXPECT_EQ((*energies)[1], (*energies)[0]);
  EXPECT_EQ((*energies)[2], (*oracle)->penalty_energy());  // s_0: no molecule
  DockingStats stats = (*oracle)->Stats();
  EXPECT_EQ(stats.docked, 2);  // benzyl alcohol once, s_0 once
  EXPECT_EQ(stats.failures[static_cast<int>(DockingFailure::kInvalidMolecule)], 1);

  // Again: from the cache, the same energy, no docking.
  DockingResult again = (*oracle)->Dock("OCc1ccccc1");
  EXPECT_TRUE(again.cached);
  ASSERT_TRUE(again.affinity.has_value());
  EXPECT_EQ(again.energy, (*energies)[0]);
  EXPECT_EQ((*oracle)->Stats().docked, 2);
  EXPECT_EQ((*oracle)->Stats().cache_hits, 1);
}

TEST_F(DockingOracleTest, ConcurrentCallsForOneMoleculeDockItOnce) {
  auto oracle = DockingOracle::Create(*task_, Options());
  ASSERT_TRUE(oracle.ok()) << oracle.status();
  constexpr int kCallers = 4;
  std::vector<DockingResult> results(kCallers);
  std::vector<std::thread> callers;
  for (int i = 0; i < kCallers; ++i) {
    callers.emplace_back([&, i] { results[i] = (*oracle)->Dock("OCc1ccccc1"); });
  }
  for (std::thread& t : callers) t.join();
  EXPECT_EQ((*oracle)->Stats().docked, 1);
  EXPECT_EQ((*oracle)->Stats().cache_hits, kCallers - 1);
  int docked_here = 0;
  for (const DockingResult& r : results) {
    ASSERT_TRUE(r.affinity.has_value()) << r.message;
    EXPECT_EQ(*r.affinity, *results[0].affinity);
    docked_here += !r.cached;
  }
  EXPECT_EQ(docked_here, 1);
}

TEST_F(DockingOracleTest, TheTransformClipsAndScalesAffinities) {
  DockingOptions o = Options();
  o.min_affinity = -8;
  o.max_affinity = -1;
  o.temperature = 2;
  auto oracle = DockingOracle::Create(*task_, o);
  ASSERT_TRUE(oracle.ok()) << oracle.status();
  EXPECT_DOUBLE_EQ((*oracle)->EnergyOfAffinity(-12), -4.0);
  EXPECT_DOUBLE_EQ((*oracle)->EnergyOfAffinity(-5), -2.5);
  EXPECT_DOUBLE_EQ((*oracle)->EnergyOfAffinity(3), -0.5);
  EXPECT_DOUBLE_EQ((*oracle)->penalty_energy(), -0.5);
}

TEST_F(DockingOracleTest, BadMoleculesGetThePenaltyAndTheirReason) {
  auto oracle = DockingOracle::Create(*task_, Options());
  ASSERT_TRUE(oracle.ok()) << oracle.status();
  std::vector<DockingResult> results =
      (*oracle)->DockAll({"not a molecule", "", "C1CC"});
  for (const DockingResult& r : results) {
    EXPECT_EQ(r.energy, (*oracle)->penalty_energy());
    ASSERT_TRUE(r.failure.has_value());
    EXPECT_EQ(*r.failure, DockingFailure::kInvalidMolecule) << r.message;
    EXPECT_FALSE(r.message.empty());
  }
  EXPECT_EQ((*oracle)->Stats().failures[static_cast<int>(
                DockingFailure::kInvalidMolecule)],
            3);
}

TEST_F(DockingOracleTest, ARestartedOracleReloadsItsCacheFile) {
  DockingOptions o = Options();
  o.cache_path = TempDir() + "/docking-cache.tsv";
  double energy;
  {
    auto oracle = DockingOracle::Create(*task_, o);
    ASSERT_TRUE(oracle.ok()) << oracle.status();
    std::vector<DockingResult> r = (*oracle)->DockAll({"OCc1ccccc1", "C1CC"});
    ASSERT_TRUE(r[0].affinity.has_value()) << r[0].message;
    energy = r[0].energy;
  }
  std::ofstream(o.cache_path, std::ios::app) << "a line with no tab\n";
  auto restarted = DockingOracle::Create(*task_, o);
  ASSERT_TRUE(restarted.ok()) << restarted.status();
  EXPECT_EQ((*restarted)->Stats().cached_molecules, 2);
  std::vector<DockingResult> r = (*restarted)->DockAll({"OCc1ccccc1", "C1CC"});
  EXPECT_TRUE(r[0].cached);
  EXPECT_EQ(r[0].energy, energy);
  EXPECT_TRUE(r[1].cached);
  EXPECT_EQ(r[1].failure, DockingFailure::kInvalidMolecule);
  EXPECT_EQ((*restarted)->Stats().docked, 0);
  // Only docked molecules rank; the invalid one has no affinity.
  auto best = (*restarted)->BestMolecules(5);
  ASSERT_EQ(best.size(), 1u);
  EXPECT_EQ(best[0].first, "OCc1ccccc1");
  EXPECT_EQ(best[0].second, *r[0].affinity);
}

TEST_F(DockingOracleTest, ShutdownKillsTheDockingsUnderWayAndCachesNothing) {
  DockingOptions o = Options();
  o.exhaustiveness = 64;  // minutes for imatinib
  auto oracle = DockingOracle::Create(*task_, o);
  ASSERT_TRUE(oracle.ok()) << oracle.status();
  const std::string imatinib =
      "Cc1ccc(NC(=O)c2ccc(CN3CCN(C)CC3)cc2)cc1Nc1nccc(-c2cccnc2)n1";
  std::vector<DockingResult> results;
  const absl::Time start = absl::Now();
  std::thread docking([&] { results = (*oracle)->DockAll({imatinib, "C" + imatinib}); });
  absl::SleepFor(absl::Milliseconds(500));
  (*oracle)->Shutdown();
  docking.join();
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
  ASSERT_EQ(results.size(), 2u);
  for (const DockingResult& r : results) EXPECT_TRUE(r.cancelled);
  EXPECT_EQ((*oracle)->Stats().docked, 0);
  EXPECT_EQ((*oracle)->Stats().cached_molecules, 0);
  EXPECT_TRUE((*oracle)->Dock(imatinib).cancelled);  // and stays shut
  EXPECT_EQ((*oracle)->Energies({BenzylAlcohol()}).status().code(),
            absl::StatusCode::kUnavailable);
}

TEST_F(DockingOracleTest, CreateRefusesBadOptionsAndOtherTasks) {
  DockingOptions o = Options();
  o.program = "/nonexistent/vina";
  EXPECT_EQ(DockingOracle::Create(*task_, o).status().code(),
            absl::StatusCode::kNotFound);
  o = Options();
  o.min_affinity = 0;
  EXPECT_EQ(DockingOracle::Create(*task_, o).status().code(),
            absl::StatusCode::kInvalidArgument);
  o = Options();
  o.workers = 0;
  EXPECT_EQ(DockingOracle::Create(*task_, o).status().code(),
            absl::StatusCode::kInvalidArgument);
  o = Options();
  o.box_config = "/nonexistent/conf.txt";
  EXPECT_EQ(DockingOracle::Create(*task_, o).status().code(),
            absl::StatusCode::kNotFound);
  TaskOptions bag_options;
  bag_options.name = "bag";
  auto bag = MakeTask(bag_options);
  ASSERT_TRUE(bag.ok()) << bag.status();
  EXPECT_EQ(DockingOracle::Create(**bag, Options()).status().code(),
            absl::StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace ledgfn
