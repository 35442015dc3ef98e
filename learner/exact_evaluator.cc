#include "learner/exact_evaluator.h"

#include <cmath>

#include "common/model/masking.h"

namespace ledgfn {

absl::StatusOr<std::unique_ptr<ExactEvaluator>> ExactEvaluator::Create(
    const Task& task, int64_t max_states) {
  if (task.exactly_enumerable()) {
    auto graph = EnumerateStateGraph(task, max_states);
    if (!graph.ok()) return graph.status();
    const double log_z = ExactLogZFromGraph(task, *graph);
    return std::unique_ptr<ExactEvaluator>(
        new ExactEvaluator(task, *std::move(graph), log_z));
  }
  auto log_z = task.ExactLogZ();
  if (!log_z.ok()) {
    return absl::NotFoundError("task '" + task.name() +
                               "' has no exact evaluation");
  }
  return std::unique_ptr<ExactEvaluator>(
      new ExactEvaluator(task, std::nullopt, *log_z));
}

ExactEvaluator::ExactEvaluator(const Task& task,
                               std::optional<StateGraph> graph,
                               double exact_log_z)
    : task_(task), graph_(std::move(graph)), exact_log_z_(exact_log_z) {
  if (!graph_) return;
  target_ = ExactTargetDistribution(task, *graph_);
  const int64_t n = static_cast<int64_t>(graph_->states.size());
  const int64_t f = task.feature_size();
  const int64_t a = task.num_forward_actions();
  features_ = torch::zeros({n, f});
  float* feats = features_.data_ptr<float>();
  for (int64_t i = 0; i < n; ++i) task.Features(graph_->states[i], feats + i * f);
  masks_ = torch::from_blob(graph_->forward_masks.data(), {n, a}, torch::kUInt8)
               .to(torch::kBool);
  // Terminal states of tasks without a stop take no action: give them an
  // all-valid row so the softmax stays finite (their mass is not pushed).
  masks_ |= (masks_.sum(1, /*keepdim=*/true) == 0);
}

std::vector<double> ExactEvaluator::PolicyDistribution(PolicyNet& policy) const {
  torch::NoGradGuard no_grad;
  const torch::Device device = policy->log_z().device();
  const int64_t n = features_.size(0);
  const int64_t chunk = 65536;
  std::vector<torch::Tensor> parts;
  for (int64_t start = 0; start < n; start += chunk) {
    const int64_t len = std::min(chunk, n - start);
    torch::Tensor logits =
        policy->forward(features_.narrow(0, start, len).to(device))
            .forward_logits;
    parts.push_back(
        MaskedLogSoftmax(logits, masks_.narrow(0, start, len).to(device))
            .to(torch::kCPU, torch::kFloat));
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
