// The molecule task with its real chemistry (RDKit + sEH proxy): one
// molecule assembled in different block orders is one object, and the
// task's energies, scores and similarities are the chemistry's.
#include <memory>
#include <vector>

#include "chem/molecule_task_factory.h"
#include "tasks/molecule/molecule_task.h"
#include "gtest/gtest.h"
#include "tests/chem/seh_test_data.h"
#include "tasks/registry.h"

namespace ledgfn {
namespace {

constexpr int kBenzene = 0;  // c1ccccc1, stems on atoms 0..5
constexpr int kMethanol = 1;  // CO_0, stems on atoms 0 and 1
constexpr int kMethyl = 8;    // C_0, one stem

class MoleculeTaskChemistryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!HaveSehData()) GTEST_SKIP() << MissingSehDataMessage();
    TaskOptions options;
    options.name = "molecule";
    options.molecule_data_dir = SehDataDir();
    auto task = MakeTaskWithChemistry(options);
    ASSERT_TRUE(task.ok()) << task.status();
    task_.reset(static_cast<MoleculeTask*>(task->release()));
    ASSERT_NE(task_->chemistry(), nullptr);
  }

  int Attach(int slot, int stem, int block) const {
    const int v = task_->vocabulary().size();
    return v + (slot * task_->max_stems() + stem) * v + block;
  }

  State Build(const std::vector<int>& actions) const {
    State s = task_->InitialState();
    for (int a : actions) task_->Step(s, a);
    return s;
  }

  std::unique_ptr<MoleculeTask> task_;
};

TEST_F(MoleculeTaskChemistryTest, OneMoleculeInAnyBlockOrderIsOneObject) {
  // Benzene with a methanol on atom 1 and a methyl on atom 3, added in
  // either order: two states, one molecule.
  const State first = Build({kBenzene, Attach(0, 1, kMethanol), Attach(0, 3, kMethyl)});
  const State second = Build({kBenzene, Attach(0, 3, kMethyl), Attach(0, 1, kMethanol)});
  ASSERT_NE(first, second);
  EXPECT_EQ(task_->ObjectKey(first), task_->ObjectKey(second));
  EXPECT_EQ(task_->ToString(first), "Cc1cccc(CO)c1");
  EXPECT_DOUBLE_EQ(task_->Energy(first), task_->Energy(second));

  // Biphenyl through stem 0 or stem 2 of the root ring: symmetric, so one
  // molecule with one score.
  const State on_zero = Build({kBenzene, Attach(0, 0, kBenzene)});
  const State on_two = Build({kBenzene, Attach(0, 2, kBenzene)});
  EXPECT_EQ(task_->ObjectKey(on_zero), "c1ccc(-c2ccccc2)cc1");
  EXPECT_EQ(task_->ObjectKey(on_two), task_->ObjectKey(on_zero));
  EXPECT_NEAR(task_->Energy(on_zero), task_->Energy(on_two), 1e-12);
}

TEST_F(MoleculeTaskChemistryTest, EnergiesScoresAndSimilarityAreTheChemistrys) {
  const State biphenyl = Build({kBenzene, Attach(0, 0, kBenzene)});
  const State toluene = Build({kBenzene, Attach(0, 0, kMethyl)});
  const std::vector<double> scores =
      *task_->chemistry()->Scores({task_->ToBlockGraph(biphenyl),
                                   task_->ToBlockGraph(toluene)});
  const std::vector<double> energies = task_->Energies({biphenyl, toluene});
  for (int i = 0; i < 2; ++i) {
    EXPECT_DOUBLE_EQ(energies[i], MoleculeTask::EnergyOfScore(scores[i]));
    if (scores[i] > MoleculeChemistry::kMinScore) {
      EXPECT_NEAR(task_->ScoreOfEnergy(energies[i]), scores[i], 1e-12);
    }
  }
  // s_0, the empty molecule, has the clipped minimum score.
  EXPECT_DOUBLE_EQ(task_->PartialEnergy(task_->InitialState()),
                   MoleculeTask::EnergyOfScore(MoleculeChemistry::kMinScore));
  EXPECT_DOUBLE_EQ(*task_->MeanPairwiseSimilarity({biphenyl, biphenyl}), 1.0);
  const double pair = *task_->MeanPairwiseSimilarity({biphenyl, toluene});
  EXPECT_GT(pair, 0.0);
  EXPECT_LT(pair, 1.0);
}

TEST(MoleculeTaskFactoryTest, NamesTheMissingDataAndLeavesOtherTasksAlone) {
  TaskOptions options;
  options.name = "molecule";
  options.molecule_data_dir = "/nonexistent/seh";
  auto missing = MakeTaskWithChemistry(options);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("/nonexistent/seh/blocks_PDB_105.json"),
            std::string::npos)
      << missing.status();
  options.name = "bag";
  auto bag = MakeTaskWithChemistry(options);
  ASSERT_TRUE(bag.ok()) << bag.status();
  EXPECT_EQ((*bag)->name(), "bag");
}

}  // namespace
}  // namespace ledgfn
