// The original featurisation, row by row, on hand-checked molecules.
#include "chem/atom_features.h"

#include <GraphMol/RWMol.h>

#include <memory>
#include <vector>

#include "chem/block_assembly.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ledgfn {
namespace {

using ::testing::ElementsAre;
using ::testing::ElementsAreArray;

std::unique_ptr<BlockAssembler> Assembler() {
  FragmentVocabulary vocabulary;
  vocabulary.fragments = {{"C_0", "C", {0, 0, 0, 0}},
                          {"CO_0", "CO", {0}},
                          {"c1ccccc1_0", "c1ccccc1", {0, 1, 2, 3, 4, 5}}};
  return *BlockAssembler::Create(vocabulary);
}

MoleculeGraph Featurize(const BlockGraph& molecule) {
  std::unique_ptr<BlockAssembler> assembler = Assembler();
  std::unique_ptr<RDKit::RWMol> mol = *assembler->Assemble(molecule);
  return *FeaturizeMolecule(*mol, *assembler->FreeStemAtoms(molecule));
}

// A feature row with the given columns set.
std::vector<double> Row(std::vector<std::pair<int, double>> set) {
  std::vector<double> row(kAtomFeatures, 0.0);
  for (const auto& [column, value] : set) row[column] = value;
  return row;
}

std::vector<double> RowOf(const MoleculeGraph& graph, int atom) {
  return {graph.atom_features.begin() + atom * kAtomFeatures,
          graph.atom_features.begin() + (atom + 1) * kAtomFeatures};
}

TEST(AtomFeaturesTest, Ethanol) {
  // Block 0 "C" (atom 0) joined to the carbon of block 1 "CO" (atoms 1, 2).
  const MoleculeGraph graph = Featurize({{0, 1}, {{0, 1, 0, 0}}});
  ASSERT_EQ(graph.num_atoms, 3);
  // Columns: C type 1, O type 3, SP3 12, num_hs 13, one-hot 14 + Z - 1
  // (C 19, O 21), stem mask 70 (only the methyl keeps stems).
  EXPECT_THAT(RowOf(graph, 0),
              ElementsAreArray(Row({{1, 1}, {12, 1}, {13, 3}, {19, 1}, {70, 1}})));
  EXPECT_THAT(RowOf(graph, 1),
              ElementsAreArray(Row({{1, 1}, {12, 1}, {13, 2}, {19, 1}})));
  EXPECT_THAT(RowOf(graph, 2),
              ElementsAreArray(Row({{3, 1}, {12, 1}, {13, 1}, {21, 1}})));
  // Bonds in RDKit order: C1-O2 (from "CO"), then the junction C0-C1;
  // forward directions first, then the reverse ones.
  EXPECT_THAT(graph.edge_source, ElementsAre(1, 0, 2, 1));
  EXPECT_THAT(graph.edge_target, ElementsAre(2, 1, 1, 0));
  EXPECT_THAT(graph.edge_features,
              ElementsAre(1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0));
}

TEST(AtomFeaturesTest, AromaticRingAndItsBondType) {
  const MoleculeGraph graph = Featurize({{2}, {}});
  ASSERT_EQ(graph.num_atoms, 6);
  // Aromatic 9, SP2 11, one hydrogen, every atom a stem.
  EXPECT_THAT(RowOf(graph, 4), ElementsAreArray(Row(
                                   {{1, 1}, {9, 1}, {11, 1}, {13, 1}, {19, 1}, {70, 1}})));
  ASSERT_EQ(graph.num_edges(), 12);
  for (int e = 0; e < graph.num_edges(); ++e) {
    EXPECT_THAT(std::vector<double>(graph.edge_features.begin() + 4 * e,
                                    graph.edge_features.begin() + 4 * e + 4),
                ElementsAre(0, 0, 0, 1));
  }
}

TEST(AtomFeaturesTest, NoBondsGetsASelfLoopAndNoStemsMarksAtomZero) {
  std::unique_ptr<RDKit::RWMol> methane = *Assembler()->Assemble({{0}, {}});
  absl::StatusOr<MoleculeGraph> graph = FeaturizeMolecule(*methane, {});
  ASSERT_TRUE(graph.ok()) << graph.status();
  EXPECT_THAT(RowOf(*graph, 0),
              ElementsAreArray(Row({{1, 1}, {12, 1}, {13, 4}, {19, 1}, {70, 1}})));
  EXPECT_THAT(graph->edge_source, ElementsAre(0));
  EXPECT_THAT(graph->edge_target, ElementsAre(0));
  EXPECT_THAT(graph->edge_features, ElementsAre(0, 0, 0, 0));
  EXPECT_EQ(FeaturizeMolecule(*methane, {1}).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace ledgfn
