// A published policy version as the learner hands it to actors: flat float
// parameters (see model/flat_weights.h) and a monotonic version.
#ifndef LEDGFN_COMMON_POLICY_WEIGHTS_H_
#define LEDGFN_COMMON_POLICY_WEIGHTS_H_

#include <cstdint>
#include <memory>
#include <vector>

namespace ledgfn {

struct PolicyWeights {
  int64_t version = 0;
  std::vector<float> values;
};

// Where an actor gets the newest complete policy version. Implementations
// are thread-safe; Latest() never blocks for long and returns null while no
// version exists yet.
class WeightSource {
 public:
  virtual ~WeightSource() = default;
  virtual std::shared_ptr<const PolicyWeights> Latest() = 0;
};

}  // namespace ledgfn

#endif  // LEDGFN_COMMON_POLICY_WEIGHTS_H_
