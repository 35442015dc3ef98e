// Exact evaluation of a policy where the state space is small (DESIGN §2.6):
// the policy's terminal distribution by pushing probability mass through the
// DAG in topological order (epsilon = 0), the exact target by enumeration,
// L1 = sum_x |p(x) - pi(x)| and |log Z_learned - log Z_exact|.
// Tasks that are not enumerable but know log Z (set) get the log Z error only.
// Multi-instance tasks are evaluated on the task itself, i.e. its first
// training instance (enumerable only when that is the family's only graph).
// The target is R(x)^beta = exp(-beta E(x)) for the reward exponent beta.
#ifndef LEDGFN_LEARNER_EXACT_EVALUATOR_H_
#define LEDGFN_LEARNER_EXACT_EVALUATOR_H_

#include <torch/torch.h>

#include <memory>
#include <optional>
#include <vector>

#include "absl/status/statusor.h"
#include "model/network_input.h"
#include "model/policy_net.h"
#include "tasks/state_graph.h"
#include "tasks/task.h"

namespace ledgfn {

struct ExactEvaluation {
  std::optional<double> l1;  // absent when the task is not enumerable
  double log_z_error = 0;    // |log Z_learned - log Z_exact|
};

class ExactEvaluator {
 public:
  // NOT_FOUND when the task has neither an enumerable DAG (within
  // `max_states`) nor a closed-form log Z. `neighbours`: the policies it
  // evaluates read their states' neighbours (PolicyNetOptions).
  static absl::StatusOr<std::unique_ptr<ExactEvaluator>> Create(
      const Task& task, int64_t max_states = 2'000'000,
      double reward_exponent = 1.0, bool neighbours = false);

  double exact_log_z() const { return exact_log_z_; }
  bool has_distribution() const { return graph_.has_value(); }

  // The policy's exact terminal distribution over graph().objects.
  std::vector<double> PolicyDistribution(PolicyNet& policy) const;
  const std::vector<double>& target() const { return target_; }
  const StateGraph& graph() const { return *graph_; }

  ExactEvaluation Evaluate(PolicyNet& policy, double learned_log_z) const;

 private:
  ExactEvaluator(const Task& task, std::optional<StateGraph> graph,
                 double exact_log_z, double reward_exponent, bool neighbours);

  const Task& task_;
  std::optional<StateGraph> graph_;
  std::vector<double> target_;
  double exact_log_z_ = 0;
  // The network input of every state of the graph, in chunks of rows.
  std::vector<NetworkInput> inputs_;
  torch::Tensor masks_;  // [N, A] bool
};

}  // namespace ledgfn

#endif  // LEDGFN_LEARNER_EXACT_EVALUATOR_H_
