// The potential network r_phi of LED-GFN (DESIGN §2.2): one scalar potential
// phi_t per transition s_t -> s_{t+1}. Three modes, fixed by the options:
//  * vector tasks (num_node_labels == 0): an MLP with the policy trunk's
//    widths on concat(features(s_t), features(s_{t+1}));
//  * graph tasks (num_node_labels > 0): a GIN (gin.h) of depth `layers` and
//    width `hidden` over both label columns (each node's labels in s_t and
//    s_{t+1}), max-pooled over the nodes, then Linear(hidden, 1);
//  * fragment-tree tasks (fragment_tree.max_blocks > 0): a FragmentEncoder
//    (fragment_encoder.h) of depth `layers` and width `hidden` over the
//    transition's blocks (those of s_{t+1}, the added one flagged),
//    max-pooled (0 for no block), then Linear(hidden, 1).
#ifndef LEDGFN_MODEL_POTENTIAL_NET_H_
#define LEDGFN_MODEL_POTENTIAL_NET_H_

#include <torch/torch.h>

#include <cstdint>

#include "tasks/molecule/fragment_tree.h"
#include "model/fragment_encoder.h"
#include "model/gin.h"
#include "model/mlp.h"
#include "model/network_input.h"
#include "tasks/task.h"

namespace ledgfn {

struct PotentialNetOptions {
  int64_t feature_size = 0;  // of one state; vector mode only
  int64_t hidden = 256;
  int64_t layers = 2;  // MLP hidden layers (graph: GIN layers)
  // 0 = vector mode; > 0 = graph mode over this many node labels.
  int64_t num_node_labels = 0;
  // max_blocks > 0 = fragment-tree mode over this layout.
  FragmentTreeLayout fragment_tree;
};

// The options for `task`'s kind, as PolicyNetOptionsFor's.
PotentialNetOptions PotentialNetOptionsFor(const Task& task, int64_t hidden,
                                           int64_t layers);

class PotentialNetImpl : public torch::nn::Module {
 public:
  explicit PotentialNetImpl(const PotentialNetOptions& options);

  // transitions (of the network's kind; graph: label_columns == 2) -> phi.
  // Vector mode: features [..., 2 * feature_size] -> [...]; graph and
  // fragment mode: -> [transitions.shape...].
  torch::Tensor forward(const NetworkInput& transitions);

 private:
  // Vector mode (the only module registered in that mode).
  Mlp mlp_{nullptr};
  // Graph mode.
  Gin gin_{nullptr};
  torch::nn::Linear readout_{nullptr};
  // Fragment-tree mode (readout_ too).
  FragmentEncoder encoder_{nullptr};
};
TORCH_MODULE(PotentialNet);

}  // namespace ledgfn

#endif  // LEDGFN_MODEL_POTENTIAL_NET_H_
