// The potential network r_phi of LED-GFN (DESIGN §2.2): an MLP with the
// policy trunk's widths on concat(features(s_t), features(s_{t+1})) giving one
// scalar potential phi_t per transition.
#ifndef LEDGFN_COMMON_MODEL_POTENTIAL_NET_H_
#define LEDGFN_COMMON_MODEL_POTENTIAL_NET_H_

#include <torch/torch.h>

#include "common/model/mlp.h"

namespace ledgfn {

struct PotentialNetOptions {
  int64_t feature_size = 0;
  int64_t hidden = 256;
  int64_t layers = 2;
};

class PotentialNetImpl : public torch::nn::Module {
 public:
  explicit PotentialNetImpl(const PotentialNetOptions& options);

  // from, to: [..., feature_size] -> phi: [...].
  torch::Tensor forward(const torch::Tensor& from, const torch::Tensor& to);

 private:
  Mlp mlp_{nullptr};
};
TORCH_MODULE(PotentialNet);

}  // namespace ledgfn

#endif  // LEDGFN_COMMON_MODEL_POTENTIAL_NET_H_
