// `ledgfn score`'s input formats and JSON lines: every molecule gets a line,
// bad molecules an error line of their own.
#include "chem/molecule_scoring.h"

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "chem/molecule_input.h"
#include "tasks/molecule/molecule_task.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/chem/seh_test_data.h"

namespace ledgfn {
namespace {

std::string WriteTemp(const std::string& name, const std::string& text) {
  const std::string path = ::testing::TempDir() + "/" + name;
  std::ofstream(path) << text;
  return path;
}

TEST(MoleculeInputTest, ReadsSmilesLinesSkippingCommentsBlanksAndNames) {
  auto molecules = ReadMoleculeInput(
      WriteTemp("in.smi", "# header\nCCO ethanol\n\n  c1ccccc1\t benzene \n"));
  ASSERT_TRUE(molecules.ok()) << molecules.status();
  ASSERT_EQ(molecules->size(), 2u);
  EXPECT_EQ(*(*molecules)[0].smiles, "CCO");
  EXPECT_EQ(*(*molecules)[1].smiles, "c1ccccc1");
  EXPECT_FALSE((*molecules)[0].blocks.has_value());
}

TEST(MoleculeInputTest, ReadsTheReferenceFormat) {
  auto molecules = ReadMoleculeInput(WriteTemp(
      "in.json",
      R"({"molecules": [{"blockidxs": [0, 8], "jbonds": [[0, 1, 2, 0]],
          "score": 1.5, "clipped": false}, {"blockidxs": [7], "jbonds": []}]})"));
  ASSERT_TRUE(molecules.ok()) << molecules.status();
  ASSERT_EQ(molecules->size(), 2u);
  const MoleculeInput& first = (*molecules)[0];
  EXPECT_EQ(first.blocks->blockidxs, (std::vector<int>{0, 8}));
  ASSERT_EQ(first.blocks->jbonds.size(), 1u);
  EXPECT_EQ(first.blocks->jbonds[0], (std::array<int, 4>{0, 1, 2, 0}));
  EXPECT_DOUBLE_EQ(*first.reference_score, 1.5);
  EXPECT_FALSE((*molecules)[1].reference_score.has_value());
}

TEST(MoleculeInputTest, RejectsMalformedFilesNamingTheProblem) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"{\"molecules\": [", "not valid JSON"},
      {"{\"mols\": []}", "no \"molecules\" array"},
      {R"({"molecules": [{"blockidxs": [0]}]})", "molecule 0: needs"},
      {R"({"molecules": [{"blockidxs": [0, 1], "jbonds": [[0, 1, 2]]}]})",
       "molecule 0: jbonds"},
      {R"({"molecules": [{"blockidxs": ["a"], "jbonds": []}]})",
       "molecule 0: blockidxs"},
  };
  for (const auto& [text, expected] : cases) {
    auto molecules = ReadMoleculeInput(WriteTemp("bad.json", text));
    ASSERT_FALSE(molecules.ok()) << text;
    EXPECT_NE(molecules.status().message().find(expected), std::string::npos)
        << molecules.status();
  }
  EXPECT_EQ(ReadMoleculeInput("/nonexistent/in.smi").status().code(),
            absl::StatusCode::kNotFound);
}

TEST(MoleculeScoringTest, OneLinePerMoleculeWithReferenceScoresAndErrors) {
  if (!HaveSehData()) GTEST_SKIP() << MissingSehDataMessage();
  auto chemistry = SehChemistry::Create(SehDataDir());
  ASSERT_TRUE(chemistry.ok()) << chemistry.status();
  std::vector<MoleculeInput> molecules = LoadReferenceMolecules();
  ASSERT_GE(molecules.size(), 3u);
  molecules.resize(3);
  MoleculeInput bad_block;
  bad_block.blocks = BlockGraph{{0, 999}, {{0, 1, 0, 0}}};
  MoleculeInput bad_smiles;
  bad_smiles.smiles = "C1CC";  // an unclosed ring
  MoleculeInput good_smiles;
  good_smiles.smiles = "OCC";
  molecules.insert(molecules.begin() + 1, bad_block);
  molecules.push_back(bad_smiles);
  molecules.push_back(good_smiles);

  std::ostringstream out;
  EXPECT_EQ(ScoreMoleculesAsJsonLines(**chemistry, molecules, out), 2);
  std::istringstream lines(out.str());
  std::vector<nlohmann::json> parsed;
  for (std::string line; std::getline(lines, line);) {
    parsed.push_back(nlohmann::json::parse(line));
  }
  ASSERT_EQ(parsed.size(), molecules.size());
  for (size_t i = 0; i < parsed.size(); ++i) EXPECT_EQ(parsed[i]["index"], i);
  for (size_t i : {0u, 2u, 3u}) {
    const nlohmann::json& line = parsed[i];
    EXPECT_NEAR(line["score"].get<double>(), line["reference_score"].get<double>(), 1e-3);
    EXPECT_DOUBLE_EQ(line["energy"].get<double>(),
                     MoleculeTask::EnergyOfScore(line["score"].get<double>()));
    EXPECT_FALSE(line["smiles"].get<std::string>().empty());
  }
  EXPECT_TRUE(parsed[1].contains("error"));
  EXPECT_TRUE(parsed[4].contains("error"));
  EXPECT_EQ(parsed[5]["smiles"], "CCO");  // canonical
  EXPECT_FALSE(parsed[5].contains("reference_score"));
}

}  // namespace
}  // namespace ledgfn
