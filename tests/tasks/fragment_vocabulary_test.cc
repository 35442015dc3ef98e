// Tests of the fragment vocabulary loader against the original
// blocks_PDB_105.json and against malformed files.
#include "tasks/molecule/fragment_vocabulary.h"

#include <fstream>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ledgfn {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::string WriteTemp(const std::string& name, const std::string& text) {
  const std::string path = ::testing::TempDir() + "/" + name;
  std::ofstream(path) << text;
  return path;
}

TEST(FragmentVocabularyTest, LoadsTheOriginal105Blocks) {
  const std::string path =
      std::string(LEDGFN_SEH_DATA_DIR) + "/blocks_PDB_105.json";
  if (!std::ifstream(path)) {
    GTEST_SKIP() << path << " is absent; configure with "
                 << "-DLEDGFN_SEH_DATA_DIR=<dir holding blocks_PDB_105.json>";
  }
  absl::StatusOr<FragmentVocabulary> vocabulary = LoadFragmentVocabulary(path);
  ASSERT_TRUE(vocabulary.ok()) << vocabulary.status();
  EXPECT_EQ(vocabulary->size(), 105);
  EXPECT_EQ(vocabulary->max_stems(), 6);
  const Fragment& benzene = vocabulary->fragments[0];
  EXPECT_EQ(benzene.name, "c1ccccc1_0");
  EXPECT_EQ(benzene.smiles, "c1ccccc1");
  EXPECT_THAT(benzene.stem_atoms, ElementsAre(0, 1, 2, 3, 4, 5));
}

TEST(FragmentVocabularyTest, SmallFileInOrder) {
  const std::string path = WriteTemp("two_blocks.json", R"({
    "block_name": {"1": "CO_0", "0": "C_0"},
    "block_smi": {"0": "C", "1": "CO"},
    "block_r": {"0": [0, 0, 0, 0], "1": [1]}})");
  absl::StatusOr<FragmentVocabulary> vocabulary = LoadFragmentVocabulary(path);
  ASSERT_TRUE(vocabulary.ok()) << vocabulary.status();
  ASSERT_EQ(vocabulary->size(), 2);
  EXPECT_EQ(vocabulary->fragments[1].name, "CO_0");
  EXPECT_EQ(vocabulary->fragments[1].smiles, "CO");
  EXPECT_THAT(vocabulary->fragments[0].stem_atoms, ElementsAre(0, 0, 0, 0));
  EXPECT_EQ(vocabulary->max_stems(), 4);
}

void ExpectRejected(const std::string& name, const std::string& text,
                    const std::string& message) {
  absl::StatusOr<FragmentVocabulary> vocabulary =
      LoadFragmentVocabulary(WriteTemp(name, text));
  ASSERT_FALSE(vocabulary.ok()) << name;
  EXPECT_EQ(vocabulary.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(vocabulary.status().message()), HasSubstr(message));
}

TEST(FragmentVocabularyTest, RejectsMalformedFiles) {
  absl::StatusOr<FragmentVocabulary> missing =
      LoadFragmentVocabulary(::testing::TempDir() + "/no_such_file.json");
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(missing.status().message()),
              HasSubstr("no_such_file.json"));
  ExpectRejected("bad.json", "{\"block_name\": ", "not valid JSON");
  ExpectRejected("no_r.json",
                 R"({"block_name": {"0": "C_0"}, "block_smi": {"0": "C"}})",
                 "missing the object \"block_r\"");
  ExpectRejected("gap.json", R"({"block_name": {"0": "C_0", "2": "O_0"},
    "block_smi": {"0": "C", "2": "O"}, "block_r": {"0": [0], "2": [0]}})",
                 "block 1 has no entry in \"block_name\"");
  ExpectRejected("empty_r.json", R"({"block_name": {"0": "C_0"},
    "block_smi": {"0": "C"}, "block_r": {"0": []}})",
                 "block 0: block_r must be a non-empty array");
  ExpectRejected("negative_r.json", R"({"block_name": {"0": "C_0"},
    "block_smi": {"0": "C"}, "block_r": {"0": [-1]}})",
                 "not a non-negative atom index");
}

}  // namespace
}  // namespace ledgfn
