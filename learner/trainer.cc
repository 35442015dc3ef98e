#include "learner/trainer.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "common/log.h"
#include "learner/balance_loss.h"
#include "learner/credit_assignment.h"
#include "learner/decomposition_loss.h"
#include "learner/grad_clip.h"
#include "learner/policy_loss.h"
#include "learner/torch_status.h"
#include "learner/trajectory_states.h"
#include "tasks/instance_family.h"

namespace ledgfn {

absl::Status TrainerOptions::Validate() const {
  if (!(subtb_lambda > 0) || !std::isfinite(subtb_lambda)) {
    return absl::InvalidArgumentError(
        absl::StrFormat("lambda must be > 0, got %g", subtb_lambda));
  }
  for (auto [name, lr] : {std::pair<const char*, double>{"policy_lr", policy_lr},
                          {"log_z_lr", log_z_lr},
                          {"potential_lr", potential_lr}}) {
    if (!(lr > 0) || !std::isfinite(lr)) {
      return absl::InvalidArgumentError(
          absl::StrFormat("%s must be > 0, got %g", name, lr));
    }
  }
  if (potential_steps < 0) {
    return absl::InvalidArgumentError("potential steps must be >= 0");
  }
  if (led_dropout >= 1) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "LED dropout must be < 1 (negative = paper's rule), got %g",
        led_dropout));
  }
  if (hidden < 1 || layers < 1) {
    return absl::InvalidArgumentError("hidden width and layers must be >= 1");
  }
  if (!(grad_clip >= 0)) {
    return absl::InvalidArgumentError(
        "gradient clip must be >= 0 (0 = no clipping)");
  }
  if (policy_minibatch < 0 || policy_passes < 1) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "policy minibatch must be >= 0 (0 = the whole batch) and passes >= 1, "
        "got %d and %d",
        policy_minibatch, policy_passes));
  }
  if (offline_batch_size < 1 || potential_window_batches < 1) {
    return absl::InvalidArgumentError(
        "offline batch size and potential window (batches) must be >= 1");
  }
  if (!std::isfinite(log_z_init) || std::isnan(log_z_min) ||
      log_z_min > log_z_init) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "log Z must start finite and at or above its minimum, got init %g, "
        "min %g",
        log_z_init, log_z_min));
  }
  for (double beta : {reward_exponent, reward_exponent_final}) {
    if (!(beta > 0) || !std::isfinite(beta)) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "reward exponent must be finite and > 0, got %g", beta));
    }
  }
  if (reward_exponent_anneal_steps < 0) {
    return absl::InvalidArgumentError(
        "reward exponent annealing steps must be >= 0");
  }
  if (std::isnan(max_energy_disagreement)) {
    return absl::InvalidArgumentError("the energy disagreement bound is NaN");
  }
  return ValidateEnergyBound(max_abs_energy, "the energy bound");
}

absl::StatusOr<std::unique_ptr<Trainer>> Trainer::Create(
    const Task& task, const TrainerOptions& options) {
  if (absl::Status s = options.Validate(); !s.ok()) return s;
  if (absl::Status s = CheckProtocolSupports(options.protocol, task); !s.ok()) {
    return s;
  }
  return std::unique_ptr<Trainer>(new Trainer(task, options));
}

Trainer::Trainer(const Task& task, const TrainerOptions& options)
    : task_(task),
      options_(options),
      conditional_log_z_(task.instances() != nullptr),
      last_conditional_log_z_(std::numeric_limits<double>::quiet_NaN()),
      rng_(options.seed) {
  if (options.max_energy_disagreement >= 0) {
    consensus_ = std::make_unique<EnergyConsensus>(options.max_energy_disagreement);
  }
  torch::manual_seed(options.seed);
  policy_ = PolicyNet(PolicyNetOptionsFor(task, options.hidden, options.layers,
                                          options.policy_architecture));
  if (options.log_z_init != 0) {
    torch::NoGradGuard no_grad;
    policy_->log_z().fill_(options.log_z_init);
  }
  potential_ = PotentialNet(
      PotentialNetOptionsFor(task, options.hidden, options.layers));
  policy_->to(options.device);
  potential_->to(options.device);

  std::vector<torch::optim::OptimizerParamGroup> groups;
  groups.emplace_back(policy_->network_parameters(),
                      std::make_unique<torch::optim::AdamOptions>(options.policy_lr));
  groups.emplace_back(std::vector<torch::Tensor>{policy_->log_z()},
                      std::make_unique<torch::optim::AdamOptions>(options.log_z_lr));
  policy_optimizer_ = std::make_unique<torch::optim::Adam>(
      std::move(groups), torch::optim::AdamOptions(options.policy_lr));
  potential_optimizer_ = std::make_unique<torch::optim::Adam>(
      potential_->parameters(), torch::optim::AdamOptions(options.potential_lr));
  if (UsesPartialEnergies(options.objective)) {
    initial_partial_energy_ = task.PartialEnergy(task.InitialState());
  }
}

double Trainer::ReportedLogZ() const {
  const double log_f0 = conditional_log_z_ ? last_conditional_log_z_
                                           : policy_->log_z().item<double>();
  return log_f0 - RewardExponent() * initial_partial_energy_;
}

double Trainer::RewardExponent() const {
  const int64_t steps = options_.reward_exponent_anneal_steps;
  if (steps == 0) return options_.reward_exponent;
  const double progress = std::min<double>(1.0, static_cast<double>(step_) / steps);
  return options_.reward_exponent +
         progress * (options_.reward_exponent_final - options_.reward_exponent);
}

absl::StatusOr<TrajectoryBatch> Trainer::Prepare(
    const std::vector<TrajectoryRef>& refs, BatchInputs inputs) {
  std::vector<const Trajectory*> ptrs;
  ptrs.reserve(refs.size());
  for (const auto& r : refs) ptrs.push_back(r.get());
  // Bound for a GPU, the batch is assembled in pinned memory and copied
  // asynchronously: the host goes on to the next kernels meanwhile.
  inputs.neighbours = policy_->options().needs_neighbours();
  auto batch = BuildTrajectoryBatch(task_, ptrs,
                                    UsesPartialEnergies(options_.objective),
                                    /*pinned=*/options_.device.is_cuda(),
                                    inputs);
  if (!batch.ok()) return batch.status();
  const double beta = RewardExponent();
  if (beta != 1.0) {
    batch->energy.mul_(beta);
    if (batch->partial_energy.defined()) batch->partial_energy.mul_(beta);
  }
  return batch->To(options_.device);
}

void Trainer::CountDrop(int64_t& counter, absl::string_view reason,
                        const Trajectory& t, absl::string_view detail) {
  ++counter;
  // The first drops with their keys; then every 1000th, not a flood.
  const int64_t n = dropped_.total();
  if (IsLoggedOccurrence(n)) {
    LogWarning("dropped trajectory %d/%d/%d from a batch (%s: %s); %d dropped "
               "so far",
               t.actor_id, t.incarnation, t.sequence, reason, detail, n);
  }
}

std::vector<TrajectoryRef> Trainer::WithUsableEnergies(
    const std::vector<TrajectoryRef>& refs) {
  std::vector<TrajectoryRef> usable;
  usable.reserve(refs.size());
  for (const TrajectoryRef& t : refs) {
    std::string reason;
    const EnergyProblem problem = CheckTrajectoryEnergies(
        t->energy, t->partial_energies, options_.max_abs_energy, &reason);
    if (problem == EnergyProblem::kOk) {
      double consensus = 0;
      if (consensus_ != nullptr && !EnergyAgrees(*t, &consensus)) {
        CountDrop(dropped_.inconsistent_energy, "inconsistent_energy", *t,
                  absl::StrFormat("energy %.17g, where earlier reports of its "
                                  "terminal state say %.17g",
                                  t->energy, consensus));
        continue;
      }
      usable.push_back(t);
      continue;
    }
    CountDrop(problem == EnergyProblem::kNonfinite ? dropped_.nonfinite_energy
                                                   : dropped_.energy_out_of_range,
              EnergyProblemName(problem), *t, reason);
  }
  return usable;
}

bool Trainer::EnergyAgrees(const Trajectory& t, double* consensus) {
  // What cannot be replayed is the batch builder's to report.
  absl::StatusOr<std::shared_ptr<const Task>> instance = InstanceOf(task_, t.instance);
  if (!instance.ok()) return true;
  auto states = TrajectoryStates(**instance, t);
  if (!states.ok()) return true;
  // Keyed by the state x itself, not Task::ObjectKey: E is a function of x,
  // and two states can be one object (the sEH proxy scores one molecule
  // built from different fragment trees differently).
  const State& x = (*states)->back();
  return consensus_->Report(
      absl::StrCat(t.instance.ToString(), "/", absl::StrJoin(x, ",")), t.energy,
      consensus);
}

absl::StatusOr<Trainer::IsolatedLoss> Trainer::LossWithoutBadTrajectories(
    const std::vector<TrajectoryRef>& refs, const BatchLossFn& compute) {
  constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
  const std::vector<TrajectoryRef> usable = WithUsableEnergies(refs);
  if (usable.empty()) return IsolatedLoss{torch::Tensor(), kNaN};
  // The second computation draws what the first drew (r_phi's dropout
  // masks), as a batch without the dropped ones would have.
  const std::mt19937_64 rng_before = rng_;
  auto first = compute(usable);
  if (!first.ok()) return first.status();
  // The one host synchronisation of a step: the value is logged anyway.
  const double value = first->loss.item<double>();
  if (std::isfinite(value)) return IsolatedLoss{first->loss, value};
  // Rare: find the trajectories to blame. Masking their terms would not do:
  // back-propagating 0 * inf through them is NaN. So the loss is computed
  // again without them.
  torch::Tensor finite =
      torch::isfinite(first->terms.detach()).to(torch::kCPU).contiguous();
  const bool* ok = finite.data_ptr<bool>();
  std::vector<TrajectoryRef> kept;
  for (size_t b = 0; b < usable.size(); ++b) {
    if (ok[b]) {
      kept.push_back(usable[b]);
    } else {
      CountDrop(dropped_.nonfinite_loss, "nonfinite_loss", *usable[b],
                "its loss terms are not finite");
    }
  }
  // Nothing left, or nothing to blame (a mean that overflowed): skip.
  if (kept.empty() || kept.size() == usable.size()) {
    return IsolatedLoss{first->loss, value};
  }
  rng_ = rng_before;
  auto second = compute(kept);
  if (!second.ok()) return second.status();
  return IsolatedLoss{second->loss, second->loss.item<double>()};
}

bool Trainer::ApplyStep(double value, torch::Tensor loss,
                        torch::optim::Optimizer& optimizer,
                        const std::vector<torch::Tensor>& params) {
  // DESIGN §2: no NaN may reach an optimizer: the step is counted and
  // skipped. Bad data (an absurd energy) gets here, so this is no assert.
  if (!std::isfinite(value)) {
    ++skipped_;
    return false;
  }
  optimizer.zero_grad();
  loss.backward();
  if (options_.grad_clip > 0) ClipGradNorm(params, options_.grad_clip);
  optimizer.step();
  return true;
}

void Trainer::ReferenceSideEffect() {
  // LibTorch 1.13's zero_grad, like torch 1.13's default, zeroes the
  // gradients it has rather than dropping them, so Adam steps every
  // parameter that has had a gradient with a zero one: by momentum alone.
  policy_optimizer_->zero_grad();
  policy_optimizer_->step();
}

absl::StatusOr<torch::Tensor> Trainer::ComputePolicyLoss(
    const TrajectoryBatch& batch) {
  auto terms = ComputePolicyLossTerms(batch);
  if (!terms.ok()) return terms.status();
  return terms->mean();
}

absl::StatusOr<torch::Tensor> Trainer::ComputePolicyLossTerms(
    const TrajectoryBatch& batch) {
  PolicyOutputs out = policy_->forward(batch.states);
  CreditAssignment credits;
  if (UsesLearnedCredits(options_.objective)) {
    torch::NoGradGuard no_grad;
    torch::Tensor phi = potential_->forward(batch.transitions);
    credits = LearnedCredits(phi, batch, options_.led_variant);
  } else if (UsesPartialEnergies(options_.objective)) {
    credits = PartialEnergyCredits(batch);
  } else {
    credits = PlainCredits(batch);
  }
  torch::Tensor weights =
      SpanWeights(batch.lengths, batch.max_length,
                  SpanWeightingOf(options_.objective), options_.subtb_lambda);
  // A conditional log Z is the log-flow head at s_0, one per trajectory.
  torch::Tensor log_z = conditional_log_z_
                            ? out.log_flow.select(1, 0).unsqueeze(1)
                            : policy_->log_z();
  if (conditional_log_z_) {
    last_conditional_log_z_ = log_z.detach().mean().item<double>();
  }
  return PolicyLossTerms(PolicyLossInputs{&out, log_z, &batch, &credits,
                                          weights, options_.uniform_backward});
}

absl::StatusOr<double> Trainer::PolicyStep(
    const std::vector<TrajectoryRef>& refs) {
  auto loss = LossWithoutBadTrajectories(
      refs,
      [this](const std::vector<TrajectoryRef>& kept) -> absl::StatusOr<BatchLoss> {
        // r_phi's input only when LED credits need it.
        auto batch = Prepare(
            kept, BatchInputs{/*states=*/true, /*transitions=*/UsesLearnedCredits(
                                                   options_.objective)});
        if (!batch.ok()) return batch.status();
        auto terms = ComputePolicyLossTerms(*batch);
        if (!terms.ok()) return terms.status();
        return BatchLoss{*terms, terms->mean()};
      });
  if (!loss.ok()) return loss.status();
  const double value = loss->value;
  ApplyStep(value, loss->loss, *policy_optimizer_, policy_->parameters());
  if (options_.log_z_min > -std::numeric_limits<double>::infinity()) {
    torch::NoGradGuard no_grad;
    policy_->log_z().clamp_min_(options_.log_z_min);
  }
  ++step_;
  return value;
}

absl::StatusOr<double> Trainer::PotentialStep(
    const std::vector<TrajectoryRef>& refs) {
  auto loss = LossWithoutBadTrajectories(
      refs,
      [this](const std::vector<TrajectoryRef>& kept) -> absl::StatusOr<BatchLoss> {
        auto batch =
            Prepare(kept, BatchInputs{/*states=*/false, /*transitions=*/true});
        if (!batch.ok()) return batch.status();
        torch::Tensor phi = potential_->forward(batch->transitions);
        torch::Tensor keep = DrawKeepMask(*batch, options_.led_dropout, rng_);
        torch::Tensor terms = DecompositionLossTerms(
            phi, keep, *batch, options_.decomposition_length_squared);
        return BatchLoss{terms, DecompositionLossOfTerms(terms, *batch)};
      });
  if (!loss.ok()) return loss.status();
  ApplyStep(loss->value, loss->loss, *potential_optimizer_,
            potential_->parameters());
  return loss->value;
}

void Trainer::Save(torch::serialize::OutputArchive& archive) const {
  auto nested = [&archive](const char* key, const auto& saveable) {
    torch::serialize::OutputArchive child(archive.compilation_unit());
    saveable.save(child);
    archive.write(key, child);
  };
  nested("policy", *policy_);
  nested("potential", *potential_);
  nested("policy_optimizer", *policy_optimizer_);
  nested("potential_optimizer", *potential_optimizer_);
  archive.write("step", c10::IValue(step_));
  archive.write("skipped", c10::IValue(skipped_));
  std::ostringstream rng;
  rng << rng_;
  archive.write("rng", c10::IValue(rng.str()));
}

absl::Status Trainer::Load(torch::serialize::InputArchive& archive) {
  // Module::load replaces parameters without checking their shapes, so a
  // checkpoint of another network size would load "fine" and fail later.
  auto shapes = [this] {
    std::vector<std::vector<int64_t>> out;
    for (const auto& p : policy_->parameters()) out.push_back(p.sizes().vec());
    for (const auto& p : potential_->parameters()) out.push_back(p.sizes().vec());
    return out;
  };
  const auto expected = shapes();
  try {
    auto nested = [&archive](const char* key, auto& loadable) {
      torch::serialize::InputArchive child;
      archive.read(key, child);
      loadable.load(child);
    };
    nested("policy", *policy_);
    nested("potential", *potential_);
    nested("policy_optimizer", *policy_optimizer_);
    nested("potential_optimizer", *potential_optimizer_);
    c10::IValue value;
    archive.read("step", value);
    step_ = value.toInt();
    archive.read("skipped", value);
    skipped_ = value.toInt();
    archive.read("rng", value);
    std::istringstream rng(value.toStringRef());
    rng >> rng_;
    if (rng.fail()) return absl::DataLossError("malformed RNG state");
    if (shapes() != expected) {
      return absl::DataLossError("network parameter shapes differ from this trainer's");
    }
  } catch (const std::exception& e) {
    // torch reports missing keys and malformed values by exception.
    return StatusFromException(absl::StatusCode::kDataLoss, "trainer state", e);
  }
  return absl::OkStatus();
}

absl::StatusOr<double> Trainer::PolicySteps(
    const std::vector<TrajectoryRef>& batch) {
  const size_t size = options_.policy_minibatch;
  if (size == 0 && options_.policy_passes == 1) return PolicyStep(batch);
  double total = 0;
  int counted = 0;
  std::vector<TrajectoryRef> order = batch;
  for (int pass = 0; pass < options_.policy_passes; ++pass) {
    if (size > 0) std::shuffle(order.begin(), order.end(), rng_);
    const size_t step = size == 0 ? order.size() : size;
    for (size_t begin = 0; begin < order.size(); begin += step) {
      const size_t end = std::min(order.size(), begin + step);
      auto loss = PolicyStep(std::vector<TrajectoryRef>(order.begin() + begin,
                                                        order.begin() + end));
      if (!loss.ok()) return loss.status();
      if (std::isfinite(*loss)) {
        total += *loss;
        ++counted;
      }
    }
  }
  return counted > 0 ? total / counted : std::numeric_limits<double>::quiet_NaN();
}

absl::StatusOr<RoundStats> Trainer::Round(TrajectorySource& source) {
  return options_.protocol == Protocol::kPaper ? PaperRound(source)
                                               : OnlineRound(source);
}

namespace {

// Times a call into `seconds`.
template <typename Call>
auto Timed(double& seconds, Call&& call) {
  const absl::Time start = absl::Now();
  auto result = call();
  seconds += absl::ToDoubleSeconds(absl::Now() - start);
  return result;
}

}  // namespace

absl::StatusOr<RoundStats> Trainer::OnlineRound(TrajectorySource& source) {
  RoundStats stats;
  const bool led = UsesLearnedCredits(options_.objective);
  double potential_total = 0;
  int potential_steps = 0;
  if (led) {
    for (int i = 0; i < options_.potential_steps; ++i) {
      auto refs = Timed(stats.wait_seconds, [&] { return source.PotentialBatch(); });
      if (!refs.ok()) return refs.status();
      auto loss = Timed(stats.potential_seconds, [&] { return PotentialStep(*refs); });
      if (!loss.ok()) return loss.status();
      if (options_.reference_optimizer_side_effect) ReferenceSideEffect();
      potential_total += *loss;
      ++potential_steps;
    }
  }
  auto refs = Timed(stats.wait_seconds, [&] { return source.PolicyBatch(); });
  if (!refs.ok()) return refs.status();
  auto loss = Timed(stats.policy_seconds, [&] { return PolicySteps(*refs); });
  if (!loss.ok()) return loss.status();
  if (led && options_.potential_on_policy_batch) {
    auto potential = Timed(stats.potential_seconds, [&] { return PotentialStep(*refs); });
    if (!potential.ok()) return potential.status();
    potential_total += *potential;
    ++potential_steps;
  }
  if (potential_steps > 0) stats.potential_loss = potential_total / potential_steps;
  stats.policy_loss = *loss;
  stats.step = step_;
  stats.log_z = ReportedLogZ();
  stats.reward_exponent = RewardExponent();
  stats.skipped_steps = skipped_;
  stats.dropped = dropped_;
  return stats;
}

absl::Status Trainer::Visit(const std::vector<TrajectoryRef>& batch) {
  for (const TrajectoryRef& t : batch) {
    if (absl::Status s = visited_.Add(task_, *t); !s.ok()) return s;
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<TrajectoryRef>> Trainer::OfflineBatch() {
  if (visited_.size() == 0) {
    return absl::FailedPreconditionError(
        "no visited object to draw an offline batch from");
  }
  BackwardSampleOptions options;
  options.uniform_backward = options_.uniform_backward;
  options.partial_energies = UsesPartialEnergies(options_.objective);
  options.device = options_.device;
  return SampleBackward(task_, policy_,
                        visited_.Draw(options_.offline_batch_size, rng_),
                        options, rng_);
}

absl::Status Trainer::TrainOnBatch(std::vector<TrajectoryRef> batch,
                                   RoundStats& stats) {
  batch_window_.push_back(std::move(batch));
  while (batch_window_.size() >
         static_cast<size_t>(options_.potential_window_batches)) {
    batch_window_.pop_front();
  }
  const std::vector<TrajectoryRef>& current = batch_window_.back();
  const bool led = UsesLearnedCredits(options_.objective);
  if (led) {
    for (int i = 0; i < options_.potential_steps; ++i) {
      std::uniform_int_distribution<size_t> pick(0, batch_window_.size() - 1);
      const std::vector<TrajectoryRef>& drawn = batch_window_[pick(rng_)];
      auto loss = Timed(stats.potential_seconds, [&] { return PotentialStep(drawn); });
      if (!loss.ok()) return loss.status();
      if (options_.reference_optimizer_side_effect) ReferenceSideEffect();
      stats.potential_loss += *loss;
    }
  }
  auto loss = Timed(stats.policy_seconds, [&] { return PolicySteps(current); });
  if (!loss.ok()) return loss.status();
  stats.policy_loss += *loss;
  if (led && options_.potential_on_policy_batch) {
    auto potential = Timed(stats.potential_seconds, [&] { return PotentialStep(current); });
    if (!potential.ok()) return potential.status();
    stats.potential_loss += *potential;
  }
  return absl::OkStatus();
}

absl::StatusOr<RoundStats> Trainer::PaperRound(TrajectorySource& source) {
  RoundStats stats;
  auto online = Timed(stats.wait_seconds, [&] { return source.PolicyBatch(); });
  if (!online.ok()) return online.status();
  // An unusable energy must not reach the offline pool either.
  std::vector<TrajectoryRef> usable = WithUsableEnergies(*online);
  if (absl::Status s = Visit(usable); !s.ok()) return s;
  if (absl::Status s = TrainOnBatch(std::move(usable), stats); !s.ok()) {
    return s;
  }
  auto offline = Timed(stats.policy_seconds, [&] { return OfflineBatch(); });
  if (!offline.ok()) return offline.status();
  if (absl::Status s = TrainOnBatch(*std::move(offline), stats); !s.ok()) {
    return s;
  }
  // Means over the round's two policy steps and its r_phi steps.
  stats.policy_loss /= 2;
  if (UsesLearnedCredits(options_.objective)) {
    const int per_batch =
        options_.potential_steps + (options_.potential_on_policy_batch ? 1 : 0);
    if (per_batch > 0) stats.potential_loss /= 2 * per_batch;
  }
  stats.step = step_;
  stats.log_z = ReportedLogZ();
  stats.reward_exponent = RewardExponent();
  stats.skipped_steps = skipped_;
  stats.dropped = dropped_;
  return stats;
}

}  // namespace ledgfn
