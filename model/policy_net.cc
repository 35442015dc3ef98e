#include "model/policy_net.h"

#include <cassert>

#include "model/fragment_actions.h"
#include "model/graph_batch.h"

namespace ledgfn {

PolicyNetOptions PolicyNetOptionsFor(const Task& task, int64_t hidden,
                                     int64_t layers) {
  PolicyNetOptions options;
  options.hidden = hidden;
  options.layers = layers;
  if (task.graph() != nullptr) {
    options.num_node_labels = task.num_node_labels();
  } else if (const FragmentTreeLayout* layout = task.fragment_tree_layout()) {
    options.fragment_tree = *layout;
    options.num_forward_actions = layout->num_forward_actions();
    options.num_backward_actions = layout->num_backward_actions();
  } else {
    options.feature_size = task.feature_size();
    options.num_forward_actions = task.num_forward_actions();
    options.num_backward_actions = task.num_backward_actions();
  }
  return options;
}

PolicyNetImpl::PolicyNetImpl(const PolicyNetOptions& options)
    : options_(options) {
  if (options.num_node_labels > 0) {
    gin_ = register_module(
        "gin", Gin(GinOptions{options.num_node_labels, /*label_columns=*/1,
                              options.hidden, options.layers}));
    node_head_ =
        register_module("node_head", torch::nn::Linear(options.hidden, 2));
    flow_head_ = register_module(
        "flow_head", Mlp(MlpOptions{options.hidden, options.hidden, 1, 1}));
  } else if (options.fragment_mode()) {
    const FragmentTreeLayout& layout = options.fragment_tree;
    encoder_ = register_module(
        "encoder",
        FragmentEncoder(FragmentEncoderOptions{
            FragmentNodeFeatureSize(layout, /*transitions=*/false),
            2 * layout.max_stems, options.hidden, options.layers}));
    node_head_ = register_module(
        "node_head",
        torch::nn::Linear(options.hidden, FragmentNodeOutputSize(layout)));
    row_head_ = register_module(
        "row_head", Mlp(MlpOptions{options.hidden, options.hidden, 1,
                                   FragmentRowOutputSize(layout)}));
  } else {
    // Kept exactly as before graph mode existed: module creation order fixes
    // the initial weights drawn from the seed, which reference runs rely on.
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
  }
  log_z_ = register_parameter("log_z", torch::zeros({}));
}

PolicyOutputs PolicyNetImpl::forward(const torch::Tensor& features) {
  assert(options_.num_node_labels == 0 && !options_.fragment_mode() &&
         "vector input to a graph or fragment policy");
  torch::Tensor out = head_->forward(trunk_->forward(features));
  const int64_t a = options_.num_forward_actions;
  const int64_t b = options_.num_backward_actions;
  return PolicyOutputs{out.narrow(-1, 0, a), out.narrow(-1, a, b),
                       out.select(-1, a + b)};
}

PolicyOutputs PolicyNetImpl::forward(const NetworkInput& input) {
  assert(input.is_graph() == (options_.num_node_labels > 0) &&
         input.is_fragment() == options_.fragment_mode() &&
         "network input of the wrong kind");
  if (input.is_graph()) return GraphForward(input);
  if (input.is_fragment()) return FragmentForward(input);
  return forward(input.features);
}

PolicyOutputs PolicyNetImpl::FragmentForward(const NetworkInput& input) {
  const FragmentBatch& batch = input.fragments;
  torch::Tensor h = encoder_->forward(batch);  // [N, hidden]
  return FragmentPolicyOutputs(node_head_->forward(h),
                               row_head_->forward(MeanPool(h, batch.rows())),
                               batch, options_.fragment_tree, input.shape);
}

PolicyOutputs PolicyNetImpl::GraphForward(const NetworkInput& input) {
  const GraphBatch& batch = input.graph;
  torch::Tensor h = gin_->forward(batch);  // [N, hidden]
  // [num_rows, max_nodes, 2]: channel 0 forward, 1 backward.
  torch::Tensor logits = ScatterToRows(node_head_->forward(h), batch);
  std::vector<int64_t> logits_shape = input.shape;
  logits_shape.push_back(batch.max_nodes);
  return PolicyOutputs{
      logits.select(-1, 0).reshape(logits_shape),
      logits.select(-1, 1).reshape(logits_shape),
      flow_head_->forward(MeanPool(h, batch)).reshape(input.shape)};
}

std::vector<torch::Tensor> PolicyNetImpl::network_parameters() {
  std::vector<torch::Tensor> params;
  for (auto& p : parameters()) {
    if (!p.is_same(log_z_)) params.push_back(p);
  }
  return params;
}

}  // namespace ledgfn
