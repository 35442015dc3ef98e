#include "model/policy_net.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

#include <cassert>

#include "model/fragment_actions.h"
#include "model/graph_batch.h"
#include "tasks/graph_states.h"

namespace ledgfn {

absl::StatusOr<PolicyArchitecture> ParsePolicyArchitecture(
    absl::string_view name) {
  if (name == "shared") return PolicyArchitecture::kSharedTrunk;
  if (name == "separate") return PolicyArchitecture::kSeparate;
  if (name == "state_pair") return PolicyArchitecture::kStatePair;
  return absl::InvalidArgumentError(
      absl::StrCat("unknown policy network '", name,
                   "' (expected shared, separate or state_pair)"));
}

PolicyNetOptions PolicyNetOptionsFor(const Task& task, int64_t hidden,
                                     int64_t layers,
                                     PolicyArchitecture architecture) {
  PolicyNetOptions options;
  options.hidden = hidden;
  options.layers = layers;
  if (const GraphStates* graph = task.graph_states()) {
    options.num_node_labels = graph->num_node_labels();
  } else if (const FragmentTreeLayout* layout = task.fragment_tree_layout()) {
    options.fragment_tree = *layout;
    options.num_forward_actions = layout->num_forward_actions();
    options.num_backward_actions = layout->num_backward_actions();
  } else {
    options.feature_size = task.feature_size();
    options.num_forward_actions = task.num_forward_actions();
    options.num_backward_actions = task.num_backward_actions();
    options.architecture = architecture;
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
  } else if (options.architecture == PolicyArchitecture::kSeparate) {
    auto mlp = [&options](int64_t output) {
      return Mlp(MlpOptions{options.feature_size, options.hidden,
                            options.layers, output});
    };
    forward_net_ =
        register_module("forward_net", mlp(options.num_forward_actions));
    backward_net_ =
        register_module("backward_net", mlp(options.num_backward_actions));
    flow_net_ = register_module("flow_net", mlp(1));
  } else if (options.architecture == PolicyArchitecture::kStatePair) {
    const int64_t h = options.hidden;
    forward_net_ = register_module(
        "forward_encoder", Mlp(MlpOptions{options.feature_size, h, 1, h}));
    forward_scorer_ =
        register_module("forward_scorer", Mlp(MlpOptions{2 * h, h, 1, 1}));
    backward_net_ = register_module(
        "backward_encoder", Mlp(MlpOptions{options.feature_size, h, 1, h}));
    backward_scorer_ =
        register_module("backward_scorer", Mlp(MlpOptions{2 * h, h, 1, 1}));
    flow_net_ = register_module(
        "flow_net",
        Mlp(MlpOptions{options.feature_size, h, options.layers, 1}));
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
  assert(options_.architecture != PolicyArchitecture::kStatePair &&
         "a state-pair policy reads a NetworkInput with neighbours");
  if (options_.architecture == PolicyArchitecture::kSeparate) {
    return PolicyOutputs{forward_net_->forward(features),
                         backward_net_->forward(features),
                         flow_net_->forward(features).squeeze(-1)};
  }
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
  if (options_.architecture == PolicyArchitecture::kStatePair) {
    return StatePairForward(input);
  }
  return forward(input.features);
}

namespace {

// Scores each neighbour n of each state s: scorer(enc(s), enc(n)).
// features [..., F], neighbours [..., K, F] -> [..., K].
torch::Tensor ScorePairs(Mlp& encoder, Mlp& scorer,
                         const torch::Tensor& features,
                         const torch::Tensor& neighbours) {
  torch::Tensor own = encoder->forward(features).unsqueeze(-2);
  torch::Tensor others = encoder->forward(neighbours);
  return scorer->forward(torch::cat({own.expand_as(others), others}, -1))
      .squeeze(-1);
}

}  // namespace

PolicyOutputs PolicyNetImpl::StatePairForward(const NetworkInput& input) {
  assert(input.forward_neighbours.defined() &&
         input.backward_neighbours.defined() &&
         "a state-pair policy needs its input's neighbours");
  return PolicyOutputs{
      ScorePairs(forward_net_, forward_scorer_, input.features,
                 input.forward_neighbours),
      ScorePairs(backward_net_, backward_scorer_, input.features,
                 input.backward_neighbours),
      flow_net_->forward(input.features).squeeze(-1)};
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
