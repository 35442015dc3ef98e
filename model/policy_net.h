// The GFlowNet policy (DESIGN §2): a shared trunk on state features and one
// fused output layer that yields, per state,
//   * P_F logits over the task's forward actions,
//   * P_B logits over its backward actions (ignored when P_B is uniform),
//   * the log-flow log F(s) (log F~(s) for credit-based objectives),
// plus a separate learned scalar log Z (optimised with its own learning rate).
//
// Three modes, fixed by the options:
//  * vector tasks (num_node_labels == 0), by `architecture`:
//    - kSharedTrunk: an MLP trunk on the state features and one fused output
//      layer;
//    - kSeparate: three MLPs of the trunk's shape on the features, one each
//      for the P_F logits, the P_B logits and the log-flow;
//    - kStatePair (the paper's code's "ssr" policies): the logit of forward
//      action a at s is scorer_F(enc_F(f(s)), enc_F(f(s'))) for its child s'
//      (s itself for the stop), of backward action b scorer_B(enc_B(f(s)),
//      enc_B(f(p))) for its parent p, where each encoder is an MLP with one
//      hidden layer of width `hidden` to an embedding of width `hidden`, and
//      each scorer one with one hidden layer on the two embeddings; the
//      log-flow is a separate MLP of the trunk's shape. Its input must carry
//      the neighbours' features (network_input.h: needs_neighbours());
//  * graph tasks (num_node_labels > 0): a GIN (gin.h) of depth `layers` and
//    width `hidden` over the node labels; a per-node Linear(hidden, 2) gives
//    node v's forward and backward logit (action v acts on node v), padded
//    to [..., max_nodes] with zeros, and the log-flow is an MLP with one
//    hidden layer on the mean of the node embeddings;
//  * fragment-tree tasks (fragment_tree.max_blocks > 0): a FragmentEncoder
//    (fragment_encoder.h) of depth `layers` and width `hidden` over the
//    tree's blocks; a per-node Linear(hidden, S * V + S) gives each block's
//    attach and removal logits, an MLP with one hidden layer on the mean of
//    the node embeddings (0 for s_0) the first-fragment, stop and
//    root-removal logits and the log-flow, assembled into the vector mode's
//    shapes by FragmentPolicyOutputs (fragment_actions.h).
//
// Logits are unmasked; callers mask with `MaskedLogSoftmax` (masking.h). In
// graph mode the padding logits must be masked out by the caller too, and in
// fragment mode the (zero) logits of actions on empty slots.
#ifndef LEDGFN_MODEL_POLICY_NET_H_
#define LEDGFN_MODEL_POLICY_NET_H_

#include <torch/torch.h>

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

#include "tasks/molecule/fragment_tree.h"
#include "model/fragment_encoder.h"
#include "model/gin.h"
#include "model/mlp.h"
#include "model/network_input.h"
#include "tasks/task.h"

namespace ledgfn {

enum class PolicyArchitecture { kSharedTrunk, kSeparate, kStatePair };
// "shared", "separate" or "state_pair"; INVALID_ARGUMENT otherwise.
absl::StatusOr<PolicyArchitecture> ParsePolicyArchitecture(
    absl::string_view name);

struct PolicyNetOptions {
  // Vector mode only (graph mode: one logit per node, whatever the graph).
  int64_t feature_size = 0;
  int64_t num_forward_actions = 0;
  int64_t num_backward_actions = 0;
  int64_t hidden = 256;
  int64_t layers = 2;  // hidden layers in the trunk (graph: GIN layers), >= 1
  // 0 = vector mode; > 0 = graph mode over this many node labels.
  int64_t num_node_labels = 0;
  // max_blocks > 0 = fragment-tree mode over this layout (then
  // num_forward_actions and num_backward_actions are the layout's).
  FragmentTreeLayout fragment_tree;
  // Vector mode's networks (graph and fragment modes ignore it).
  PolicyArchitecture architecture = PolicyArchitecture::kSharedTrunk;

  bool fragment_mode() const { return fragment_tree.max_blocks > 0; }
  // Whether the network reads its states' neighbours (BuildNetworkInput's
  // `neighbours`).
  bool needs_neighbours() const {
    return num_node_labels == 0 && !fragment_mode() &&
           architecture == PolicyArchitecture::kStatePair;
  }
};

// The options for `task`'s kind: graph mode iff task.graph_states() !=
// nullptr, else fragment-tree mode iff task.fragment_tree_layout() !=
// nullptr.
// `architecture` applies to vector mode only.
PolicyNetOptions PolicyNetOptionsFor(
    const Task& task, int64_t hidden, int64_t layers,
    PolicyArchitecture architecture = PolicyArchitecture::kSharedTrunk);

struct PolicyOutputs {
  torch::Tensor forward_logits;   // [..., num_forward_actions or max_nodes]
  torch::Tensor backward_logits;  // [..., num_backward_actions or max_nodes]
  torch::Tensor log_flow;         // [...]
};

class PolicyNetImpl : public torch::nn::Module {
 public:
  explicit PolicyNetImpl(const PolicyNetOptions& options);

  // Vector mode. features: [..., feature_size] -> outputs with the same
  // leading shape.
  PolicyOutputs forward(const torch::Tensor& features);
  // Any mode; the input's kind must match the network's (a state input,
  // label_columns == 1, in graph mode; states, not transitions, in fragment
  // mode). Outputs have leading shape input.shape in graph and fragment
  // mode, the features' leading shape in vector mode.
  PolicyOutputs forward(const NetworkInput& input);

  // Parameters of the trunk and heads, without log Z (its learning rate
  // differs).
  std::vector<torch::Tensor> network_parameters();
  torch::Tensor& log_z() { return log_z_; }
  const torch::Tensor& log_z() const { return log_z_; }
  const PolicyNetOptions& options() const { return options_; }

 private:
  PolicyOutputs GraphForward(const NetworkInput& input);
  PolicyOutputs FragmentForward(const NetworkInput& input);
  PolicyOutputs StatePairForward(const NetworkInput& input);

  PolicyNetOptions options_;
  // Vector mode (the only modules registered in that mode, in this order).
  torch::nn::Sequential trunk_;
  torch::nn::Linear head_{nullptr};
  // Vector mode with separate networks (state pairs: encoders and scorers).
  Mlp forward_net_{nullptr};
  Mlp backward_net_{nullptr};
  Mlp flow_net_{nullptr};
  Mlp forward_scorer_{nullptr};
  Mlp backward_scorer_{nullptr};
  // Graph mode.
  Gin gin_{nullptr};
  torch::nn::Linear node_head_{nullptr};
  Mlp flow_head_{nullptr};
  // Fragment-tree mode (node_head_ too).
  FragmentEncoder encoder_{nullptr};
  Mlp row_head_{nullptr};
  torch::Tensor log_z_;
};
TORCH_MODULE(PolicyNet);

}  // namespace ledgfn

#endif  // LEDGFN_MODEL_POLICY_NET_H_
