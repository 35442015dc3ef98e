#include "actor/sampler.h"

#include <algorithm>

#include "common/model/masking.h"

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

void Sampler::Reset(Env& env) {
  env.state = task_.InitialState();
  env.actions.clear();
  env.visited.clear();
  if (options_.partial_energies) env.visited.push_back(env.state);
}

int Sampler::ChooseAction(const float* probs, const uint8_t* mask) {
  const int a = task_.num_forward_actions();
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
  std::vector<Trajectory> done;
  if (n <= 0) return done;
  done.reserve(n);
  std::vector<State> objects;
  std::vector<std::vector<State>> visited;
  objects.reserve(n);

  const int f = task_.feature_size();
  const int a = task_.num_forward_actions();
  const int width = std::min(options_.batch_size, n);
  std::vector<Env> envs(width);
  for (Env& e : envs) Reset(e);
  int started = width;
  features_.resize(static_cast<size_t>(width) * f);
  masks_.resize(static_cast<size_t>(width) * a);

  torch::NoGradGuard no_grad;
  const torch::Device device = policy_->log_z().device();
  while (!envs.empty()) {
    const int64_t active = static_cast<int64_t>(envs.size());
    for (int64_t i = 0; i < active; ++i) {
      task_.Features(envs[i].state, features_.data() + i * f);
      task_.ForwardMask(envs[i].state, masks_.data() + i * a);
    }
    torch::Tensor feats = torch::from_blob(features_.data(), {active, f});
    torch::Tensor mask =
        torch::from_blob(masks_.data(), {active, a}, torch::kUInt8);
    torch::Tensor logits = policy_->forward(feats.to(device)).forward_logits;
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
      const int action = ChooseAction(p + i * a, masks_.data() + i * a);
      env.actions.push_back(action);
      bool finished = action == task_.stop_action();
      if (!finished) {
        task_.Step(env.state, action);
        if (options_.partial_energies) env.visited.push_back(env.state);
        finished = !task_.has_stop_action() && task_.IsTerminal(env.state);
      }
      if (!finished) {
        next.push_back(std::move(env));
        continue;
      }
      Trajectory t;
      t.actions = std::move(env.actions);
      t.policy_version = policy_version_;
      t.actor_id = options_.actor_id;
      t.incarnation = incarnation_;
      t.sequence = next_sequence_++;
      done.push_back(std::move(t));
      objects.push_back(std::move(env.state));
      if (options_.partial_energies) visited.push_back(std::move(env.visited));
      if (started < n) {
        Env fresh;
        Reset(fresh);
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
