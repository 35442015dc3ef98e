// Flags of the objective, the networks, optimisation and sampling, shared by
// `ledgfn train`, the learner and the actors (which must agree on the
// network shape and the objective's needs).
#include "launcher/training_flags.h"

#include <cmath>
#include <limits>
#include <optional>
#include <string>

#include "absl/flags/flag.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "chem/molecule_task_factory.h"
#include "model/compute_setup.h"
#include "launcher/task_flags.h"
#include "learner/objective.h"
#include "learner/protocol.h"

ABSL_FLAG(std::string, objective, "led-subtb",
          "Objective: tb, db, subtb, fl-db, fl-subtb, led-db or led-subtb.");
ABSL_FLAG(std::string, led_variant, "redistribute",
          "LED credits: redistribute (sum to E(x) exactly) or correction "
          "(LED*: raw potentials, terminal boundary sum(phi) - E(x)).");
ABSL_FLAG(std::optional<double>, lambda, std::nullopt,
          "SubTB lambda (> 0). Default: the task's (bag 0.99, hypergrid 0.9, "
          "set 0.9, mis 0.9).");
ABSL_FLAG(bool, uniform_pb, false, "Use a uniform backward policy.");
ABSL_FLAG(std::optional<std::string>, led_dropout, std::nullopt,
          "Dropout probability of the decomposition loss, in [0, 1), or "
          "'paper' for the paper's rule (0.1 when a trajectory has < 10 "
          "steps, else 0.2). Default 0: without dropout LED-SubTB beats "
          "SubTB on hypergrid and is at least as good on bag, where with "
          "it LED trails (docs/results.md); --protocol=paper: 0.2, as the "
          "paper's code on bag.");
ABSL_FLAG(int, potential_steps, 8, "N_phi: r_phi steps per round (LED).");
ABSL_FLAG(int64_t, window, 0,
          "W: r_phi minibatches come from the newest W trajectories. "
          "0 = 300 x batch size.");
// The paper protocol's knobs (learner/protocol.h); each also applies to the
// online protocol where it makes sense.
ABSL_FLAG(std::optional<int>, offline_batch_size, std::nullopt,
          "--protocol=paper: objects per offline batch (default 32).");
ABSL_FLAG(std::optional<int>, potential_window_batches, std::nullopt,
          "--protocol=paper: r_phi's batches are drawn from this many newest "
          "batches, online and offline (default 300).");
ABSL_FLAG(std::optional<bool>, potential_on_policy_batch, std::nullopt,
          "LED: one more r_phi step on each policy batch, as the paper's code "
          "adds the decomposition loss to the policy loss. Default: on with "
          "--protocol=paper, else off.");
ABSL_FLAG(std::optional<bool>, led_loss_length_squared, std::nullopt,
          "LED: weight each trajectory's decomposition loss by T'^2, the "
          "paper's code's (T' mean(phi) - log R)^2. Default: on with "
          "--protocol=paper, else off.");
ABSL_FLAG(std::optional<double>, log_z_init, std::nullopt,
          "Initial log Z. Default: 5 with --protocol=paper, else 0.");
ABSL_FLAG(std::optional<double>, log_z_min, std::nullopt,
          "Clamp log Z to at least this after each policy step. Default: 0 "
          "with --protocol=paper, else no clamp.");
ABSL_FLAG(std::optional<double>, grad_clip, std::nullopt,
          "Gradient-norm clip of every step; 0 = none. Default: 0 with "
          "--protocol=paper (the paper's clip acts on a spent generator, so "
          "it does nothing), else 10.");
ABSL_FLAG(std::optional<std::string>, policy_network, std::nullopt,
          "Vector tasks' policy networks: shared (one trunk, fused heads), "
          "separate (P_F, P_B and log-flow MLPs) or state_pair (the paper's "
          "code's: P_F and P_B score each (state, neighbour) pair of "
          "encodings; a separate log-flow MLP). Default: state_pair with "
          "--protocol=paper, else shared. Every process of a run must agree.");
ABSL_FLAG(bool, reference_optimizer_side_effect, false,
          "Replication knob, off by default: reproduce a side effect of the "
          "paper's code, where each r_phi step also applies a zero-gradient "
          "Adam step (momentum only) to the policy, log-flow and log Z "
          "(docs/results.md measures what it does).");
ABSL_FLAG(double, max_energy_disagreement, -1,
          "Drop a trajectory whose energy differs by more than this from "
          "what most earlier trajectories reaching the same terminal state "
          "reported (counted as dropped, reason inconsistent_energy): a wrong "
          "energy inside --max_abs_energy, on a state seen before. For "
          "oracles that give one state one energy, as every built-in one "
          "does: 0 asks for exact agreement. Negative: off (the default).");
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
ABSL_FLAG(std::optional<int>, policy_minibatch, std::nullopt,
          "Trajectories per policy step: each round's batch is shuffled and "
          "cut into minibatches of this many (the last smaller), one Adam "
          "step each. 0 = one step on the whole batch. Default: 3 with "
          "--protocol=combopt (GFlowNet-CombOpt's 64 transitions), else 0.");
ABSL_FLAG(int, policy_passes, 1,
          "Passes over each round's batch (each in minibatches of "
          "--policy_minibatch).");
ABSL_FLAG(double, reward_exponent, 1.0,
          "beta: train towards R(x)^beta = exp(-beta E(x)).");
ABSL_FLAG(std::optional<double>, reward_exponent_final, std::nullopt,
          "Anneal beta linearly from --reward_exponent to this value over "
          "--reward_exponent_anneal_steps policy steps (GFlowNet-CombOpt "
          "raises it from 1 to 500 on MIS). Default: 500 with "
          "--protocol=combopt, else no annealing.");
ABSL_FLAG(std::optional<int64_t>, reward_exponent_anneal_steps, std::nullopt,
          "Policy steps of the beta annealing (with --reward_exponent_final). "
          "Default: 15000 with --protocol=combopt (GFlowNet-CombOpt's first "
          "40,000 graphs: 5,000 rounds of 8 at 3 steps a round).");
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

// --protocol=combopt: beta goes from 1 to 500 over GFlowNet-CombOpt's first
// 40,000 graphs, i.e. 5,000 rounds of 8 graphs at 3 policy steps a round.
constexpr double kCombOptFinalRewardExponent = 500;
constexpr int64_t kCombOptAnnealSteps = 15'000;

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
  auto protocol = ParseProtocol(ProtocolFlag());
  if (!protocol.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--protocol: ", protocol.status().message()));
  }
  if (absl::Status s = CheckProtocolSupports(*protocol, task); !s.ok()) {
    return s;
  }
  const bool paper = *protocol == Protocol::kPaper;
  const bool combopt = *protocol == Protocol::kCombOpt;
  TaskDefaults d = task.defaults();
  if (paper) {
    // The paper's code's bag settings (exps/bag/settings.yaml): 32 online
    // trajectories a round (and 32 offline), no replay, epsilon 0.1,
    // lambda 0.99, rates 1e-4 (policy, log F), 1e-2 (log Z), 1e-3 (r_phi),
    // MLPs of 2 hidden layers of width 16.
    d.batch_size = 32;
    d.replay_batch_size = 0;
    d.epsilon = 0.1;
    d.subtb_lambda = 0.99;
    d.policy_lr = 1e-4;
    d.log_z_lr = 1e-2;
    d.potential_lr = 1e-3;
    d.hidden = 16;
    d.layers = 2;
  }
  if (combopt) {
    // GFlowNet-CombOpt's MIS settings (gflownet/configs/main.yaml): 8 graphs
    // a rollout, no replay, no exploration (randp 0), learning rates 1e-3
    // (lr, zlr), GIN 5x256, no gradient clipping; the minibatches, beta
    // annealing and 4,000 training graphs are set below and in task_flags.
    d.batch_size = 8;
    d.replay_batch_size = 0;
    d.epsilon = 0;
    d.policy_lr = 1e-3;
    d.log_z_lr = 1e-3;
    d.potential_lr = 1e-3;
    d.hidden = 256;
    d.layers = 5;
  }
  EmbeddedOptions o;
  TrainerOptions& t = o.trainer;
  t.protocol = *protocol;
  t.offline_batch_size = absl::GetFlag(FLAGS_offline_batch_size).value_or(32);
  t.potential_window_batches =
      absl::GetFlag(FLAGS_potential_window_batches).value_or(300);
  t.potential_on_policy_batch =
      absl::GetFlag(FLAGS_potential_on_policy_batch).value_or(paper);
  t.decomposition_length_squared =
      absl::GetFlag(FLAGS_led_loss_length_squared).value_or(paper);
  t.log_z_init = absl::GetFlag(FLAGS_log_z_init).value_or(paper ? 5.0 : 0.0);
  t.log_z_min = absl::GetFlag(FLAGS_log_z_min).value_or(
      paper ? 0.0 : -std::numeric_limits<double>::infinity());
  t.grad_clip =
      absl::GetFlag(FLAGS_grad_clip).value_or(paper || combopt ? 0.0 : 10.0);
  t.policy_minibatch =
      absl::GetFlag(FLAGS_policy_minibatch).value_or(combopt ? 3 : 0);
  t.policy_passes = absl::GetFlag(FLAGS_policy_passes);
  absl::StatusOr<double> bound = MaxAbsEnergyFromFlags(task);
  if (!bound.ok()) return bound.status();
  t.max_abs_energy = *bound;
  t.max_energy_disagreement = absl::GetFlag(FLAGS_max_energy_disagreement);
  if (std::isnan(t.max_energy_disagreement)) {
    return absl::InvalidArgumentError("--max_energy_disagreement is NaN");
  }
  auto architecture = ParsePolicyArchitecture(
      absl::GetFlag(FLAGS_policy_network).value_or(paper ? "state_pair" : "shared"));
  if (!architecture.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--policy_network: ", architecture.status().message()));
  }
  t.policy_architecture = *architecture;
  t.reference_optimizer_side_effect =
      absl::GetFlag(FLAGS_reference_optimizer_side_effect);
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
  // The paper's code drops 20% of a bag's 13 credits (the paper's rule's
  // 0.2 too); our default is none (docs/results.md, issue 17).
  const std::string dropout =
      absl::GetFlag(FLAGS_led_dropout).value_or(paper ? "0.2" : "0");
  if (dropout == "paper") {
    t.led_dropout = -1;  // TrainerOptions: the paper's rule
  } else if (!absl::SimpleAtod(dropout, &t.led_dropout) ||
             !(t.led_dropout >= 0 && t.led_dropout < 1)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--led_dropout must be in [0, 1) or 'paper', not '", dropout, "'"));
  }
  t.hidden = absl::GetFlag(FLAGS_hidden).value_or(d.hidden);
  t.layers = absl::GetFlag(FLAGS_layers).value_or(d.layers);
  t.reward_exponent = absl::GetFlag(FLAGS_reward_exponent);
  const std::optional<double> final_beta =
      absl::GetFlag(FLAGS_reward_exponent_final);
  const std::optional<int64_t> anneal_steps =
      absl::GetFlag(FLAGS_reward_exponent_anneal_steps);
  if (!combopt && final_beta.has_value() != (anneal_steps.value_or(0) > 0)) {
    return absl::InvalidArgumentError(
        "--reward_exponent_final and --reward_exponent_anneal_steps go "
        "together: give both to anneal beta, or neither");
  }
  t.reward_exponent_final =
      final_beta.value_or(combopt ? kCombOptFinalRewardExponent : t.reward_exponent);
  t.reward_exponent_anneal_steps =
      anneal_steps.value_or(combopt ? kCombOptAnnealSteps : 0);
  if (t.reward_exponent_final != t.reward_exponent &&
      t.reward_exponent_anneal_steps <= 0) {
    return absl::InvalidArgumentError(
        "--reward_exponent_anneal_steps must be > 0 to anneal beta");
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
