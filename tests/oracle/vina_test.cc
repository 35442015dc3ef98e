// The docking pieces against the real `vina` program and Debian's test
// receptor, box and ligand (package autodock-vina): the box is read as Vina
// reads it, a docking through RunVina gives exactly the affinity of `vina
// --config conf.txt` run directly with the same seed and exhaustiveness, and a
// docking past its timeout is killed. Tests that need Vina skip, saying so,
// where it is not installed.
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "oracle/ligand_pdbqt.h"
#include "oracle/vina_box.h"
#include "oracle/vina_process.h"

namespace ledgfn {
namespace {

std::string TestData(const std::string& name) {
  return absl::StrCat(kDebianVinaTestData, "/", name);
}

bool HaveVina() {
  return system("command -v vina >/dev/null 2>&1") == 0 &&
         access(TestData("conf.txt").c_str(), R_OK) == 0;
}

#define SKIP_WITHOUT_VINA()                                              \
  if (!HaveVina())                                                       \
  GTEST_SKIP() << "AutoDock Vina or its test data is not installed "    \
                  "(apt-get install autodock-vina)"

std::string TempDir() {
  std::string pattern = absl::StrCat(testing::TempDir(), "vina-test-XXXXXX");
  return mkdtemp(pattern.data()) == nullptr ? testing::TempDir() : pattern;
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream all;
  all << in.rdbuf();
  return all.str();
}

TEST(VinaBoxTest, ReadsTheBoxOfTheDebianTestConfig) {
  SKIP_WITHOUT_VINA();
  absl::StatusOr<VinaBox> box = ReadVinaBox(TestData("conf.txt"));
  ASSERT_TRUE(box.ok()) << box.status();
  EXPECT_EQ(box->center, (std::array<double, 3>{11, 90.5, 57.5}));
  EXPECT_EQ(box->size, (std::array<double, 3>{22, 24, 28}));
}

TEST(VinaBoxTest, RefusesAMissingKeyABadNumberAndANonPositiveSize) {
  const std::string dir = TempDir();
  auto box_of = [&](const std::string& text) {
    const std::string path = dir + "/conf.txt";
    std::ofstream(path) << text;
    return ReadVinaBox(path).status();
  };
  const std::string center = "center_x = 1\ncenter_y = 2\ncenter_z = 3\n";
  EXPECT_TRUE(box_of(center + "size_x = 1\nsize_y = 2\nsize_z = 3\n").ok());
  absl::Status missing = box_of(center + "size_x = 1\nsize_y = 2\n");
  EXPECT_EQ(missing.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(missing.message().find("size_z"), std::string::npos) << missing;
  absl::Status bad = box_of(center + "size_x = wide\nsize_y = 2\nsize_z = 3\n");
  EXPECT_EQ(bad.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(bad.message().find(":4: size_x"), std::string::npos) << bad;
  EXPECT_EQ(box_of(center + "size_x = 0\nsize_y = 2\nsize_z = 3\n").code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ReadVinaBox(dir + "/absent.txt").status().code(),
            absl::StatusCode::kNotFound);
}

TEST(VinaBoxTest, AReceptorWithoutAtomsIsRefused) {
  const std::string dir = TempDir();
  std::ofstream(dir + "/empty.pdbqt") << "REMARK nothing here\n";
  EXPECT_EQ(PrepareReceptor(dir + "/empty.pdbqt", dir).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(PrepareReceptor(dir + "/absent.pdbqt", dir).status().code(),
            absl::StatusCode::kNotFound);
}

TEST(LigandPdbqtTest, WritesATorsionTreeForVinaAndRefusesNonMolecules) {
  absl::StatusOr<std::string> ethanol = LigandPdbqtFromSmiles("CCO", 1);
  ASSERT_TRUE(ethanol.ok()) << ethanol.status();
  EXPECT_NE(ethanol->find("ROOT"), std::string::npos) << *ethanol;
  EXPECT_NE(ethanol->find("TORSDOF"), std::string::npos) << *ethanol;
  // Non-polar hydrogens are merged: 3 heavy atoms and the hydroxyl H.
  int atoms = 0;
  for (size_t at = 0; (at = ethanol->find("\nATOM", at)) != std::string::npos; ++at) {
    ++atoms;
  }
  EXPECT_EQ(atoms + (ethanol->rfind("ATOM", 0) == 0 ? 1 : 0), 4) << *ethanol;
  // The same seed, the same conformer.
  EXPECT_EQ(*LigandPdbqtFromSmiles("CCO", 1), *ethanol);
  EXPECT_EQ(LigandPdbqtFromSmiles("C1CC", 1).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(LigandPdbqtFromSmiles("", 1).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(VinaProcessTest, TheBestAffinityIsTheFirstResultLine) {
  absl::StatusOr<double> best = BestAffinityOfPoses(
      "MODEL 1\nREMARK VINA RESULT:   -10.23      0.000      0.000\n"
      "MODEL 2\nREMARK VINA RESULT:    -9.953     3.425      4.135\n");
  ASSERT_TRUE(best.ok()) << best.status();
  EXPECT_DOUBLE_EQ(*best, -10.23);
  EXPECT_FALSE(BestAffinityOfPoses("MODEL 1\nENDMDL\n").ok());
}

// The settings the direct run below uses, through RunVina.
VinaSettings DebianTestSettings(const std::string& dir) {
  VinaSettings s;
  absl::StatusOr<std::string> receptor =
      PrepareReceptor(TestData("protein.pdbqt.gz"), dir);
  EXPECT_TRUE(receptor.ok()) << receptor.status();
  s.receptor = receptor.value_or("");
  absl::StatusOr<VinaBox> box = ReadVinaBox(TestData("conf.txt"));
  EXPECT_TRUE(box.ok()) << box.status();
  s.box = box.value_or(VinaBox());
  s.exhaustiveness = 1;
  s.seed = 7;
  s.cpu = 1;
  return s;
}

TEST(VinaProcessTest, MatchesVinaRunDirectlyOnTheDebianTestLigand) {
  SKIP_WITHOUT_VINA();
  const std::string dir = TempDir();
  const VinaSettings settings = DebianTestSettings(dir);
  absl::StatusOr<double> ours =
      RunVina(settings, TestData("ligand.pdbqt"), dir + "/ours.pdbqt",
              dir + "/ours.log");
  ASSERT_TRUE(ours.ok()) << ours.status();

  // The package's own test, as its README runs it, with the same seed,
  // exhaustiveness and cpu on the command line.
  const std::string direct = absl::StrCat(
      "cd ", dir, " && cp ", TestData("conf.txt"), " ", TestData("ligand.pdbqt"),
      " ", TestData("protein.pdbqt.gz"), " . && gunzip -f protein.pdbqt.gz",
      " && vina --config conf.txt --seed 7 --exhaustiveness 1 --cpu 1 "
      "--out direct.pdbqt > direct.log 2>&1");
  ASSERT_EQ(system(direct.c_str()), 0) << ReadAll(dir + "/direct.log");
  absl::StatusOr<double> theirs = BestAffinityOfPoses(ReadAll(dir + "/direct.pdbqt"));
  ASSERT_TRUE(theirs.ok()) << theirs.status();
  EXPECT_EQ(*ours, *theirs);
  EXPECT_LT(*ours, -7.0);  // imatinib binds its kinase tightly
}

TEST(VinaProcessTest, ADockingPastItsTimeoutIsKilled) {
  SKIP_WITHOUT_VINA();
  const std::string dir = TempDir();
  VinaSettings settings = DebianTestSettings(dir);
  settings.exhaustiveness = 64;  // minutes of work
  settings.timeout = absl::Milliseconds(300);
  const absl::Time start = absl::Now();
  absl::StatusOr<double> affinity = RunVina(
      settings, TestData("ligand.pdbqt"), dir + "/o.pdbqt", dir + "/o.log");
  EXPECT_EQ(affinity.status().code(), absl::StatusCode::kDeadlineExceeded)
      << affinity.status();
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
}

TEST(VinaProcessTest, AMissingProgramIsNotFound) {
  VinaSettings settings;
  settings.program = "/nonexistent/vina";
  const std::string dir = TempDir();
  EXPECT_EQ(RunVina(settings, "l.pdbqt", dir + "/o", dir + "/l").status().code(),
            absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace ledgfn
