// The `ledgfn` command line as a user meets it: bad input gives a non-zero
// exit and a one-line reason; --help documents every flag; a short run
// writes its metrics, summary and plot.
#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include "gtest/gtest.h"

namespace {

struct Result {
  int exit_code;
  std::string output;  // stdout and stderr
};

Result RunLedgfn(const std::string& args) {
  const std::string cmd = std::string(LEDGFN_BINARY) + " " + args + " 2>&1";
  FILE* pipe = popen(cmd.c_str(), "r");
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, pipe)) > 0) out.append(buf, n);
  const int status = pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

int Lines(const std::string& s) {
  int n = 0;
  for (char c : s) n += c == '\n';
  return n;
}

class BadInputTest
    : public ::testing::TestWithParam<std::pair<std::string, std::string>> {};

TEST_P(BadInputTest, ExitsNonZeroWithOneLineReason) {
  const auto& [args, reason] = GetParam();
  Result r = RunLedgfn("train --rounds=1 --plot_script= --output_dir=/tmp/ledgfn_cli_bad " + args);
  EXPECT_NE(r.exit_code, 0) << r.output;
  EXPECT_EQ(Lines(r.output), 1) << r.output;
  EXPECT_NE(r.output.find(reason), std::string::npos) << r.output;
}

INSTANTIATE_TEST_SUITE_P(
    Cli, BadInputTest,
    ::testing::Values(
        std::make_pair("--task=maze", "unknown task"),
        std::make_pair("--objective=ppo", "unknown objective"),
        std::make_pair("--lambda=-0.5", "lambda must be > 0"),
        std::make_pair("--batch_size=0", "batch size must be >= 1"),
        std::make_pair("--led_dropout=1", "dropout"),
        std::make_pair("--led_dropout=1.5", "dropout"),
        std::make_pair("--led_dropout=half", "or 'paper'"),
        std::make_pair("--output_dir=/proc/ledgfn", "output directory"),
        std::make_pair("--epsilon=2", "epsilon"),
        std::make_pair("--device=tpu", "unknown device"),
        std::make_pair("--task=set --set_size=huge", "set size"),
        std::make_pair("--task=mis --mis_family=rb1-2", "family"),
        std::make_pair("--task=mis --mis_edge_lists=/nonexistent/g.txt",
                       "/nonexistent/g.txt"),
        std::make_pair("--task=mis --mis_train_instances=0", "train"),
        std::make_pair("--reward_exponent=0", "reward exponent"),
        std::make_pair("--reward_exponent_final=5", "go together"),
        std::make_pair("--test_samples=0", "test samples"),
        std::make_pair("--protocol=online2", "unknown protocol"),
        std::make_pair("--protocol=paper --task=mis", "backward"),
        std::make_pair("--protocol=combopt", "family of graphs"),
        std::make_pair("--policy_minibatch=-1", "policy minibatch"),
        std::make_pair("--policy_passes=0", "passes >= 1"),
        std::make_pair("--task=mis --reward_exponent_final=5 "
                       "--reward_exponent_anneal_steps=0", "go together"),
        std::make_pair("--task=mis --protocol=combopt "
                       "--reward_exponent_anneal_steps=0", "must be > 0"),
        std::make_pair("--max_abs_energy=0", "--max_abs_energy must be in (0, 700]"),
        std::make_pair("--max_abs_energy=1e9", "--max_abs_energy must be in (0, 700]"),
        std::make_pair("--max_energy_disagreement=nan", "--max_energy_disagreement is NaN"),
        std::make_pair("--policy_network=cnn", "unknown policy network"),
        std::make_pair("--bag_features=paper", "unknown bag features"),
        std::make_pair("--grad_clip=-1", "gradient clip"),
        std::make_pair("--log_z_init=0 --log_z_min=1", "log Z"),
        std::make_pair("--protocol=paper --offline_batch_size=0",
                       "offline batch size"),
        std::make_pair("--task=molecule", "--molecule_data_dir is required"),
        std::make_pair("--task=molecule --molecule_data_dir=/nonexistent/seh",
                       "/nonexistent/seh/blocks_PDB_105.json"),
        std::make_pair("--task=molecule --molecule_data_dir=/x --molecule_energy=qm",
                       "use seh (the sEH proxy) or docking")));

TEST(CliTest, HelpDocumentsEveryFlag) {
  Result r = RunLedgfn("train --help");
  for (const char* flag :
       {"task", "hypergrid_dim", "hypergrid_side", "set_size", "bag_modes_file",
        "objective", "led_variant", "lambda", "uniform_pb", "led_dropout",
        "potential_steps", "window", "rounds", "batch_size",
        "replay_batch_size", "replay_selector", "policy_lr", "log_z_lr",
        "potential_lr", "epsilon", "hidden", "layers", "seed", "actors",
        "threads", "device", "eval_every", "output_dir", "mis_family",
        "mis_train_instances", "mis_test_instances", "mis_edge_lists",
        "reward_exponent", "reward_exponent_final",
        "reward_exponent_anneal_steps", "policy_minibatch", "policy_passes",
        "test_samples", "molecule_data_dir",
        "input", "output", "protocol", "bag_features", "policy_network",
        "offline_batch_size", "potential_window_batches",
        "potential_on_policy_batch", "led_loss_length_squared", "log_z_init",
        "log_z_min", "grad_clip", "reference_optimizer_side_effect",
        "max_abs_energy", "max_energy_disagreement"}) {
    EXPECT_NE(r.output.find(std::string("--") + flag), std::string::npos)
        << flag;
  }
}

bool HaveSehData() {
  return static_cast<bool>(std::ifstream(std::string(LEDGFN_SEH_DATA_DIR) +
                                         "/seh_proxy_params.bin"));
}

std::string WriteFile(const std::string& name, const std::string& text) {
  const std::string path = ::testing::TempDir() + "/" + name;
  std::ofstream(path) << text;
  return path;
}

TEST(CliTest, ScoreNeedsTheMoleculeTaskItsDataAndAnInput) {
  Result r = RunLedgfn("score --task=bag --input=/dev/null");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find("only --task=molecule has molecules to score"), std::string::npos) << r.output;
  r = RunLedgfn("score --task=molecule --input=/dev/null");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find("--molecule_data_dir is required"), std::string::npos)
      << r.output;
  r = RunLedgfn("score --task=molecule --molecule_data_dir=/nonexistent");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find("--input=FILE is required"), std::string::npos) << r.output;
}

TEST(CliTest, ScoreWritesOneJsonLinePerMoleculeAndFailsOnBadOnes) {
  if (!HaveSehData()) GTEST_SKIP() << "no sEH data in " << LEDGFN_SEH_DATA_DIR;
  const std::string data = std::string("--molecule_data_dir=") + LEDGFN_SEH_DATA_DIR;
  const std::string good = WriteFile("good.smi", "OCC ethanol\nc1ccccc1\n");
  const std::string out = ::testing::TempDir() + "/scores.jsonl";
  Result r = RunLedgfn("score --task=molecule " + data + " --input=" + good +
                       " --output=" + out);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  std::ifstream lines(out);
  std::string first, second, third;
  ASSERT_TRUE(std::getline(lines, first) && std::getline(lines, second));
  EXPECT_FALSE(std::getline(lines, third));
  EXPECT_EQ(first.rfind(R"({"index":0,"smiles":"CCO","score":)", 0), 0u) << first;
  EXPECT_NE(first.find(R"("energy":)"), std::string::npos) << first;
  EXPECT_EQ(second.rfind(R"({"index":1,"smiles":"c1ccccc1",)", 0), 0u) << second;

  const std::string bad = WriteFile("bad.smi", "C1CC\nCCO\n");
  r = RunLedgfn("score --task=molecule " + data + " --input=" + bad);
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find(R"({"index":0,"error":)"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find(R"({"index":1,"smiles":"CCO")"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("1 could not be"), std::string::npos) << r.output;
}

TEST(CliTest, MoleculeRunReportsScoresSimilarityAndOracleUse) {
  if (!HaveSehData()) GTEST_SKIP() << "no sEH data in " << LEDGFN_SEH_DATA_DIR;
  const std::string dir = ::testing::TempDir() + "/ledgfn_cli_molecule";
  Result r = RunLedgfn(std::string("train --task=molecule --molecule_data_dir=") +
                       LEDGFN_SEH_DATA_DIR +
                       " --objective=led-subtb --hidden=16 --batch_size=8 "
                       "--rounds=4 --eval_every=2 --output_dir=" + dir);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("top-100 mean score"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("top-100 mean similarity"), std::string::npos) << r.output;
  // LED needs one energy per trajectory: 4 rounds of 8.
  EXPECT_NE(r.output.find("oracle energies (time)       32 ("), std::string::npos)
      << r.output;
  std::ifstream csv(dir + "/metrics.csv");
  std::string header;
  std::getline(csv, header);
  EXPECT_NE(header.find("top100_score,top100_similarity,oracle_objects,oracle_seconds"),
            std::string::npos);
  EXPECT_TRUE(std::ifstream(dir + "/metrics.png").good());
}

bool HaveVina() {
  return system("command -v vina >/dev/null 2>&1") == 0 &&
         std::ifstream("/usr/share/doc/autodock-vina/test-data/conf.txt").good();
}

TEST(CliTest, DockWritesOneJsonLinePerMoleculeAndFailsOnBadOnes) {
  if (!HaveSehData()) GTEST_SKIP() << "no sEH data in " << LEDGFN_SEH_DATA_DIR;
  if (!HaveVina()) GTEST_SKIP() << "AutoDock Vina is not installed";
  const std::string data = std::string("--molecule_data_dir=") + LEDGFN_SEH_DATA_DIR;
  const std::string input = WriteFile("dock.smi", "c1ccccc1CO benzyl alcohol\nC1CC\n");
  Result r = RunLedgfn("dock --task=molecule " + data + " --input=" + input +
                       " --docking_workers=2");
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find(R"({"index":0,"smiles":"OCc1ccccc1","affinity":-)"),
            std::string::npos) << r.output;
  EXPECT_NE(r.output.find(R"({"index":1,"smiles":"C1CC","energy":0.0,"reason":"invalid_molecule","error":)"),
            std::string::npos) << r.output;
  EXPECT_NE(r.output.find("1 molecule(s) docked, 1 could not be"), std::string::npos)
      << r.output;
  r = RunLedgfn("dock --task=molecule " + data + " --input=" + input +
                " --box=/nonexistent/conf.txt");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_EQ(Lines(r.output), 1) << r.output;
  EXPECT_NE(r.output.find("cannot read /nonexistent/conf.txt"), std::string::npos)
      << r.output;
}

TEST(CliTest, AMoleculeRunCanDockItsOwnMolecules) {
  if (!HaveSehData()) GTEST_SKIP() << "no sEH data in " << LEDGFN_SEH_DATA_DIR;
  if (!HaveVina()) GTEST_SKIP() << "AutoDock Vina is not installed";
  const std::string dir = ::testing::TempDir() + "/ledgfn_cli_docking";
  Result r = RunLedgfn(std::string("train --task=molecule --molecule_data_dir=") +
                       LEDGFN_SEH_DATA_DIR +
                       " --molecule_energy=docking --docking_workers=2"
                       " --objective=led-subtb --hidden=16 --batch_size=2"
                       " --rounds=2 --eval_every=1 --plot_script= --output_dir=" + dir);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  // 2 rounds of 2 trajectories: 4 energies, from the docking oracle.
  EXPECT_NE(r.output.find("oracle energies (time)       4 ("), std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("from the cache"), std::string::npos) << r.output;
  std::ifstream tsv(dir + "/top_molecules.tsv");
  std::string header, best;
  ASSERT_TRUE(std::getline(tsv, header) && std::getline(tsv, best)) << r.output;
  EXPECT_EQ(header, "rank\taffinity_kcal_per_mol\tsmiles");
  EXPECT_EQ(best.rfind("1\t-", 0), 0u) << best;  // a negative affinity
}

TEST(CliTest, UnknownCommandFails) {
  Result r = RunLedgfn("fly");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("unknown command"), std::string::npos);
}

TEST(CliTest, ShortRunWritesMetricsSummaryAndPlot) {
  const std::string dir = "/tmp/ledgfn_cli_run";
  std::remove((dir + "/metrics.png").c_str());
  Result r = RunLedgfn("train --task=hypergrid --hypergrid_dim=2 --rounds=20 "
                 "--eval_every=10 --hidden=32 --threads=1 --output_dir=" + dir);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::ifstream csv(dir + "/metrics.csv");
  std::stringstream ss;
  ss << csv.rdbuf();
  EXPECT_EQ(ss.str().rfind("round,trajectories,", 0), 0u);
  EXPECT_EQ(Lines(ss.str()), 1 + 3);  // header, rounds 0, 10, 20
  EXPECT_TRUE(std::ifstream(dir + "/summary.txt").good());
  EXPECT_NE(r.output.find("exact L1"), std::string::npos);
  EXPECT_TRUE(std::ifstream(dir + "/metrics.png").good()) << r.output;
}

// MIS from the command line: small Erdos-Renyi graphs, the test-set
// evaluation in the summary and in metrics.csv.
TEST(CliTest, MisRunReportsTheTestSetAgainstGreedy) {
  const std::string dir = "/tmp/ledgfn_cli_mis";
  std::remove((dir + "/metrics.png").c_str());
  Result r = RunLedgfn(
      "train --task=mis --mis_family=er-20-0.2 --mis_train_instances=10 "
      "--mis_test_instances=3 --test_samples=4 --objective=led-db --hidden=16 "
      "--layers=2 --batch_size=8 --rounds=6 --eval_every=3 --output_dir=" +
      dir);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("test mean -E (start -> end)"), std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("baseline -E per instance"), std::string::npos);
  std::ifstream csv(dir + "/metrics.csv");
  std::string header;
  std::getline(csv, header);
  EXPECT_NE(header.find("test_mean_energy,test_best_energy,baseline_energy"),
            std::string::npos);
  // One line per test graph.
  std::ifstream instances(dir + "/test_instances.csv");
  std::string line;
  std::getline(instances, line);
  EXPECT_EQ(line, "family,seed,best_energy,baseline_energy");
  int graphs = 0;
  while (std::getline(instances, line)) {
    ++graphs;
    EXPECT_EQ(line.rfind("er-20-0.2,", 0), 0u) << line;
  }
  EXPECT_EQ(graphs, 3);
  // The plot shows the test-set panels (scripts/plot_metrics.sh).
  EXPECT_NE(r.output.find("plot:    " + dir + "/metrics.png"), std::string::npos)
      << r.output;
}

TEST(CliTest, CombOptProtocolStartsFromGFlowNetCombOptSettings) {
  Result r = RunLedgfn(
      "train --task=mis --protocol=combopt --mis_family=er-20-0.2 "
      "--mis_test_instances=2 --test_samples=2 --objective=fl-db --hidden=16 "
      "--layers=2 --rounds=2 --eval_every=2 --output_dir=/tmp/ledgfn_cli_combopt");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  // 8 graphs a round in minibatches of 3, beta 1 -> 500 over 15,000 steps.
  EXPECT_NE(r.output.find("protocol combopt, batch 8+0 in minibatches of 3, "
                          "beta 1 -> 500 over 15000 policy steps"),
            std::string::npos)
      << r.output;
  // Flags still override the protocol's settings.
  r = RunLedgfn(
      "train --task=mis --protocol=combopt --mis_family=er-20-0.2 "
      "--mis_test_instances=2 --test_samples=2 --objective=db --hidden=16 "
      "--layers=2 --batch_size=4 --policy_minibatch=0 --reward_exponent_final=8 "
      "--reward_exponent_anneal_steps=100 --rounds=2 --eval_every=2 "
      "--output_dir=/tmp/ledgfn_cli_combopt");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("protocol combopt, batch 4+0, beta 1 -> 8 over 100 "
                          "policy steps"),
            std::string::npos)
      << r.output;
}

}  // namespace
