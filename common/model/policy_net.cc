#include "common/model/policy_net.h"

namespace ledgfn {

PolicyNetImpl::PolicyNetImpl(const PolicyNetOptions& options)
    : options_(options) {
  int64_t width = options.feature_size;
  for (int64_t i = 0; i < options.layers; ++i) {
    trunk_->push_back(torch::nn::Linear(width, options.hidden));
    trunk_->push_back(torch::nn::LeakyReLU());
    width = options.hidden;
  }
  head_ = torch::nn::Linear(
      width, options.num_forward_actions + options.num_backward_actions + 1);
  register_module("trunk", trunk_);
  register_module("head", head_);
  log_z_ = register_parameter("log_z", torch::zeros({}));
}

PolicyOutputs PolicyNetImpl::forward(const torch::Tensor& features) {
  torch::Tensor out = head_->forward(trunk_->forward(features));
  const int64_t a = options_.num_forward_actions;
  const int64_t b = options_.num_backward_actions;
  return PolicyOutputs{out.narrow(-1, 0, a), out.narrow(-1, a, b),
                       out.select(-1, a + b)};
}

std::vector<torch::Tensor> PolicyNetImpl::network_parameters() {
  std::vector<torch::Tensor> params;
  for (auto& p : trunk_->parameters()) params.push_back(p);
  for (auto& p : head_->parameters()) params.push_back(p);
  return params;
}

}  // namespace ledgfn
