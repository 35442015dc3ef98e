#include "actor/sampler.h"

#include <algorithm>
#include <string>

#include "absl/strings/str_format.h"
#include "common/log.h"

#include "model/masking.h"
#include "model/network_input.h"
#include "tasks/instance_family.h"

namespace ledgfn {

Sampler::Sampler(const Task& task, PolicyNet policy, EnergyOracle& oracle,
                 const SamplerOptions& options)
    : task_(task),
      policy_(std::move(policy)),
      oracle_(oracle),
      options_(options),
      rng_(options.seed),
      incarnation_(std::random_device{}() |
                   (static_cast<uint64_t>(std::random_device{}()) << 32)) {}

absl::Status Sampler::Reset(Env& env, const InstanceId& instance) {
  auto instance_task = InstanceOf(task_, instance);
  if (!instance_task.ok()) return instance_task.status();
  env.instance = instance;
  env.task = *std::move(instance_task);
  env.state = env.task->InitialState();
  env.actions.clear();
  env.visited.clear();
  if (options_.partial_energies) env.visited.push_back(env.state);
  return absl::OkStatus();
}

int Sampler::ChooseAction(const float* probs, const uint8_t* mask,
                          int num_actions) {
  const int a = num_actions;
  if (options_.epsilon > 0 && uniform_(rng_) < options_.epsilon) {
    int valid = 0;
    for (int i = 0; i < a; ++i) valid += mask[i] != 0;
    int k = std::uniform_int_distribution<int>(0, valid - 1)(rng_);
    for (int i = 0; i < a; ++i) {
      if (mask[i] && k-- == 0) return i;
    }
  }
  double u = uniform_(rng_);
  int last_valid = -1;
  for (int i = 0; i < a; ++i) {
    if (!mask[i]) continue;
    last_valid = i;
    u -= probs[i];
    if (u < 0) return i;
  }
  return last_valid;  // rounding left a sliver of mass: the last valid action
}

absl::StatusOr<std::vector<Trajectory>> Sampler::Sample(int n) {
  std::vector<Trajectory> out;
  if (n <= 0) return out;
  out.reserve(n);
  while (static_cast<int>(out.size()) < n) {
    std::vector<InstanceId> instances;
    const int missing = n - static_cast<int>(out.size());
    instances.reserve(missing);
    for (int i = 0; i < missing; ++i) {
      instances.push_back(DrawTrainingInstanceOf(task_, rng_));
    }
    auto sampled = SampleRaw(instances);
    if (!sampled.ok()) return sampled.status();
    const size_t before = out.size();
    KeepUsable(*std::move(sampled), out);
    if (out.size() == before) {
      // Resampling would only spend more oracle calls on the same answer.
      return absl::FailedPreconditionError(absl::StrFormat(
          "the oracle's energies for all %d objects of a batch are unusable "
          "(not finite, or |E| above the bound %g): a broken oracle, or a "
          "bound too small for its scale (--max_abs_energy)",
          missing, options_.max_abs_energy));
    }
  }
  return out;
}

absl::StatusOr<std::vector<Trajectory>> Sampler::SampleInstances(
    const std::vector<InstanceId>& instances) {
  auto sampled = SampleRaw(instances);
  if (!sampled.ok()) return sampled.status();
  std::vector<Trajectory> out;
  out.reserve(sampled->size());
  KeepUsable(*std::move(sampled), out);
  return out;
}

void Sampler::KeepUsable(std::vector<Trajectory> sampled,
                         std::vector<Trajectory>& out) {
  for (Trajectory& t : sampled) {
    std::string reason;
    const EnergyProblem problem = CheckTrajectoryEnergies(
        t.energy, t.partial_energies, options_.max_abs_energy, &reason);
    if (problem != EnergyProblem::kOk) {
      const int64_t n = ++dropped_[static_cast<int>(problem)];
      if (IsLoggedOccurrence(n)) {
        LogWarning("dropped a sampled trajectory: the oracle's %s (%s; %d so "
                   "far)", reason, EnergyProblemName(problem), n);
      }
      continue;
    }
    t.sequence = next_sequence_++;
    out.push_back(std::move(t));
  }
}

absl::StatusOr<std::vector<Trajectory>> Sampler::SampleRaw(
    const std::vector<InstanceId>& instances) {
  const int n = static_cast<int>(instances.size());
  std::vector<Trajectory> done;
  if (n == 0) return done;
  done.reserve(n);
  std::vector<State> objects;
  std::vector<std::vector<State>> visited;
  objects.reserve(n);

  const int width = std::min(options_.batch_size, n);
  std::vector<Env> envs(width);
  for (int i = 0; i < width; ++i) {
    if (absl::Status s = Reset(envs[i], instances[i]); !s.ok()) return s;
  }
  int started = width;

  torch::NoGradGuard no_grad;
  const torch::Device device = policy_->log_z().device();
  std::vector<NetworkRow> rows;
  while (!envs.empty()) {
    const int64_t active = static_cast<int64_t>(envs.size());
    // Graph tasks: as many action columns as the largest active graph.
    int64_t a = 0;
    rows.clear();
    for (const Env& env : envs) {
      a = std::max<int64_t>(a, env.task->num_forward_actions());
      rows.push_back(NetworkRow{env.task.get(), &env.state});
    }
    masks_.assign(static_cast<size_t>(active * a), 0);
    for (int64_t i = 0; i < active; ++i) {
      envs[i].task->ForwardMask(envs[i].state, masks_.data() + i * a);
    }
    auto input = BuildNetworkInput(task_, rows, {active}, /*transitions=*/false,
                                   /*pinned=*/false,
                                   policy_->options().needs_neighbours());
    if (!input.ok()) return input.status();
    torch::Tensor mask =
        torch::from_blob(masks_.data(), {active, a}, torch::kUInt8);
    torch::Tensor logits = policy_->forward(input->To(device)).forward_logits;
    if (options_.temperature != 1.0) logits = logits / options_.temperature;
    torch::Tensor probs =
        MaskedLogSoftmax(logits, mask.to(device, torch::kBool))
            .exp()
            .to(torch::kCPU)
            .contiguous();
    const float* p = probs.data_ptr<float>();

    std::vector<Env> next;
    next.reserve(envs.size());
    for (int64_t i = 0; i < active; ++i) {
      Env& env = envs[i];
      const Task& task = *env.task;
      const int action = ChooseAction(p + i * a, masks_.data() + i * a,
                                      task.num_forward_actions());
      env.actions.push_back(action);
      bool finished = action == task.stop_action();
      if (!finished) {
        task.Step(env.state, action);
        if (options_.partial_energies) env.visited.push_back(env.state);
        finished = !task.has_stop_action() && task.IsTerminal(env.state);
      }
      if (!finished) {
        next.push_back(std::move(env));
        continue;
      }
      Trajectory t;
      t.instance = std::move(env.instance);
      t.actions = std::move(env.actions);
      t.policy_version = policy_version_;
      t.actor_id = options_.actor_id;
      t.incarnation = incarnation_;
      done.push_back(std::move(t));
      objects.push_back(std::move(env.state));
      if (options_.partial_energies) visited.push_back(std::move(env.visited));
      if (started < n) {
        Env fresh;
        if (absl::Status s = Reset(fresh, instances[started]); !s.ok()) {
          return s;
        }
        next.push_back(std::move(fresh));
        ++started;
      }
    }
    envs = std::move(next);
  }

  auto energies = oracle_.Energies(objects);
  if (!energies.ok()) return energies.status();
  for (size_t i = 0; i < done.size(); ++i) done[i].energy = (*energies)[i];
  if (options_.partial_energies) {
    for (size_t i = 0; i < done.size(); ++i) {
      auto partial = oracle_.PartialEnergies(visited[i]);
      if (!partial.ok()) return partial.status();
      done[i].partial_energies = *std::move(partial);
    }
  }
  return done;
}

}  // namespace ledgfn
