// Flags of the objective, the networks, optimisation and sampling, shared by
// `ledgfn train`, the learner and the actors (which must agree on the
// network shape and the objective's needs).
#include "launcher/training_flags.h"

#include <optional>
#include <string>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "chem/molecule_task_factory.h"
#include "model/compute_setup.h"
#include "launcher/task_flags.h"
#include "learner/objective.h"

ABSL_FLAG(std::string, objective, "led-subtb",
          "Objective: tb, db, subtb, fl-db, fl-subtb, led-db or led-subtb.");
ABSL_FLAG(std::string, led_variant, "redistribute",
          "LED credits: redistribute (sum to E(x) exactly) or correction "
          "(LED*: raw potentials, terminal boundary sum(phi) - E(x)).");
ABSL_FLAG(std::optional<double>, lambda, std::nullopt,
          "SubTB lambda (> 0). Default: the task's (bag 0.99, hypergrid 0.9, "
          "set 0.9, mis 0.9).");
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
ABSL_FLAG(std::optional<int>, batch_size, std::nullopt,
          "Fresh trajectories per policy step. Default: the task's.");
ABSL_FLAG(std::optional<int>, replay_batch_size, std::nullopt,
          "Replayed trajectories added to each policy batch. Default: the "
          "task's (bag 32, others 0).");
ABSL_FLAG(std::string, replay_selector, "uniform",
          "How replayed trajectories are drawn: uniform, or prioritized "
          "(proportional to exp(-E)).");
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
          "Hidden layers of the policy and r_phi (mis: GIN layers). Default: "
          "the task's (mis: 5 layers of width 256).");
ABSL_FLAG(double, reward_exponent, 1.0,
          "beta: train towards R(x)^beta = exp(-beta E(x)).");
ABSL_FLAG(std::optional<double>, reward_exponent_final, std::nullopt,
          "Anneal beta linearly from --reward_exponent to this value over "
          "--reward_exponent_anneal_steps policy steps (GFlowNet-CombOpt "
          "raises it from 1 to 500 on MIS). Default: no annealing.");
ABSL_FLAG(int64_t, reward_exponent_anneal_steps, 0,
          "Policy steps of the beta annealing (with --reward_exponent_final).");
ABSL_FLAG(int, test_samples, 20,
          "Multi-instance tasks (mis): samples per held-out test instance at "
          "each evaluation (mean and best -E, against the greedy baseline).");
ABSL_FLAG(uint64_t, seed, 0, "Random seed.");
ABSL_FLAG(int, threads, 1,
          "Compute threads (LibTorch and OpenBLAS) of this process. The default "
          "networks are small enough that more threads cost more in "
          "synchronisation than they gain; raise it for wide networks "
          "(--hidden >= 512).");
ABSL_FLAG(std::string, device, "cpu", "Learner device: cpu, cuda or auto.");

namespace ledgfn {
namespace {

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

}  // namespace

absl::StatusOr<EmbeddedOptions> TrainingOptionsFromFlags(const Task& task) {
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
  t.reward_exponent = absl::GetFlag(FLAGS_reward_exponent);
  t.reward_exponent_final =
      absl::GetFlag(FLAGS_reward_exponent_final).value_or(t.reward_exponent);
  t.reward_exponent_anneal_steps =
      absl::GetFlag(FLAGS_reward_exponent_anneal_steps);
  if (absl::GetFlag(FLAGS_reward_exponent_final).has_value() !=
      (t.reward_exponent_anneal_steps > 0)) {
    return absl::InvalidArgumentError(
        "--reward_exponent_final and --reward_exponent_anneal_steps go "
        "together: give both to anneal beta, or neither");
  }
  t.seed = absl::GetFlag(FLAGS_seed);
  t.device = *device;
  o.batch_size = absl::GetFlag(FLAGS_batch_size).value_or(d.batch_size);
  o.replay_batch_size =
      absl::GetFlag(FLAGS_replay_batch_size).value_or(d.replay_batch_size);
  absl::StatusOr<Selector> selector =
      ParseSelector(absl::GetFlag(FLAGS_replay_selector));
  if (!selector.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--replay_selector: ", selector.status().message()));
  }
  o.replay_selector = *selector;
  o.window = absl::GetFlag(FLAGS_window);
  o.epsilon = absl::GetFlag(FLAGS_epsilon).value_or(d.epsilon);
  o.temperature = absl::GetFlag(FLAGS_temperature);
  o.test_samples = absl::GetFlag(FLAGS_test_samples);
  return o;
}

absl::Status ApplyThreadsFlag() {
  const int threads = absl::GetFlag(FLAGS_threads);
  if (threads < 1) return absl::InvalidArgumentError("--threads must be >= 1");
  ConfigureCompute(threads);
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<Task>> TaskWithChemistryFromFlags() {
  return MakeTaskWithChemistry(TaskOptionsFromFlags());
}

}  // namespace ledgfn
