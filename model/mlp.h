// A plain multilayer perceptron: `layers` hidden Linear+LeakyReLU blocks of
// width `hidden`, then a Linear output layer. The policy trunk, the potential
// network r_phi and the heads are all built from it so that "same widths as
// the policy trunk" (DESIGN §2.2) holds by construction.
#ifndef LEDGFN_MODEL_MLP_H_
#define LEDGFN_MODEL_MLP_H_

#include <torch/torch.h>

namespace ledgfn {

struct MlpOptions {
  int64_t input = 0;
  int64_t hidden = 256;
  int64_t layers = 2;  // number of hidden layers; 0 gives a linear map
  int64_t output = 1;
};

class MlpImpl : public torch::nn::Module {
 public:
  explicit MlpImpl(const MlpOptions& options);
  torch::Tensor forward(torch::Tensor x);

 private:
  torch::nn::Sequential layers_;
};
TORCH_MODULE(Mlp);

}  // namespace ledgfn

#endif  // LEDGFN_MODEL_MLP_H_
