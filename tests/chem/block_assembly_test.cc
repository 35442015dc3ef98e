// Block graphs to RDKit molecules, the original way, and free stems.
#include "chem/block_assembly.h"

#include <GraphMol/RWMol.h>
#include <GraphMol/SmilesParse/SmilesWrite.h>

#include <memory>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ledgfn {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// benzene (stems 0..5), pyrrole with its [nH] at atom 3, methanol.
FragmentVocabulary SmallVocabulary() {
  FragmentVocabulary vocabulary;
  vocabulary.fragments = {{"c1ccccc1_0", "c1ccccc1", {0, 1, 2, 3, 4, 5}},
                          {"c1cc[nH]c1_3", "c1cc[nH]c1", {3, 0}},
                          {"CO_0", "CO", {0, 1}}};
  return vocabulary;
}

class BlockAssemblyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<BlockAssembler>> assembler =
        BlockAssembler::Create(SmallVocabulary());
    ASSERT_TRUE(assembler.ok()) << assembler.status();
    assembler_ = *std::move(assembler);
  }

  std::string Smiles(const BlockGraph& molecule) {
    absl::StatusOr<std::unique_ptr<RDKit::RWMol>> mol =
        assembler_->Assemble(molecule);
    EXPECT_TRUE(mol.ok()) << mol.status();
    return mol.ok() ? RDKit::MolToSmiles(**mol) : "";
  }

  std::unique_ptr<BlockAssembler> assembler_;
};

TEST_F(BlockAssemblyTest, TwoBenzenesMakeBiphenyl) {
  const BlockGraph biphenyl{{0, 0}, {{0, 1, 2, 0}}};
  EXPECT_EQ(Smiles(biphenyl), "c1ccc(-c2ccccc2)cc1");
  absl::StatusOr<std::unique_ptr<RDKit::RWMol>> mol = assembler_->Assemble(biphenyl);
  ASSERT_TRUE(mol.ok());
  EXPECT_EQ((*mol)->getNumAtoms(), 12u);
  // The junction bond joins atom 2 of block 0 to atom 6 + 0 of block 1.
  ASSERT_NE((*mol)->getBondBetweenAtoms(2, 6), nullptr);
  // Free stems: block 0 lost stem 2, block 1 lost stem 0.
  absl::StatusOr<std::vector<int>> stems = assembler_->FreeStemAtoms(biphenyl);
  ASSERT_TRUE(stems.ok());
  EXPECT_THAT(*stems, ElementsAre(0, 1, 3, 4, 5, 7, 8, 9, 10, 11));
}

TEST_F(BlockAssemblyTest, JunctionOnNHPopsTheExplicitHydrogen) {
  // Phenyl on the pyrrole nitrogen: without dropping [nH]'s hydrogen the
  // nitrogen would have valence 4 and RDKit would refuse the molecule.
  const BlockGraph phenylpyrrole{{1, 0}, {{0, 1, 3, 0}}};
  EXPECT_EQ(Smiles(phenylpyrrole), "c1ccc(-n2cccc2)cc1");
  absl::StatusOr<std::unique_ptr<RDKit::RWMol>> mol =
      assembler_->Assemble(phenylpyrrole);
  ASSERT_TRUE(mol.ok());
  EXPECT_EQ((*mol)->getAtomWithIdx(3)->getNumExplicitHs(), 0u);
  EXPECT_EQ((*mol)->getAtomWithIdx(3)->getTotalNumHs(), 0u);
  absl::StatusOr<std::vector<int>> stems = assembler_->FreeStemAtoms(phenylpyrrole);
  ASSERT_TRUE(stems.ok());
  EXPECT_THAT(*stems, ElementsAre(0, 6, 7, 8, 9, 10));
}

TEST_F(BlockAssemblyTest, SingleBlockKeepsItsStems) {
  const BlockGraph methanol{{2}, {}};
  EXPECT_EQ(Smiles(methanol), "CO");
  absl::StatusOr<std::vector<int>> stems = assembler_->FreeStemAtoms(methanol);
  ASSERT_TRUE(stems.ok());
  EXPECT_THAT(*stems, ElementsAre(0, 1));
}

TEST_F(BlockAssemblyTest, OverfullAtomIsFailedPrecondition) {
  // Five bonds on one methanol carbon (valence 5): RDKit refuses it.
  const BlockGraph overfull{{2, 2, 2, 2, 2},
                            {{0, 1, 0, 0}, {0, 2, 0, 0}, {0, 3, 0, 0}, {0, 4, 0, 0}}};
  absl::StatusOr<std::unique_ptr<RDKit::RWMol>> mol = assembler_->Assemble(overfull);
  ASSERT_FALSE(mol.ok());
  EXPECT_EQ(mol.status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST_F(BlockAssemblyTest, MalformedGraphsAreInvalidArgument) {
  const auto expect_invalid = [&](const BlockGraph& molecule,
                                  const std::string& message) {
    absl::StatusOr<std::unique_ptr<RDKit::RWMol>> mol = assembler_->Assemble(molecule);
    ASSERT_FALSE(mol.ok()) << message;
    EXPECT_EQ(mol.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(mol.status().message()), HasSubstr(message));
    EXPECT_EQ(assembler_->FreeStemAtoms(molecule).status().code(),
              absl::StatusCode::kInvalidArgument);
  };
  expect_invalid(BlockGraph{}, "at least one block");
  expect_invalid(BlockGraph{{0, 3}, {{0, 1, 0, 0}}}, "block index 3 outside");
  expect_invalid(BlockGraph{{0, 2}, {{0, 2, 0, 0}}}, "names block 2 of a molecule");
  expect_invalid(BlockGraph{{0, 2}, {{0, 1, 0, 2}}}, "names atom 2 of block 1");
  expect_invalid(BlockGraph{{0, 2}, {{0, 1, -1, 0}}}, "names atom -1 of block 0");
}

TEST(BlockAssemblerCreateTest, RejectsBadFragments) {
  FragmentVocabulary unparsable;
  unparsable.fragments = {{"bad", "C1CC", {0}}};
  absl::StatusOr<std::unique_ptr<BlockAssembler>> assembler =
      BlockAssembler::Create(unparsable);
  ASSERT_FALSE(assembler.ok());
  EXPECT_THAT(std::string(assembler.status().message()), HasSubstr("C1CC"));
  FragmentVocabulary stem_outside;
  stem_outside.fragments = {{"CO_0", "CO", {0, 2}}};
  assembler = BlockAssembler::Create(stem_outside);
  ASSERT_FALSE(assembler.ok());
  EXPECT_THAT(std::string(assembler.status().message()),
              HasSubstr("a stem at atom 2"));
}

}  // namespace
}  // namespace ledgfn
