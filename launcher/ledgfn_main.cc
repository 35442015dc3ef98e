// `ledgfn train`: embedded LED-GFN training in one process (DESIGN §1),
// `ledgfn score`: sEH proxy scores of molecules, and `ledgfn dock`: their
// AutoDock Vina affinities (oracle/dock_command.h).
// Its own flags are here; the task and training flags are shared with the
// distributed roles (task_flags.h, training_flags.h). Libraries take option
// structs.
#include <torch/torch.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "chem/score_command.h"
#include "tasks/instance_family.h"
#include "tasks/registry.h"
#include "common/file_util.h"
#include "common/log.h"
#include "model/compute_setup.h"
#include "launcher/cli.h"
#include "local/embedded_trainer.h"
#include "launcher/progress_bar.h"
#include "launcher/task_flags.h"
#include "launcher/training_flags.h"
#include "launcher/docking_flags.h"
#include "oracle/dock_command.h"
#include "learner/objective.h"
#include "learner/protocol.h"

ABSL_FLAG(int64_t, rounds, 2000, "Training rounds (one policy step each).");
ABSL_FLAG(int64_t, replay_capacity, 100000, "Replay table capacity.");
ABSL_FLAG(int, actors, 0,
          "Actor threads. 0 samples on the learner thread between steps "
          "(deterministic for a seed); N > 0 samples concurrently with the "
          "newest published policy.");
ABSL_FLAG(int64_t, eval_every, 100, "Evaluate every this many rounds.");
ABSL_FLAG(std::string, output_dir, "runs/latest",
          "Where metrics.csv, summary.txt and metrics.png are written.");
ABSL_FLAG(std::string, input, "",
          "score, dock: molecules to score, in the reference JSON format "
          "({\"molecules\": [{\"blockidxs\", \"jbonds\"}, ...]}) or SMILES "
          "one per line.");
ABSL_FLAG(std::string, output, "-",
          "score, dock: where the JSON lines go ('-' = standard output).");
ABSL_FLAG(std::string, plot_script, LEDGFN_PLOT_SCRIPT,
          "Script that turns metrics.csv into metrics.png (needs gnuplot); "
          "empty disables plotting.");


namespace ledgfn {
namespace {

[[noreturn]] void Fail(const absl::Status& status) {
  ledgfn::Fail("ledgfn train", status);
}

absl::StatusOr<EmbeddedOptions> OptionsFromFlags(const Task& task) {
  auto o = TrainingOptionsFromFlags(task);
  if (!o.ok()) return o.status();
  o->capacity = absl::GetFlag(FLAGS_replay_capacity);
  o->actors = absl::GetFlag(FLAGS_actors);
  o->rounds = absl::GetFlag(FLAGS_rounds);
  o->eval_every = absl::GetFlag(FLAGS_eval_every);
  if (absl::Status s = o->Validate(); !s.ok()) return s;
  return o;
}

// A rate with the digits that matter: 1234, 12.3, 0.265.
std::string Rate(double per_second) {
  if (per_second >= 100) return absl::StrFormat("%.0f", per_second);
  if (per_second >= 1) return absl::StrFormat("%.1f", per_second);
  return absl::StrFormat("%.3f", per_second);
}

void PrintSummary(const Task& task, const EmbeddedOptions& o,
                  const std::vector<EvalRow>& rows, const std::string& path) {
  const EvalRow& first = rows.front();
  const EvalRow& last = rows.back();
  auto opt = [](const std::optional<double>& v) {
    return v ? absl::StrFormat("%.4f", *v) : std::string("n/a");
  };
  std::string text = absl::StrFormat(
      "\nledgfn train: %s, objective %s, seed %d\n"
      "  %-28s %s\n  %-28s %d\n  %-28s %d\n  %-28s %.1f s\n"
      "  %-28s %s\n  %-28s %s\n"
      "  %-28s %.4f (exact %s, |error| %s)\n"
      "  %-28s %s -> %s\n  %-28s %d\n  %-28s %d\n  %-28s %.4g\n",
      task.name(), ObjectiveName(o.trainer.objective), o.trainer.seed,
      "metric", "value", "rounds", last.round, "trajectories sampled",
      last.trajectories, "wall time", last.seconds, "trajectories / s",
      Rate(last.trajectories_per_second), "rounds / s",
      Rate(last.rounds_per_second),
      "log Z (learned)", last.log_z,
      last.log_z_error ? absl::StrFormat("%.4f", last.exact_log_z) : "n/a",
      opt(last.log_z_error),
      "exact L1 (start -> end)", opt(first.l1), opt(last.l1),
      "modes found", last.modes, "distinct objects", last.distinct,
      "top-100 mean reward", last.top100);
  if (last.test_mean_energy) {
    // For MIS, -E is the size of the independent set.
    text += absl::StrFormat(
        "  %-28s %.3f -> %.3f\n  %-28s %.3f\n  %-28s %.3f\n",
        "test mean -E (start -> end)", -*first.test_mean_energy,
        -*last.test_mean_energy, "test best -E per instance",
        -*last.test_best_energy, "baseline -E per instance",
        -*last.baseline_energy);
  }
  if (last.top100_score) {
    text += absl::StrFormat("  %-28s %.4f\n  %-28s %s\n", "top-100 mean score",
                            *last.top100_score, "top-100 mean similarity",
                            opt(last.top100_similarity));
  }
  if (last.dropped.total() > 0) {
    text += absl::StrFormat("  %-28s %s\n", "trajectories dropped",
                            last.dropped.ToString());
  }
  if (last.oracle_objects) {
    text += absl::StrFormat("  %-28s %d (%.1f s)\n", "oracle energies (time)",
                            *last.oracle_objects, *last.oracle_seconds);
  }
  std::printf("%s", text.c_str());
  std::ofstream(path) << text;
}

// The docking run's own numbers (appended to summary.txt) and its best
// molecules, the best 1,000 in top_molecules.tsv.
void PrintDockingSummary(const DockingOracle& oracle, const std::string& dir) {
  const DockingStats stats = oracle.Stats();
  int64_t failed = 0;
  for (int64_t f : stats.failures) failed += f;
  std::string text = absl::StrFormat(
      "  %-28s %d docked (%d penalised), %d from the cache\n"
      "  %-28s score = -affinity (kcal/mol); modes bind at <= -10\n",
      "docking", stats.docked, failed, stats.cache_hits, "");
  const auto best = oracle.BestMolecules(1000);
  std::ofstream tsv(dir + "/top_molecules.tsv");
  tsv << "rank\taffinity_kcal_per_mol\tsmiles\n";
  for (size_t i = 0; i < best.size(); ++i) {
    tsv << i + 1 << "\t" << best[i].second << "\t" << best[i].first << "\n";
    if (i < 5) {
      text += absl::StrFormat("  %-28s %.2f kcal/mol  %s\n",
                              absl::StrCat("best molecule ", i + 1),
                              best[i].second, best[i].first);
    }
  }
  std::printf("%s  top molecules: %s/top_molecules.tsv\n", text.c_str(),
              dir.c_str());
  std::ofstream(dir + "/summary.txt", std::ios::app) << text;
}

int TrainMain() {
  auto task = TaskWithChemistryFromFlags();
  if (!task.ok()) Fail(task.status());
  auto options = OptionsFromFlags(**task);
  if (!options.ok()) Fail(options.status());
  // --molecule_energy=docking: energies from AutoDock Vina, docked here.
  absl::StatusOr<std::unique_ptr<DockingOracle>> docking =
      DockingOracleFromFlags(**task);
  if (!docking.ok()) Fail(docking.status());
  options->oracle = docking->get();

  if (absl::Status s = ApplyThreadsFlag(); !s.ok()) Fail(s);

  const std::string dir = absl::GetFlag(FLAGS_output_dir);
  if (absl::Status s = MakeDirs(dir); !s.ok()) {
    Fail(absl::Status(s.code(), absl::StrCat("output directory: ", s.message())));
  }
  const std::string csv_path = dir + "/metrics.csv";
  std::ofstream csv(csv_path);
  if (!csv) {
    Fail(absl::PermissionDeniedError(
        absl::StrCat("cannot write ", csv_path, ": ", std::strerror(errno))));
  }
  csv << EvalCsvHeader() << "\n";

  const std::string core = BlasCoreName();
  const std::string blas = core.empty() ? "not OpenBLAS" : "OpenBLAS " + core;
  const TrainerOptions& t = options->trainer;
  const std::string minibatches =
      t.policy_minibatch > 0
          ? absl::StrFormat(" in minibatches of %d", t.policy_minibatch)
          : "";
  const std::string annealing =
      t.reward_exponent_anneal_steps > 0
          ? absl::StrFormat(", beta %g -> %g over %d policy steps",
                            t.reward_exponent, t.reward_exponent_final,
                            t.reward_exponent_anneal_steps)
          : "";
  LogInfo("task %s, objective %s, protocol %s, batch %d+%d%s%s, %d actor "
          "thread(s), %d rounds, BLAS %s -> %s",
          (*task)->name(), ObjectiveName(t.objective),
          ProtocolName(t.protocol), options->batch_size,
          options->replay_batch_size, minibatches, annealing, options->actors,
          options->rounds, blas, dir);
  ProgressBar bar(options->rounds);
  EmbeddedCallbacks callbacks;
  callbacks.on_round = [&](const EvalRow& r) { bar.OnRound(r); };
  // Per test instance, from the newest evaluation (multi-instance tasks).
  const std::string instances_path = dir + "/test_instances.csv";
  callbacks.on_test_set = [&](const TestSetResult& result) {
    std::ofstream out(instances_path);
    out << "family,seed,best_energy,baseline_energy\n";
    for (size_t i = 0; i < result.instances.size(); ++i) {
      out << result.instances[i].family << "," << result.instances[i].seed
          << "," << result.best_energies[i] << ","
          << result.baseline_energies[i] << "\n";
    }
  };
  callbacks.on_eval = [&](const EvalRow& r) {
    bar.OnEval(r);
    csv << EvalRowToCsv(r) << "\n";
    csv.flush();
  };
  auto rows = RunEmbedded(**task, *options, callbacks);
  bar.Finish();
  if (!rows.ok()) Fail(rows.status());
  PrintSummary(**task, *options, *rows, dir + "/summary.txt");
  if (*docking != nullptr) PrintDockingSummary(**docking, dir);
  std::printf("  metrics: %s\n", csv_path.c_str());
  if (!TestInstancesOf(**task).empty()) {
    std::printf("  per test instance (best sampled and baseline energy): %s\n",
                instances_path.c_str());
  }

  const std::string script = absl::GetFlag(FLAGS_plot_script);
  if (!script.empty()) {
    const std::string png = dir + "/metrics.png";
    const std::string cmd =
        absl::StrCat("'", script, "' '", csv_path, "' '", png, "'",
                     *docking != nullptr ? " docking" : "", " >/dev/null 2>&1");
    if (std::system(cmd.c_str()) == 0) {
      std::printf("  plot:    %s\n", png.c_str());
    } else {
      std::printf("  plot:    not made (%s failed; it needs gnuplot)\n",
                  script.c_str());
    }
  }
  return 0;
}

// `ledgfn score` and `ledgfn dock` read --input for the molecule task:
// its task options, or a one-line error (exit 2) for a missing flag.
TaskOptions MoleculeInputFlagsOrExit(const char* program, const char* verb) {
  const TaskOptions options = TaskOptionsFromFlags();
  if (options.name != "molecule") {
    ledgfn::Fail(program, absl::InvalidArgumentError(absl::StrCat(
                              "only --task=molecule has molecules to ", verb)));
  }
  if (options.molecule_data_dir.empty()) {
    ledgfn::Fail(program, absl::InvalidArgumentError(
                              "--molecule_data_dir is required (the sEH data "
                              "directory, e.g. ../shared/data/seh)"));
  }
  if (absl::GetFlag(FLAGS_input).empty()) {
    ledgfn::Fail(program, absl::InvalidArgumentError(
                              "--input=FILE is required (reference JSON or "
                              "SMILES one per line)"));
  }
  return options;
}

struct LineCounts {
  int64_t done = 0;
  int64_t failed = 0;
};

// Writes `write`'s JSON lines to --output ('-': standard output) and reports
// "<n> molecule(s) <done>, <m> could not be"; exit 1 if any could not be.
int WriteMoleculeLines(
    const char* program, const char* done,
    const std::function<absl::StatusOr<LineCounts>(std::ostream&)>& write) {
  const std::string output_path = absl::GetFlag(FLAGS_output);
  std::ofstream file;
  if (output_path != "-") {
    file.open(output_path);
    if (!file) {
      ledgfn::Fail(program, absl::PermissionDeniedError(absl::StrCat(
                                "cannot write ", output_path, ": ",
                                std::strerror(errno))));
    }
  }
  std::ostream& out = output_path == "-" ? std::cout : file;
  absl::StatusOr<LineCounts> counts = write(out);
  if (!counts.ok()) ledgfn::Fail(program, counts.status());
  out.flush();
  if (!out) {
    ledgfn::Fail(program, absl::DataLossError(
                              absl::StrCat("writing ", output_path, " failed")));
  }
  std::fprintf(stderr, "%s: %lld molecule(s) %s, %lld could not be\n", program,
               static_cast<long long>(counts->done), done,
               static_cast<long long>(counts->failed));
  return counts->failed == 0 ? 0 : 1;
}

// `ledgfn score`: one JSON line per molecule (chem/score_command.h).
int ScoreMain() {
  constexpr char kProgram[] = "ledgfn score";
  const TaskOptions options = MoleculeInputFlagsOrExit(kProgram, "score");
  return WriteMoleculeLines(kProgram, "scored", [&](std::ostream& out)
                                                    -> absl::StatusOr<LineCounts> {
    auto counts = ScoreMoleculeFile(options.molecule_data_dir,
                                    absl::GetFlag(FLAGS_input), out);
    if (!counts.ok()) return counts.status();
    return LineCounts{counts->scored, counts->failed};
  });
}

// `ledgfn dock`: one JSON line per molecule (oracle/dock_command.h).
int DockMain() {
  constexpr char kProgram[] = "ledgfn dock";
  const TaskOptions options = MoleculeInputFlagsOrExit(kProgram, "dock");
  absl::StatusOr<std::unique_ptr<Task>> task = MakeTask(options);
  if (!task.ok()) ledgfn::Fail(kProgram, task.status());
  absl::StatusOr<DockingOptions> docking_options = DockingOptionsFromFlags();
  if (!docking_options.ok()) ledgfn::Fail(kProgram, docking_options.status());
  absl::StatusOr<std::unique_ptr<DockingOracle>> oracle =
      DockingOracle::Create(**task, *docking_options);
  if (!oracle.ok()) ledgfn::Fail(kProgram, oracle.status());
  return WriteMoleculeLines(kProgram, "docked", [&](std::ostream& out)
                                                     -> absl::StatusOr<LineCounts> {
    auto counts = DockMoleculeFile(options.molecule_data_dir,
                                   absl::GetFlag(FLAGS_input), **oracle, out);
    if (!counts.ok()) return counts.status();
    return LineCounts{counts->docked, counts->failed};
  });
}

}  // namespace
}  // namespace ledgfn

int main(int argc, char** argv) {
  const std::string usage =
      "LED-GFN training.\n\n"
      "  ledgfn train [--flags]   embedded training in one process\n"
      "  ledgfn score --task=molecule --molecule_data_dir=DIR --input=FILE\n"
      "                           sEH proxy scores of molecules, one JSON line "
      "each\n"
      "  ledgfn dock --task=molecule --molecule_data_dir=DIR --input=FILE\n"
      "                           AutoDock Vina affinities of molecules "
      "(--receptor, --box, --docking_*), one JSON line each\n\n"
      "Example: ledgfn train --task=hypergrid --objective=subtb --rounds=3000\n"
      "Run 'ledgfn train --help' for every flag.";
  const bool known = argc >= 2 && (std::string(argv[1]) == "train" ||
                                   std::string(argv[1]) == "score" ||
                                   std::string(argv[1]) == "dock");
  if (!known) {
    const bool help = argc >= 2 && (std::string(argv[1]) == "--help" ||
                                    std::string(argv[1]) == "-h" ||
                                    std::string(argv[1]) == "help");
    std::fprintf(help ? stdout : stderr, "%s\n", usage.c_str());
    if (!help && argc >= 2) {
      std::fprintf(stderr, "ledgfn: unknown command '%s'\n", argv[1]);
    }
    return help ? 0 : 2;
  }
  // Parse the flags after the subcommand.
  std::vector<char*> args = {argv[0]};
  for (int i = 2; i < argc; ++i) args.push_back(argv[i]);
  const std::string command = argv[1];
  const std::string program = "ledgfn " + command;
  ledgfn::ParseCommandLine(program.c_str(), static_cast<int>(args.size()),
                           args.data(), usage);
  // One word, so that the records' fields stay space-separated.
  ledgfn::SetLogRole("ledgfn_" + command);
  if (command == "dock") return ledgfn::DockMain();
  return command == "train" ? ledgfn::TrainMain() : ledgfn::ScoreMain();
}
