#include "model/fragment_encoder.h"

#include "model/mlp.h"

namespace ledgfn {

FragmentEncoderImpl::FragmentEncoderImpl(const FragmentEncoderOptions& options)
    : options_(options) {
  input_ = register_module(
      "input", torch::nn::Linear(options.node_features, options.hidden));
  edges_ = register_module("edges", torch::nn::ModuleList());
  mlps_ = register_module("mlps", torch::nn::ModuleList());
  norms_ = register_module("norms", torch::nn::ModuleList());
  for (int64_t l = 0; l < options.layers; ++l) {
    edges_->push_back(
        torch::nn::Linear(options.edge_features, options.hidden));
    mlps_->push_back(Mlp(MlpOptions{options.hidden, options.hidden,
                                    /*layers=*/1, options.hidden}));
    norms_->push_back(
        torch::nn::LayerNorm(torch::nn::LayerNormOptions({options.hidden})));
  }
}

torch::Tensor FragmentEncoderImpl::forward(const FragmentBatch& batch) {
  torch::Tensor h = input_->forward(batch.node_features);
  for (int64_t l = 0; l < options_.layers; ++l) {
    torch::Tensor messages =
        h.index_select(0, batch.edge_source) +
        edges_->ptr<torch::nn::LinearImpl>(l)->forward(batch.edge_features);
    torch::Tensor x = h.index_add(0, batch.edge_target, messages);
    h = norms_->ptr<torch::nn::LayerNormImpl>(l)->forward(
        h + mlps_->ptr<MlpImpl>(l)->forward(x));
  }
  return h;
}

}  // namespace ledgfn
