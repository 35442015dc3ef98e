#include "model/mlp.h"

namespace ledgfn {

MlpImpl::MlpImpl(const MlpOptions& options) {
  int64_t width = options.input;
  for (int64_t i = 0; i < options.layers; ++i) {
    layers_->push_back(torch::nn::Linear(width, options.hidden));
    layers_->push_back(torch::nn::LeakyReLU());
    width = options.hidden;
  }
  layers_->push_back(torch::nn::Linear(width, options.output));
  register_module("layers", layers_);
}

torch::Tensor MlpImpl::forward(torch::Tensor x) { return layers_->forward(x); }

}  // namespace ledgfn
