// The learner's training round (DESIGN §2.2), by protocol (protocol.h):
//   kOnline: LED objectives: N_phi potential steps, each on a minibatch from
//   the newest window (TrajectorySource::PotentialBatch), then one policy
//   step; other objectives: one policy step.
//   kPaper: the online batch (TrajectorySource::PolicyBatch), then an
//   offline batch (objects drawn uniformly from the distinct visited ones,
//   trajectories sampled backward with P_B: backward_sampler.h); each batch
//   joins the window of the newest `potential_window_batches` batches and
//   gets, for LED, N_phi potential steps (each on one whole batch drawn
//   uniformly from that window) and then a policy step.
// Options that reproduce the paper's code: log Z starts at `log_z_init` and
// is clamped to >= `log_z_min` after each policy step; no gradient clipping
// (grad_clip 0); the decomposition loss weighted by T'^2; an r_phi step on
// each policy batch (the reference adds the decomposition loss to the policy
// loss); and, as a replication knob only, the reference's optimizer side
// effect: every r_phi step also applies a zero-gradient Adam step to the
// policy and log Z (its zero_grad leaves zero gradients, so Adam moves them
// by momentum alone).
// The policy step recomputes log P_F / log P_B from the stored actions, uses
// the objective's credits (detached for LED) and clips the gradient norm.
// One absurd trajectory costs one trajectory, not the step (issue 21):
//   * a trajectory whose energies are not usable (not finite, or |E| above
//     `max_abs_energy`: common/energy_bound.h) is dropped from the batch;
//   * when a loss is not finite, the trajectories whose own loss terms are
//     not finite are dropped and the loss is computed again on the rest, so
//     it equals the loss of the batch without them;
//   * with `max_energy_disagreement` >= 0, a trajectory whose energy the
//     earlier reports of its terminal state outvote (energy_consensus.h) is
//     dropped: a wrong energy inside the bound, on a state seen before;
// each drop counted by reason (DroppedTrajectories) and the first ones
// logged with their keys. Only a step with nothing finite left is skipped and
// counted (it never reaches the optimizer).
//
// Models, optimizers and batches live on `options.device`; the same code runs
// on CPU and CUDA. On CUDA a step waits for the device once, to read the loss
// (which is logged, and decides whether the step is skipped); batches are
// assembled in pinned host memory and copied asynchronously, and the gradient
// clip stays on the device (learner/grad_clip.h).
//
// Save/Load carry everything that makes the next steps reproducible (both
// networks, log Z, both optimizers' state, step, skipped count, the RNG of
// the dropout masks), for learner checkpoints (learner/checkpoint.h).
#ifndef LEDGFN_LEARNER_TRAINER_H_
#define LEDGFN_LEARNER_TRAINER_H_

#include <torch/torch.h>

#include <deque>
#include <functional>
#include <limits>
#include <memory>
#include <random>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/energy_bound.h"
#include "model/policy_net.h"
#include "model/potential_net.h"
#include "tasks/task.h"
#include "learner/backward_sampler.h"
#include "learner/dropped_trajectories.h"
#include "learner/energy_consensus.h"
#include "learner/objective.h"
#include "learner/protocol.h"
#include "learner/trajectory_batch.h"
#include "learner/trajectory_source.h"

namespace ledgfn {

struct TrainerOptions {
  Objective objective = Objective::kLEDSubTB;
  LedVariant led_variant = LedVariant::kRedistribute;
  double subtb_lambda = 0.9;
  bool uniform_backward = false;
  double policy_lr = 1e-3;
  double log_z_lr = 1e-1;
  double potential_lr = 1e-3;
  int potential_steps = 8;
  // Dropout probability of the decomposition loss; < 0 means the paper's
  // rule (0.1 when T' < 10, else 0.2). None by default: without it LED
  // beats SubTB on hypergrid and is at least as good on bag
  // (docs/results.md, issue 17).
  double led_dropout = 0;
  double grad_clip = 10.0;  // gradient-norm clip; 0 = none
  int hidden = 256;
  int layers = 2;
  // Vector tasks' policy networks (policy_net.h).
  PolicyArchitecture policy_architecture = PolicyArchitecture::kSharedTrunk;
  Protocol protocol = Protocol::kOnline;
  // kPaper: objects per offline batch, and how many of the newest batches
  // (both kinds) r_phi's batches are drawn from.
  int offline_batch_size = 32;
  int potential_window_batches = 300;
  // The policy steps on a batch (PolicySteps): `policy_passes` passes over
  // it, each cutting it, shuffled, into minibatches of `policy_minibatch`
  // trajectories (the last one smaller) with one Adam step each. 0 = one
  // step on the whole batch, in order: the default, which draws nothing
  // from the RNG. GFlowNet-CombOpt trains one pass over each rollout's 8
  // trajectories in minibatches of 64 transitions, about 3 trajectories.
  int policy_minibatch = 0;
  int policy_passes = 1;
  // LED: one more r_phi step on each policy batch (after the policy step,
  // whose credits come from the same, not yet updated, r_phi).
  bool potential_on_policy_batch = false;
  // LED: weight each trajectory's decomposition loss by T'^2, as the paper's
  // code does ((T' mean(phi) - log R)^2 instead of (E/T' - mean(phi))^2).
  bool decomposition_length_squared = false;
  double log_z_init = 0;
  double log_z_min = -std::numeric_limits<double>::infinity();
  // Replication knob (off by default; see the header comment).
  bool reference_optimizer_side_effect = false;
  // Reward exponent beta: the objectives see the energies beta * E, i.e.
  // the target R(x)^beta. It goes linearly from `reward_exponent` to
  // `reward_exponent_final` over the first `reward_exponent_anneal_steps`
  // policy steps (no annealing when that is 0), as GFlowNet-CombOpt does on
  // MIS (from 1 to 500).
  double reward_exponent = 1.0;
  double reward_exponent_final = 1.0;
  int64_t reward_exponent_anneal_steps = 0;
  // The energy bound (common/energy_bound.h): the task's default or
  // --max_abs_energy.
  double max_abs_energy = kLargestEnergyBound;
  // >= 0: drop a trajectory whose energy differs by more than this from the
  // consensus of the earlier reports of its terminal state x
  // (energy_consensus.h); for oracles that are functions of x, as every
  // built-in one is.
  // < 0: off. NaN is refused.
  double max_energy_disagreement = -1;
  uint64_t seed = 0;
  torch::Device device = torch::kCPU;

  absl::Status Validate() const;
};



struct RoundStats {
  int64_t step = 0;  // policy steps done, this round included
  double policy_loss = 0;
  double potential_loss = 0;  // mean over the round's r_phi steps (LED only)
  double log_z = 0;           // reported estimate (see Trainer::ReportedLogZ)
  double reward_exponent = 1;  // beta after the round (RewardExponent)
  int64_t skipped_steps = 0;  // cumulative non-finite losses skipped
  // Cumulative; process-local (not in checkpoints).
  DroppedTrajectories dropped;
  // Where this round's time went: waiting on the source, r_phi steps, the
  // policy step (batch building included).
  double wait_seconds = 0;
  double potential_seconds = 0;
  double policy_seconds = 0;
};

class Trainer {
 public:
  static absl::StatusOr<std::unique_ptr<Trainer>> Create(
      const Task& task, const TrainerOptions& options);

  // One round. Errors from the source (e.g. CANCELLED) are returned as is;
  // an invalid trajectory yields INVALID_ARGUMENT.
  absl::StatusOr<RoundStats> Round(TrajectorySource& source);

  // The two kinds of step, for tests and benchmarks. Each returns the loss
  // value before the update (NaN if the step was skipped).
  absl::StatusOr<double> PotentialStep(const std::vector<TrajectoryRef>& batch);
  absl::StatusOr<double> PolicyStep(const std::vector<TrajectoryRef>& batch);
  // The policy steps on one batch (TrainerOptions::policy_minibatch and
  // policy_passes); the mean loss of the steps not skipped (NaN if all were).
  absl::StatusOr<double> PolicySteps(const std::vector<TrajectoryRef>& batch);
  // kPaper: records the objects of an online batch in the offline pool.
  absl::Status Visit(const std::vector<TrajectoryRef>& batch);
  // kPaper: an offline batch of `offline_batch_size` trajectories sampled
  // backward from visited objects (FAILED_PRECONDITION while none is).
  absl::StatusOr<std::vector<TrajectoryRef>> OfflineBatch();

  // The policy loss on a batch without updating anything (for tests), and
  // its per-trajectory terms (the loss is their mean).
  absl::StatusOr<torch::Tensor> ComputePolicyLoss(const TrajectoryBatch& batch);
  absl::StatusOr<torch::Tensor> ComputePolicyLossTerms(
      const TrajectoryBatch& batch);

  // log F(s_0) as an estimate of log Z: the learned scalar, minus E(s_0) for
  // FL objectives (whose credits rescale every reward by exp(E(s_0))).
  // Multi-instance tasks have one log Z per instance, so log F(s_0) is the
  // policy network's log-flow at s_0 (a conditional log Z) and the report is
  // its mean over the last policy batch (NaN before the first step).
  double ReportedLogZ() const;
  // beta at the current step (see TrainerOptions::reward_exponent).
  double RewardExponent() const;

  // The paper protocol's pool of offline objects (empty otherwise).
  const VisitedObjects& visited() const { return visited_; }

  // Writes the training state into `archive`.
  void Save(torch::serialize::OutputArchive& archive) const;
  // Reads what Save wrote into this trainer, which must have been created for
  // the same task and network shape. DATA_LOSS on a malformed or mismatching
  // archive; this trainer is then partly overwritten and must be discarded.
  absl::Status Load(torch::serialize::InputArchive& archive);

  PolicyNet& policy() { return policy_; }
  PotentialNet& potential() { return potential_; }
  const TrainerOptions& options() const { return options_; }
  int64_t step() const { return step_; }
  const DroppedTrajectories& dropped() const { return dropped_; }

 private:
  // A batch's loss and its per-trajectory terms ([B]).
  struct BatchLoss {
    torch::Tensor terms;
    torch::Tensor loss;
  };
  using BatchLossFn = std::function<absl::StatusOr<BatchLoss>(
      const std::vector<TrajectoryRef>&)>;
  // The loss of `compute` on `refs` without the trajectories that cannot
  // train (see the file comment), and its value: NaN when none is left.
  struct IsolatedLoss {
    torch::Tensor loss;
    double value;
  };
  absl::StatusOr<IsolatedLoss> LossWithoutBadTrajectories(
      const std::vector<TrajectoryRef>& refs, const BatchLossFn& compute);
  // `refs` without those whose energies are unusable (counted and logged).
  std::vector<TrajectoryRef> WithUsableEnergies(
      const std::vector<TrajectoryRef>& refs);
  void CountDrop(int64_t& counter, absl::string_view reason,
                 const Trajectory& t, absl::string_view detail);
  // Reports t's energy to consensus_ (non-null); false if it is outvoted,
  // with x's consensus energy in *consensus.
  bool EnergyAgrees(const Trajectory& t, double* consensus);

  Trainer(const Task& task, const TrainerOptions& options);
  absl::StatusOr<TrajectoryBatch> Prepare(const std::vector<TrajectoryRef>& refs,
                                          BatchInputs inputs);
  // Given the loss and its value: skips (and counts) a non-finite loss,
  // else back-propagates, clips the gradient norm and steps. Returns false
  // if skipped.
  bool ApplyStep(double value, torch::Tensor loss,
                 torch::optim::Optimizer& optimizer,
                 const std::vector<torch::Tensor>& params);
  absl::StatusOr<RoundStats> OnlineRound(TrajectorySource& source);
  absl::StatusOr<RoundStats> PaperRound(TrajectorySource& source);
  // kPaper's training on one batch: it joins the window; LED: N_phi r_phi
  // steps on window batches; then the policy step. Adds to `stats`.
  absl::Status TrainOnBatch(std::vector<TrajectoryRef> batch,
                            RoundStats& stats);
  // The reference code's side effect after an r_phi step (see above).
  void ReferenceSideEffect();

  const Task& task_;
  TrainerOptions options_;
  double initial_partial_energy_ = 0;  // E(s_0), for FL's log Z report
  // log F(s_0) comes from the network's log-flow (multi-instance tasks).
  bool conditional_log_z_ = false;
  double last_conditional_log_z_;  // mean log F(s_0) of the last batch
  PolicyNet policy_{nullptr};
  PotentialNet potential_{nullptr};
  std::unique_ptr<torch::optim::Adam> policy_optimizer_;
  std::unique_ptr<torch::optim::Adam> potential_optimizer_;
  std::mt19937_64 rng_;
  // kPaper state. Not in checkpoints: a resumed learner starts them empty.
  VisitedObjects visited_;
  std::deque<std::vector<TrajectoryRef>> batch_window_;
  int64_t step_ = 0;
  int64_t skipped_ = 0;
  DroppedTrajectories dropped_;
  // Set iff max_energy_disagreement >= 0. Not in checkpoints: a resumed
  // learner gathers reports afresh.
  std::unique_ptr<EnergyConsensus> consensus_;
};

}  // namespace ledgfn

#endif  // LEDGFN_LEARNER_TRAINER_H_
