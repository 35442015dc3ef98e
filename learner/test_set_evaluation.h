// Evaluation of a policy on a multi-instance task's held-out instances
// (InstanceFamily::TestInstances), e.g. MIS: mean |I| over the test graphs
// with 20 samples each, against the greedy baseline, and the best |I| per
// graph.
//
// In energy terms (for MIS, |I| = -E):
//   mean_energy     mean of E over every sample of every test instance
//   best_energy     mean over instances of the lowest E among its samples
//   baseline_energy mean over instances of InstanceFamily::BaselineEnergy
// Samples are drawn from P_F alone (epsilon 0, temperature 1), seeded.
#ifndef LEDGFN_LEARNER_TEST_SET_EVALUATION_H_
#define LEDGFN_LEARNER_TEST_SET_EVALUATION_H_

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "common/instance_id.h"
#include "model/policy_net.h"
#include "tasks/task.h"

namespace ledgfn {

struct TestSetResult {
  double mean_energy = 0;
  double best_energy = 0;
  double baseline_energy = 0;
  // Per test instance, in InstanceFamily::TestInstances order.
  std::vector<InstanceId> instances;
  std::vector<double> best_energies;
  std::vector<double> baseline_energies;
};

// FAILED_PRECONDITION when the task has no test instances (a single-instance
// task has none); errors of the sampler or baseline otherwise. `policy` is
// used on its own device.
absl::StatusOr<TestSetResult> EvaluateOnTestSet(const Task& task,
                                                PolicyNet policy,
                                                int samples_per_instance,
                                                int batch_size, uint64_t seed);

}  // namespace ledgfn

#endif  // LEDGFN_LEARNER_TEST_SET_EVALUATION_H_
