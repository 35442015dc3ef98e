// Gradient-norm clipping that stays on the gradients' device.
//
// ClipGradNorm scales the gradients of `params` by min(1, max_norm /
// (‖g‖₂ + 1e-6)), where ‖g‖₂ is the 2-norm of all their gradients together:
// the same operations, hence the same values, as LibTorch's
// torch::nn::utils::clip_grad_norm_(params, max_norm). Unlike that function
// it never reads the norm back to the host, so on CUDA a training step does
// not wait for the device here (LibTorch returns the norm as a double, which
// synchronises). Parameters without a gradient are left alone.
#ifndef LEDGFN_LEARNER_GRAD_CLIP_H_
#define LEDGFN_LEARNER_GRAD_CLIP_H_

#include <torch/torch.h>

#include <vector>

namespace ledgfn {

void ClipGradNorm(const std::vector<torch::Tensor>& params, double max_norm);

}  // namespace ledgfn

#endif  // LEDGFN_LEARNER_GRAD_CLIP_H_
