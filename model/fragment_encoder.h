// The message-passing encoder of fragment trees (fragment_batch.h), shared by
// the fragment-mode policy and potential networks:
//
//   h_v^0 = Linear(x_v)                                         [hidden]
//   m_v   = sum_{u -> v} ( h_u + EdgeLinear_l(e_uv) )
//   h_v^l = LayerNorm_l( h_v + MLP_l(h_v + m_v) )               l = 1..layers
//   MLP_l = Linear -> LeakyReLU -> Linear (mlp.h, one hidden layer)
//
// The sum runs over the union's directed edges (index_add), which join only
// nodes of one row, so a disjoint union of trees gives exactly the
// embeddings of each tree alone. LayerNorm is per node (no batch
// statistics), for the same reason as in gin.h.
#ifndef LEDGFN_MODEL_FRAGMENT_ENCODER_H_
#define LEDGFN_MODEL_FRAGMENT_ENCODER_H_

#include <torch/torch.h>

#include <cstdint>

#include "model/fragment_batch.h"

namespace ledgfn {

struct FragmentEncoderOptions {
  int64_t node_features = 0;  // FragmentNodeFeatureSize
  int64_t edge_features = 0;  // 2 * max_stems
  int64_t hidden = 256;
  int64_t layers = 2;  // >= 1
};

class FragmentEncoderImpl : public torch::nn::Module {
 public:
  explicit FragmentEncoderImpl(const FragmentEncoderOptions& options);
  // -> [N, hidden] node embeddings of the last layer.
  torch::Tensor forward(const FragmentBatch& batch);

 private:
  FragmentEncoderOptions options_;
  torch::nn::Linear input_{nullptr};
  torch::nn::ModuleList edges_;  // Linear(edge_features, hidden) per layer
  torch::nn::ModuleList mlps_;   // Mlp per layer
  torch::nn::ModuleList norms_;  // LayerNorm per layer
};
TORCH_MODULE(FragmentEncoder);

}  // namespace ledgfn

#endif  // LEDGFN_MODEL_FRAGMENT_ENCODER_H_
