// Flattening a module's parameters into one float vector and back: the
// format in which the learner publishes policy versions and actors load them
// (in-process or over gRPC). The order is the module's `parameters()` order,
// which is fixed by construction for a given set of options.
#ifndef LEDGFN_MODEL_FLAT_WEIGHTS_H_
#define LEDGFN_MODEL_FLAT_WEIGHTS_H_

#include <torch/torch.h>

#include <vector>

#include "absl/status/status.h"
#include "absl/types/span.h"

namespace ledgfn {

// Copies every parameter (on any device) into one host vector, with one
// device-to-host copy of all of them.
std::vector<float> FlattenParameters(torch::nn::Module& module);

// Overwrites the module's parameters; INVALID_ARGUMENT when the size differs.
absl::Status LoadFlatParameters(torch::nn::Module& module,
                                absl::Span<const float> flat);

}  // namespace ledgfn

#endif  // LEDGFN_MODEL_FLAT_WEIGHTS_H_
