// Masked log-softmax: invalid actions get -inf before normalising (DESIGN §2).
// Every row must have at least one valid action; rows that are padding must
// be given an all-valid mask by the caller so that no NaN is ever produced
// (a NaN in a discarded row still poisons gradients through log_softmax).
#ifndef LEDGFN_MODEL_MASKING_H_
#define LEDGFN_MODEL_MASKING_H_

#include <torch/torch.h>

namespace ledgfn {

// logits: [..., A] float, mask: [..., A] bool (true = valid).
inline torch::Tensor MaskedLogSoftmax(const torch::Tensor& logits,
                                      const torch::Tensor& mask) {
  return logits.masked_fill(mask.logical_not(),
                            -std::numeric_limits<float>::infinity())
      .log_softmax(-1);
}

}  // namespace ledgfn

#endif  // LEDGFN_MODEL_MASKING_H_
