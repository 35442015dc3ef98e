// The sEH proxy against the scores the original pipeline gave 500 molecules,
// and batched scoring against one-by-one scoring.
#include <algorithm>
#include <cmath>
#include <memory>
#include <thread>
#include <vector>

#include "chem/seh_chemistry.h"
#include "gtest/gtest.h"
#include "tests/chem/seh_test_data.h"

namespace ledgfn {
namespace {

class SehReferenceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!HaveSehData()) GTEST_SKIP() << MissingSehDataMessage();
    absl::StatusOr<std::unique_ptr<SehChemistry>> chemistry =
        SehChemistry::Create(SehDataDir());
    ASSERT_TRUE(chemistry.ok()) << chemistry.status();
    chemistry_ = *std::move(chemistry);
    references_ = LoadReferenceMolecules();
    ASSERT_EQ(references_.size(), 500u);
  }

  std::vector<BlockGraph> Graphs(size_t count) const {
    std::vector<BlockGraph> graphs;
    for (size_t i = 0; i < std::min(count, references_.size()); ++i) {
      graphs.push_back(*references_[i].blocks);
    }
    return graphs;
  }

  std::unique_ptr<SehChemistry> chemistry_;
  std::vector<MoleculeInput> references_;
};

TEST_F(SehReferenceTest, ReproducesTheOriginalScores) {
  absl::StatusOr<std::vector<double>> scores =
      chemistry_->Scores(Graphs(references_.size()));
  ASSERT_TRUE(scores.ok()) << scores.status();
  ASSERT_EQ(scores->size(), references_.size());
  double max_error = 0;
  int clipped = 0;
  for (size_t i = 0; i < references_.size(); ++i) {
    if (references_[i].reference_clipped) {
      ++clipped;
      EXPECT_LE((*scores)[i], MoleculeChemistry::kMinScore + 1e-3) << "molecule " << i;
      continue;
    }
    const double error = std::abs((*scores)[i] - *references_[i].reference_score);
    max_error = std::max(max_error, error);
    EXPECT_LE(error, 1e-3) << "molecule " << i << ": " << (*scores)[i]
                           << " vs " << *references_[i].reference_score;
  }
  EXPECT_GT(clipped, 0);
  std::cout << "max |score - reference| over " << references_.size() - clipped
            << " unclipped molecules: " << max_error << "\n";
}

TEST_F(SehReferenceTest, BatchedEqualsOneByOne) {
  const std::vector<BlockGraph> graphs = Graphs(64);
  absl::StatusOr<std::vector<double>> batched = chemistry_->Scores(graphs);
  ASSERT_TRUE(batched.ok()) << batched.status();
  for (size_t i = 0; i < graphs.size(); ++i) {
    absl::StatusOr<std::vector<double>> alone =
        chemistry_->Scores({graphs[i]});
    ASSERT_TRUE(alone.ok()) << alone.status();
    EXPECT_NEAR((*batched)[i], (*alone)[0], 1e-9) << "molecule " << i;
  }
}

TEST_F(SehReferenceTest, ConcurrentCallersGetTheSameScores) {
  const std::vector<BlockGraph> graphs = Graphs(32);
  const std::vector<double> expected = *chemistry_->Scores(graphs);
  std::vector<std::vector<double>> results(4);
  std::vector<std::thread> threads;
  for (auto& result : results) {
    threads.emplace_back([&] { result = *chemistry_->Scores(graphs); });
  }
  for (std::thread& thread : threads) thread.join();
  for (const auto& result : results) {
    ASSERT_EQ(result.size(), expected.size());
    for (size_t i = 0; i < expected.size(); ++i) {
      EXPECT_NEAR(result[i], expected[i], 1e-12) << "molecule " << i;
    }
  }
}

TEST_F(SehReferenceTest, EmptyMoleculeGetsTheMinimumScore) {
  absl::StatusOr<std::vector<double>> scores =
      chemistry_->Scores({BlockGraph{}, *references_[0].blocks});
  ASSERT_TRUE(scores.ok()) << scores.status();
  EXPECT_EQ((*scores)[0], MoleculeChemistry::kMinScore);
  EXPECT_NEAR((*scores)[1], *references_[0].reference_score, 1e-3);
  absl::StatusOr<std::string> smiles = chemistry_->CanonicalSmiles(BlockGraph{});
  ASSERT_TRUE(smiles.ok());
  EXPECT_EQ(*smiles, "");
}

TEST_F(SehReferenceTest, UnsanitisableMoleculeGetsTheMinimumScore) {
  // Five methyls (block 8, "C") on one carbon: valence 5.
  BlockGraph overfull{{8, 8, 8, 8, 8, 8}, {}};
  for (int b = 1; b <= 5; ++b) overfull.jbonds.push_back({0, b, 0, 0});
  absl::StatusOr<std::vector<double>> scores = chemistry_->Scores({overfull});
  ASSERT_TRUE(scores.ok()) << scores.status();
  EXPECT_EQ((*scores)[0], MoleculeChemistry::kMinScore);
  EXPECT_EQ(*chemistry_->CanonicalSmiles(overfull), "");
  // A block index outside the vocabulary is the caller's error.
  EXPECT_EQ(chemistry_->Scores({BlockGraph{{105}, {}}}).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(SehReferenceTest, CreateNamesAMissingFile) {
  absl::StatusOr<std::unique_ptr<SehChemistry>> chemistry =
      SehChemistry::Create(::testing::TempDir());
  ASSERT_FALSE(chemistry.ok());
  EXPECT_NE(chemistry.status().message().find("blocks_PDB_105.json"),
            std::string::npos)
      << chemistry.status();
}

}  // namespace
}  // namespace ledgfn
