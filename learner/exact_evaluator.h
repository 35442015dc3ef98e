// Exact evaluation of a policy where the state space is small (DESIGN §2.6):
// the policy's terminal distribution by pushing probability mass through the
// DAG in topological order (epsilon = 0), the exact target by enumeration,
// L1 = sum_x |p(x) - pi(x)| and |log Z_learned - log Z_exact|.
// Tasks that are not enumerable but know log Z (set) get the log Z error only.
#ifndef LEDGFN_LEARNER_EXACT_EVALUATOR_H_
#define LEDGFN_LEARNER_EXACT_EVALUATOR_H_

#include <torch/torch.h>

#include <memory>
#include <optional>
#include <vector>

#include "absl/status/statusor.h"
#include "common/model/policy_net.h"
#include "common/state_graph.h"
#include "common/task.h"

namespace ledgfn {

struct ExactEvaluation {
  std::optional<double> l1;  // absent when the task is not enumerable
  double log_z_error = 0;    // |log Z_learned - log Z_exact|
};

class ExactEvaluator {
 public:
  // NOT_FOUND when the task has neither an enumerable DAG (within
  // `max_states`) nor a closed-form log Z.
  static absl::StatusOr<std::unique_ptr<ExactEvaluator>> Create(
      const Task& task, int64_t max_states = 2'000'000);

  double exact_log_z() const { return exact_log_z_; }
  bool has_distribution() const { return graph_.has_value(); }

  // The policy's exact terminal distribution over graph().objects.
  std::vector<double> PolicyDistribution(PolicyNet& policy) const;
  const std::vector<double>& target() const { return target_; }
  const StateGraph& graph() const { return *graph_; }

  ExactEvaluation Evaluate(PolicyNet& policy, double learned_log_z) const;

 private:
  ExactEvaluator(const Task& task, std::optional<StateGraph> graph,
                 double exact_log_z);

  const Task& task_;
  std::optional<StateGraph> graph_;
  std::vector<double> target_;
  double exact_log_z_ = 0;
  torch::Tensor features_;  // [N, F] for every state of the graph
  torch::Tensor masks_;     // [N, A] bool
};

}  // namespace ledgfn

#endif  // LEDGFN_LEARNER_EXACT_EVALUATOR_H_
