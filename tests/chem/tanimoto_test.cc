// Diversity (mean pairwise Tanimoto of RDKit fingerprints) and SMILES.
#include <cmath>
#include <memory>
#include <vector>

#include "chem/seh_chemistry.h"
#include "gtest/gtest.h"
#include "tests/chem/seh_test_data.h"

namespace ledgfn {
namespace {

class TanimotoTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!HaveSehData()) GTEST_SKIP() << MissingSehDataMessage();
    chemistry_ = *SehChemistry::Create(SehDataDir());
  }
  double Mean(std::vector<BlockGraph> molecules) {
    absl::StatusOr<double> mean = chemistry_->MeanPairwiseTanimoto(molecules);
    EXPECT_TRUE(mean.ok()) << mean.status();
    return mean.ok() ? *mean : -1;
  }
  std::unique_ptr<SehChemistry> chemistry_;
};

// Block 0 is benzene (stems 0..5), block 1 methanol "CO".
const BlockGraph kBenzene{{0}, {}};
const BlockGraph kBiphenyl{{0, 0}, {{0, 1, 0, 0}}};
const BlockGraph kBenzylAlcohol{{0, 1}, {{0, 1, 0, 0}}};

TEST_F(TanimotoTest, IdenticalMoleculesAreFullySimilar) {
  EXPECT_DOUBLE_EQ(Mean({kBiphenyl, kBiphenyl}), 1.0);
  EXPECT_DOUBLE_EQ(Mean({kBiphenyl, kBiphenyl, kBiphenyl}), 1.0);
}

TEST_F(TanimotoTest, MeanOfThreeIsTheMeanOfItsPairs) {
  const double ab = Mean({kBenzene, kBiphenyl});
  const double ac = Mean({kBenzene, kBenzylAlcohol});
  const double bc = Mean({kBiphenyl, kBenzylAlcohol});
  for (double pair : {ab, ac, bc}) {
    EXPECT_GT(pair, 0.0);
    EXPECT_LT(pair, 1.0);
  }
  EXPECT_NEAR(Mean({kBenzene, kBiphenyl, kBenzylAlcohol}), (ab + ac + bc) / 3,
              1e-12);
  // Symmetric.
  EXPECT_DOUBLE_EQ(Mean({kBiphenyl, kBenzene}), ab);
}

TEST_F(TanimotoTest, FewerThanTwoMoleculesIsZero) {
  EXPECT_EQ(Mean({}), 0.0);
  EXPECT_EQ(Mean({kBenzene}), 0.0);
}

TEST_F(TanimotoTest, CanonicalSmiles) {
  EXPECT_EQ(*chemistry_->CanonicalSmiles(kBiphenyl), "c1ccc(-c2ccccc2)cc1");
  EXPECT_EQ(*chemistry_->CanonicalSmiles(kBenzylAlcohol), "OCc1ccccc1");
  EXPECT_EQ(chemistry_->CanonicalSmiles(BlockGraph{{105}, {}}).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace ledgfn
