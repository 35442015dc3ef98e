// `ledgfn train`: embedded LED-GFN training in one process (DESIGN §1).
// Flags live here only; the libraries take option structs.
#include <sys/stat.h>
#include <torch/torch.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/task.h"
#include "launcher/embedded_trainer.h"
#include "launcher/progress_bar.h"
#include "learner/objective.h"

// Task.
ABSL_FLAG(std::string, task, "bag", "Task: bag, hypergrid or set.");
ABSL_FLAG(int, hypergrid_dim, 4, "hypergrid: number of dimensions D.");
ABSL_FLAG(int, hypergrid_side, 8, "hypergrid: side length H.");
ABSL_FLAG(double, hypergrid_r0, 0.1, "hypergrid: base reward R0.");
ABSL_FLAG(double, hypergrid_r1, 0.5, "hypergrid: reward R1 (outer ring).");
ABSL_FLAG(double, hypergrid_r2, 2.0, "hypergrid: reward R2 (mode cells).");
ABSL_FLAG(std::string, set_size, "small", "set: small, medium or large.");
ABSL_FLAG(std::string, bag_modes_file, "",
          "bag: file with one 13-letter bag (letters a-g) per line to use as "
          "the modes instead of the seeded hash.");
// Objective.
ABSL_FLAG(std::string, objective, "led-subtb",
          "Objective: tb, db, subtb, fl-db, fl-subtb, led-db or led-subtb.");
ABSL_FLAG(std::string, led_variant, "redistribute",
          "LED credits: redistribute (sum to E(x) exactly) or correction "
          "(LED*: raw potentials, terminal boundary sum(phi) - E(x)).");
ABSL_FLAG(std::optional<double>, lambda, std::nullopt,
          "SubTB lambda (> 0). Default: the task's (bag 0.99, hypergrid 0.9, "
          "set 0.9).");
ABSL_FLAG(bool, uniform_pb, false, "Use a uniform backward policy.");
ABSL_FLAG(std::optional<double>, led_dropout, std::nullopt,
          "Dropout probability of the decomposition loss, in [0, 1). "
          "Default: 0.1 when a trajectory has < 10 steps, else 0.2. 0 = the "
          "un-regularised ablation.");
ABSL_FLAG(int, potential_steps, 8, "N_phi: r_phi steps per round (LED).");
ABSL_FLAG(int64_t, window, 0,
          "W: r_phi minibatches come from the newest W trajectories. "
          "0 = 300 x batch size.");
// Optimisation.
ABSL_FLAG(int64_t, rounds, 2000, "Training rounds (one policy step each).");
ABSL_FLAG(std::optional<int>, batch_size, std::nullopt,
          "Fresh trajectories per policy step. Default: the task's.");
ABSL_FLAG(std::optional<int>, replay_batch_size, std::nullopt,
          "Replayed trajectories added to each policy batch. Default: the "
          "task's (bag 32, others 0).");
ABSL_FLAG(std::string, replay_selector, "uniform",
          "How replayed trajectories are drawn: uniform, or prioritized "
          "(proportional to exp(-E)).");
ABSL_FLAG(int64_t, replay_capacity, 100000, "Replay table capacity.");
ABSL_FLAG(std::optional<double>, policy_lr, std::nullopt,
          "Policy learning rate. Default: the task's.");
ABSL_FLAG(std::optional<double>, log_z_lr, std::nullopt,
          "log Z learning rate. Default: the task's.");
ABSL_FLAG(std::optional<double>, potential_lr, std::nullopt,
          "r_phi learning rate. Default: the task's (1e-3).");
ABSL_FLAG(std::optional<double>, epsilon, std::nullopt,
          "Probability of a uniform exploratory action. Default: the task's.");
ABSL_FLAG(double, temperature, 1.0, "Sampling temperature of P_F.");
ABSL_FLAG(std::optional<int>, hidden, std::nullopt,
          "Hidden width of the policy and r_phi. Default: the task's.");
ABSL_FLAG(std::optional<int>, layers, std::nullopt,
          "Hidden layers of the policy and r_phi. Default: the task's.");
ABSL_FLAG(uint64_t, seed, 0, "Random seed.");
// Execution.
ABSL_FLAG(int, actors, 0,
          "Actor threads. 0 samples on the learner thread between steps "
          "(deterministic for a seed); N > 0 samples concurrently with the "
          "newest published policy.");
ABSL_FLAG(int, threads, 1,
          "Torch intra-op threads for the learner. The default networks are "
          "small enough that more threads cost more in synchronisation than "
          "they gain; raise it for wide networks (--hidden >= 512).");
ABSL_FLAG(std::string, device, "cpu", "Learner device: cpu, cuda or auto.");
ABSL_FLAG(int64_t, eval_every, 100, "Evaluate every this many rounds.");
ABSL_FLAG(std::string, output_dir, "runs/latest",
          "Where metrics.csv, summary.txt and metrics.png are written.");
ABSL_FLAG(std::string, plot_script, LEDGFN_PLOT_SCRIPT,
          "Script that turns metrics.csv into metrics.png (needs gnuplot); "
          "empty disables plotting.");

namespace ledgfn {
namespace {

[[noreturn]] void Fail(const absl::Status& status) {
  std::fprintf(stderr, "ledgfn train: %s\n",
               std::string(status.message()).c_str());
  std::exit(2);
}

absl::StatusOr<torch::Device> ParseDevice(const std::string& name) {
  if (name == "cpu") return torch::Device(torch::kCPU);
  if (name == "cuda" || name == "auto") {
    if (torch::cuda::is_available()) return torch::Device(torch::kCUDA);
    if (name == "auto") return torch::Device(torch::kCPU);
    return absl::FailedPreconditionError(
        "--device=cuda but this LibTorch has no usable CUDA device");
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unknown device '", name, "' (expected cpu, cuda or auto)"));
}

absl::Status MakeDirs(const std::string& path) {
  std::string partial;
  for (size_t i = 0; i <= path.size(); ++i) {
    if (i == path.size() || (path[i] == '/' && i > 0)) {
      partial = path.substr(0, i);
      if (mkdir(partial.c_str(), 0755) != 0 && errno != EEXIST) {
        return absl::PermissionDeniedError(absl::StrCat(
            "cannot create output directory ", partial, ": ",
            std::strerror(errno)));
      }
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<EmbeddedOptions> OptionsFromFlags(const Task& task) {
  const TaskDefaults d = task.defaults();
  EmbeddedOptions o;
  TrainerOptions& t = o.trainer;
  auto objective = ParseObjective(absl::GetFlag(FLAGS_objective));
  if (!objective.ok()) return objective.status();
  auto variant = ParseLedVariant(absl::GetFlag(FLAGS_led_variant));
  if (!variant.ok()) return variant.status();
  auto device = ParseDevice(absl::GetFlag(FLAGS_device));
  if (!device.ok()) return device.status();
  t.objective = *objective;
  t.led_variant = *variant;
  t.subtb_lambda = absl::GetFlag(FLAGS_lambda).value_or(d.subtb_lambda);
  t.uniform_backward = absl::GetFlag(FLAGS_uniform_pb);
  t.policy_lr = absl::GetFlag(FLAGS_policy_lr).value_or(d.policy_lr);
  t.log_z_lr = absl::GetFlag(FLAGS_log_z_lr).value_or(d.log_z_lr);
  t.potential_lr = absl::GetFlag(FLAGS_potential_lr).value_or(d.potential_lr);
  t.potential_steps = absl::GetFlag(FLAGS_potential_steps);
  t.led_dropout = absl::GetFlag(FLAGS_led_dropout).value_or(-1.0);
  if (absl::GetFlag(FLAGS_led_dropout).has_value() && t.led_dropout < 0) {
    return absl::InvalidArgumentError("--led_dropout must be in [0, 1)");
  }
  t.hidden = absl::GetFlag(FLAGS_hidden).value_or(d.hidden);
  t.layers = absl::GetFlag(FLAGS_layers).value_or(d.layers);
  t.seed = absl::GetFlag(FLAGS_seed);
  t.device = *device;
  o.batch_size = absl::GetFlag(FLAGS_batch_size).value_or(d.batch_size);
  o.replay_batch_size =
      absl::GetFlag(FLAGS_replay_batch_size).value_or(d.replay_batch_size);
  o.replay_selector = absl::GetFlag(FLAGS_replay_selector);
  o.window = absl::GetFlag(FLAGS_window);
  o.capacity = absl::GetFlag(FLAGS_replay_capacity);
  o.actors = absl::GetFlag(FLAGS_actors);
  o.rounds = absl::GetFlag(FLAGS_rounds);
  o.eval_every = absl::GetFlag(FLAGS_eval_every);
  o.epsilon = absl::GetFlag(FLAGS_epsilon).value_or(d.epsilon);
  o.temperature = absl::GetFlag(FLAGS_temperature);
  if (absl::Status s = o.Validate(); !s.ok()) return s;
  return o;
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
      "  %-28s %.0f\n  %-28s %.1f\n"
      "  %-28s %.4f (exact %.4f, |error| %s)\n"
      "  %-28s %s -> %s\n  %-28s %d\n  %-28s %d\n  %-28s %.4g\n",
      task.name(), ObjectiveName(o.trainer.objective), o.trainer.seed,
      "metric", "value", "rounds", last.round, "trajectories sampled",
      last.trajectories, "wall time", last.seconds, "trajectories / s",
      last.trajectories_per_second, "rounds / s", last.rounds_per_second,
      "log Z (learned)", last.log_z, last.exact_log_z, opt(last.log_z_error),
      "exact L1 (start -> end)", opt(first.l1), opt(last.l1),
      "modes found", last.modes, "distinct objects", last.distinct,
      "top-100 mean reward", last.top100);
  std::printf("%s", text.c_str());
  std::ofstream(path) << text;
}

int TrainMain(int argc, char** argv) {
  TaskOptions task_options;
  task_options.name = absl::GetFlag(FLAGS_task);
  task_options.hypergrid_dim = absl::GetFlag(FLAGS_hypergrid_dim);
  task_options.hypergrid_side = absl::GetFlag(FLAGS_hypergrid_side);
  task_options.hypergrid_r0 = absl::GetFlag(FLAGS_hypergrid_r0);
  task_options.hypergrid_r1 = absl::GetFlag(FLAGS_hypergrid_r1);
  task_options.hypergrid_r2 = absl::GetFlag(FLAGS_hypergrid_r2);
  task_options.set_size = absl::GetFlag(FLAGS_set_size);
  task_options.bag_modes_file = absl::GetFlag(FLAGS_bag_modes_file);
  auto task = MakeTask(task_options);
  if (!task.ok()) Fail(task.status());
  auto options = OptionsFromFlags(**task);
  if (!options.ok()) Fail(options.status());

  const int threads = absl::GetFlag(FLAGS_threads);
  if (threads < 1) Fail(absl::InvalidArgumentError("--threads must be >= 1"));
  torch::set_num_threads(threads);

  const std::string dir = absl::GetFlag(FLAGS_output_dir);
  if (absl::Status s = MakeDirs(dir); !s.ok()) Fail(s);
  const std::string csv_path = dir + "/metrics.csv";
  std::ofstream csv(csv_path);
  if (!csv) {
    Fail(absl::PermissionDeniedError(
        absl::StrCat("cannot write ", csv_path, ": ", std::strerror(errno))));
  }
  csv << EvalCsvHeader() << "\n";

  std::fprintf(stderr,
               "ledgfn train: task %s, objective %s, batch %d+%d, %d actor "
               "thread(s), %d rounds -> %s\n",
               (*task)->name().c_str(),
               ObjectiveName(options->trainer.objective).c_str(),
               options->batch_size, options->replay_batch_size,
               options->actors, static_cast<int>(options->rounds),
               dir.c_str());
  ProgressBar bar(options->rounds);
  EmbeddedCallbacks callbacks;
  callbacks.on_round = [&](const EvalRow& r) { bar.OnRound(r); };
  callbacks.on_eval = [&](const EvalRow& r) {
    bar.OnEval(r);
    csv << EvalRowToCsv(r) << "\n";
    csv.flush();
  };
  auto rows = RunEmbedded(**task, *options, callbacks);
  bar.Finish();
  if (!rows.ok()) Fail(rows.status());
  PrintSummary(**task, *options, *rows, dir + "/summary.txt");
  std::printf("  metrics: %s\n", csv_path.c_str());

  const std::string script = absl::GetFlag(FLAGS_plot_script);
  if (!script.empty()) {
    const std::string png = dir + "/metrics.png";
    const std::string cmd = absl::StrCat("'", script, "' '", csv_path, "' '",
                                         png, "' >/dev/null 2>&1");
    if (std::system(cmd.c_str()) == 0) {
      std::printf("  plot:    %s\n", png.c_str());
    } else {
      std::printf("  plot:    not made (%s needs gnuplot)\n", script.c_str());
    }
  }
  return 0;
}

}  // namespace
}  // namespace ledgfn

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "LED-GFN training.\n\n"
      "  ledgfn train [--flags]   embedded training in one process\n\n"
      "Example: ledgfn train --task=hypergrid --objective=subtb --rounds=3000\n"
      "Run 'ledgfn train --help' for every flag.");
  if (argc < 2 || std::string(argv[1]) != "train") {
    const bool help = argc >= 2 && (std::string(argv[1]) == "--help" ||
                                    std::string(argv[1]) == "-h" ||
                                    std::string(argv[1]) == "help");
    std::fprintf(help ? stdout : stderr, "%s\n",
                 absl::ProgramUsageMessage().data());
    if (!help && argc >= 2) {
      std::fprintf(stderr, "ledgfn: unknown command '%s'\n", argv[1]);
    }
    return help ? 0 : 2;
  }
  // Parse the flags after the subcommand.
  std::vector<char*> args = {argv[0]};
  for (int i = 2; i < argc; ++i) args.push_back(argv[i]);
  std::vector<char*> positional =
      absl::ParseCommandLine(static_cast<int>(args.size()), args.data());
  if (positional.size() > 1) {
    std::fprintf(stderr, "ledgfn train: unexpected argument '%s'\n",
                 positional[1]);
    return 2;
  }
  return ledgfn::TrainMain(static_cast<int>(positional.size()),
                           positional.data());
}
