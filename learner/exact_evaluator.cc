#include "learner/exact_evaluator.h"

#include <cmath>

#include "model/masking.h"

namespace ledgfn {

absl::StatusOr<std::unique_ptr<ExactEvaluator>> ExactEvaluator::Create(
    const Task& task, int64_t max_states, double reward_exponent,
    bool neighbours) {
  if (task.exactly_enumerable()) {
    auto graph = EnumerateStateGraph(task, max_states);
    if (!graph.ok()) return graph.status();
    const double log_z = ExactLogZFromGraph(task, *graph, reward_exponent);
    return std::unique_ptr<ExactEvaluator>(new ExactEvaluator(
        task, *std::move(graph), log_z, reward_exponent, neighbours));
  }
  auto log_z = task.ExactLogZ();
  if (!log_z.ok() || reward_exponent != 1.0) {
    return absl::NotFoundError("task '" + task.name() +
                               "' has no exact evaluation");
  }
  return std::unique_ptr<ExactEvaluator>(
      new ExactEvaluator(task, std::nullopt, *log_z, reward_exponent,
                         neighbours));
}

ExactEvaluator::ExactEvaluator(const Task& task,
                               std::optional<StateGraph> graph,
                               double exact_log_z, double reward_exponent,
                               bool neighbours)
    : task_(task), graph_(std::move(graph)), exact_log_z_(exact_log_z) {
  if (!graph_) return;
  target_ = ExactTargetDistribution(task, *graph_, reward_exponent);
  const int64_t n = graph_->num_states();
  const int64_t a = task.num_forward_actions();
  constexpr int64_t kChunk = 65536;
  std::vector<NetworkRow> rows;
  for (int64_t start = 0; start < n; start += kChunk) {
    const int64_t len = std::min(kChunk, n - start);
    rows.clear();
    for (int64_t i = start; i < start + len; ++i) {
      rows.push_back(NetworkRow{&task, &graph_->states[i]});
    }
    // The rows are the task's own states: building cannot fail.
    inputs_.push_back(
        *BuildNetworkInput(task, rows, {len}, /*transitions=*/false,
                           /*pinned=*/false, neighbours));
  }
  masks_ = torch::from_blob(graph_->forward_masks.data(), {n, a}, torch::kUInt8)
               .to(torch::kBool);
  // Terminal states of tasks without a stop take no action: give them an
  // all-valid row so the softmax stays finite (their mass is not pushed).
  masks_ |= (masks_.sum(1, /*keepdim=*/true) == 0);
}

std::vector<double> ExactEvaluator::PolicyDistribution(PolicyNet& policy) const {
  torch::NoGradGuard no_grad;
  const torch::Device device = policy->log_z().device();
  std::vector<torch::Tensor> parts;
  int64_t start = 0;
  for (const NetworkInput& input : inputs_) {
    torch::Tensor logits = policy->forward(input.To(device)).forward_logits;
    const int64_t len = logits.size(0);
    parts.push_back(
        MaskedLogSoftmax(logits, masks_.narrow(0, start, len).to(device))
            .to(torch::kCPU, torch::kFloat));
    start += len;
  }
  torch::Tensor log_pf = torch::cat(parts).contiguous();
  return TerminalDistribution(
      *graph_,
      absl::MakeConstSpan(log_pf.data_ptr<float>(), log_pf.numel()),
      task_.has_stop_action());
}

ExactEvaluation ExactEvaluator::Evaluate(PolicyNet& policy,
                                         double learned_log_z) const {
  ExactEvaluation result;
  result.log_z_error = std::abs(learned_log_z - exact_log_z_);
  if (graph_) result.l1 = L1Distance(PolicyDistribution(policy), target_);
  return result;
}

}  // namespace ledgfn
