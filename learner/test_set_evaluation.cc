#include "learner/test_set_evaluation.h"

#include <algorithm>
#include <limits>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "actor/energy_oracle.h"
#include "actor/sampler.h"
#include "tasks/instance_family.h"

namespace ledgfn {

absl::StatusOr<TestSetResult> EvaluateOnTestSet(const Task& task,
                                                PolicyNet policy,
                                                int samples_per_instance,
                                                int batch_size, uint64_t seed) {
  TestSetResult result;
  result.instances = TestInstancesOf(task);
  if (result.instances.empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat("task '", task.name(), "' has no test instances"));
  }
  if (samples_per_instance < 1) {
    return absl::InvalidArgumentError("samples per instance must be >= 1");
  }
  // Not null: only a multi-instance task has test instances.
  const InstanceFamily& family = *task.instances();
  const size_t n = result.instances.size();
  std::vector<InstanceId> requests;
  requests.reserve(n * samples_per_instance);
  absl::flat_hash_map<InstanceId, size_t> index;
  for (size_t i = 0; i < n; ++i) {
    index[result.instances[i]] = i;
    for (int k = 0; k < samples_per_instance; ++k) {
      requests.push_back(result.instances[i]);
    }
  }
  TaskEnergyOracle oracle(task);
  SamplerOptions options;
  options.batch_size = batch_size;
  options.seed = seed;
  Sampler sampler(task, std::move(policy), oracle, options);
  auto samples = sampler.SampleInstances(requests);
  if (!samples.ok()) return samples.status();

  result.best_energies.assign(n, std::numeric_limits<double>::infinity());
  double total = 0;
  for (const Trajectory& t : *samples) {
    double& best = result.best_energies[index.at(t.instance)];
    best = std::min(best, t.energy);
    total += t.energy;
  }
  result.mean_energy = total / samples->size();
  double best_total = 0;
  double baseline_total = 0;
  for (size_t i = 0; i < n; ++i) {
    auto baseline = family.BaselineEnergy(result.instances[i]);
    if (!baseline.ok()) return baseline.status();
    result.baseline_energies.push_back(*baseline);
    best_total += result.best_energies[i];
    baseline_total += *baseline;
  }
  result.best_energy = best_total / n;
  result.baseline_energy = baseline_total / n;
  return result;
}

}  // namespace ledgfn
