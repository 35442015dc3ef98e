#include "model/gin.h"

#include "model/neighbour_sum.h"

namespace ledgfn {
GinImpl::GinImpl(const GinOptions& options) : options_(options) {
  embedding_ = register_module(
      "embedding", torch::nn::Embedding(options.num_labels, options.hidden));
  // Parameter order: the embedding, then layer 0, 1, ...
  mlps_ = register_module("mlps", torch::nn::ModuleList());
  int64_t width = options.label_columns * options.hidden;
  for (int64_t l = 0; l < options.layers; ++l) {
    mlps_->push_back(torch::nn::Sequential(
        torch::nn::Linear(width, options.hidden), torch::nn::ReLU(),
        torch::nn::Linear(options.hidden, options.hidden),
        torch::nn::LayerNorm(torch::nn::LayerNormOptions({options.hidden})),
        torch::nn::ReLU()));
    width = options.hidden;
  }
}

torch::Tensor GinImpl::forward(const GraphBatch& batch) {
  // [N, K] labels -> [N, K, hidden] -> [N, K * hidden], columns in order.
  torch::Tensor h = embedding_->forward(batch.node_labels)
                        .flatten(/*start_dim=*/1);
  for (int64_t l = 0; l < options_.layers; ++l) {
    // GIN-0: own embedding plus the sum over neighbours; the union has no
    // edges between rows, so each graph only sees itself.
    h = mlps_->ptr<torch::nn::SequentialImpl>(l)->forward(
        NeighbourSum(h, batch));
  }
  return h;
}

}  // namespace ledgfn
