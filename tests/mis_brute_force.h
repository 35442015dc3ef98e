// Brute-force terminal distributions of a policy on a small graph task, for
// tests: every action sequence from s_0 is walked and weighted by the
// product of its P_F, each state evaluated on its own (no batching), so it
// checks the DAG evaluator and the batched sampler independently.
#ifndef LEDGFN_TESTS_MIS_BRUTE_FORCE_H_
#define LEDGFN_TESTS_MIS_BRUTE_FORCE_H_

#include <torch/torch.h>

#include <cmath>
#include <functional>
#include <map>
#include <vector>

#include "model/masking.h"
#include "model/network_input.h"
#include "model/policy_net.h"
#include "tasks/task.h"
#include "gtest/gtest.h"

namespace ledgfn {

// log P_F over the actions of state s under `policy`, s alone in its batch.
inline std::vector<double> SingleStateLogPf(const Task& task, PolicyNet& policy,
                                            const State& s) {
  torch::NoGradGuard no_grad;
  std::vector<NetworkRow> rows{NetworkRow{&task, &s}};
  auto input = BuildNetworkInput(task, rows, {1}, /*transitions=*/false);
  EXPECT_TRUE(input.ok()) << input.status();
  const int n = task.num_forward_actions();
  std::vector<uint8_t> mask(n);
  task.ForwardMask(s, mask.data());
  torch::Tensor m =
      torch::from_blob(mask.data(), {1, n}, torch::kUInt8).to(torch::kBool);
  torch::Tensor logp =
      MaskedLogSoftmax(policy->forward(*input).forward_logits, m)
          .to(torch::kDouble)
          .contiguous();
  return std::vector<double>(logp.data_ptr<double>(),
                             logp.data_ptr<double>() + n);
}

// p(x) for every terminal x of a task without a stop action.
inline std::map<State, double> EnumerateTrajectories(const Task& task,
                                                     PolicyNet& policy) {
  std::map<State, double> p;
  std::function<void(const State&, double)> walk = [&](const State& s,
                                                       double log_prob) {
    if (task.IsTerminal(s)) {
      p[s] += std::exp(log_prob);
      return;
    }
    const std::vector<double> logp = SingleStateLogPf(task, policy, s);
    std::vector<uint8_t> mask(task.num_forward_actions());
    task.ForwardMask(s, mask.data());
    for (int a = 0; a < task.num_forward_actions(); ++a) {
      if (!mask[a]) continue;
      State next = s;
      task.Step(next, a);
      walk(next, log_prob + logp[a]);
    }
  };
  walk(task.InitialState(), 0.0);
  return p;
}

}  // namespace ledgfn

#endif  // LEDGFN_TESTS_MIS_BRUTE_FORCE_H_
