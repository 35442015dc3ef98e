#include "common/model/potential_net.h"

namespace ledgfn {

PotentialNetImpl::PotentialNetImpl(const PotentialNetOptions& options) {
  mlp_ = register_module(
      "mlp", Mlp(MlpOptions{2 * options.feature_size, options.hidden,
                            options.layers, 1}));
}

torch::Tensor PotentialNetImpl::forward(const torch::Tensor& from,
                                        const torch::Tensor& to) {
  return mlp_->forward(torch::cat({from, to}, -1)).squeeze(-1);
}

}  // namespace ledgfn
