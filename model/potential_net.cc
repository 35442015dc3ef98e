#include "model/potential_net.h"

#include <cassert>

#include "model/graph_batch.h"
#include "model/policy_net.h"

namespace ledgfn {

PotentialNetOptions PotentialNetOptionsFor(const Task& task, int64_t hidden,
                                           int64_t layers) {
  // The policy's input side, by construction the same.
  const PolicyNetOptions policy = PolicyNetOptionsFor(task, hidden, layers);
  return PotentialNetOptions{policy.feature_size, hidden, layers,
                             policy.num_node_labels, policy.fragment_tree};
}

PotentialNetImpl::PotentialNetImpl(const PotentialNetOptions& options) {
  if (options.num_node_labels > 0) {
    gin_ = register_module(
        "gin", Gin(GinOptions{options.num_node_labels, /*label_columns=*/2,
                              options.hidden, options.layers}));
    readout_ = register_module("readout", torch::nn::Linear(options.hidden, 1));
  } else if (options.fragment_tree.max_blocks > 0) {
    encoder_ = register_module(
        "encoder", FragmentEncoder(FragmentEncoderOptions{
                       FragmentNodeFeatureSize(options.fragment_tree,
                                               /*transitions=*/true),
                       2 * options.fragment_tree.max_stems, options.hidden,
                       options.layers}));
    readout_ = register_module("readout", torch::nn::Linear(options.hidden, 1));
  } else {
    mlp_ = register_module(
        "mlp", Mlp(MlpOptions{2 * options.feature_size, options.hidden,
                              options.layers, 1}));
  }
}

torch::Tensor PotentialNetImpl::forward(const NetworkInput& transitions) {
  assert(transitions.is_graph() == !gin_.is_empty() &&
         transitions.is_fragment() == !encoder_.is_empty() &&
         "network input of the wrong kind");
  if (transitions.is_fragment()) {
    const FragmentBatch& batch = transitions.fragments;
    return readout_->forward(MaxPool(encoder_->forward(batch), batch.rows()))
        .reshape(transitions.shape);
  }
  if (!transitions.is_graph()) {
    return mlp_->forward(transitions.features).squeeze(-1);
  }
  torch::Tensor h = gin_->forward(transitions.graph);
  return readout_->forward(MaxPool(h, transitions.graph))
      .reshape(transitions.shape);
}

}  // namespace ledgfn
