// The GFlowNet policy (DESIGN §2): a shared trunk on state features and one
// fused output layer that yields, per state,
//   * P_F logits over the task's forward actions,
//   * P_B logits over its backward actions (ignored when P_B is uniform),
//   * the log-flow log F(s) (log F~(s) for credit-based objectives),
// plus a separate learned scalar log Z (optimised with its own learning rate).
//
// Logits are unmasked; callers mask with `MaskedLogSoftmax` (masking.h).
#ifndef LEDGFN_COMMON_MODEL_POLICY_NET_H_
#define LEDGFN_COMMON_MODEL_POLICY_NET_H_

#include <torch/torch.h>

#include <vector>

namespace ledgfn {

struct PolicyNetOptions {
  int64_t feature_size = 0;
  int64_t num_forward_actions = 0;
  int64_t num_backward_actions = 0;
  int64_t hidden = 256;
  int64_t layers = 2;  // hidden layers in the trunk, >= 1
};

struct PolicyOutputs {
  torch::Tensor forward_logits;   // [..., num_forward_actions]
  torch::Tensor backward_logits;  // [..., num_backward_actions]
  torch::Tensor log_flow;         // [...]
};

class PolicyNetImpl : public torch::nn::Module {
 public:
  explicit PolicyNetImpl(const PolicyNetOptions& options);

  // features: [..., feature_size] -> outputs with the same leading shape.
  PolicyOutputs forward(const torch::Tensor& features);

  // Parameters of the trunk and heads, without log Z (its learning rate
  // differs).
  std::vector<torch::Tensor> network_parameters();
  torch::Tensor& log_z() { return log_z_; }
  const torch::Tensor& log_z() const { return log_z_; }
  const PolicyNetOptions& options() const { return options_; }

 private:
  PolicyNetOptions options_;
  torch::nn::Sequential trunk_;
  torch::nn::Linear head_{nullptr};
  torch::Tensor log_z_;
};
TORCH_MODULE(PolicyNet);

}  // namespace ledgfn

#endif  // LEDGFN_COMMON_MODEL_POLICY_NET_H_
