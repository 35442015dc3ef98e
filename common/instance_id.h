// The identity of one problem instance of a multi-instance task (e.g. one
// MIS graph): its family and its seed. Any process that knows the family can
// rebuild the instance from the id alone, so trajectories carry the id and
// never the instance itself (DESIGN §3, `mis`).
//
// Single-instance tasks (bag, hypergrid, set, molecule) use the empty id.
#ifndef LEDGFN_COMMON_INSTANCE_ID_H_
#define LEDGFN_COMMON_INSTANCE_ID_H_

#include <cstdint>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"

namespace ledgfn {

struct InstanceId {
  std::string family;  // empty for single-instance tasks
  uint64_t seed = 0;

  bool empty() const { return family.empty(); }
  std::string ToString() const {
    return empty() ? std::string("(none)") : absl::StrCat(family, "#", seed);
  }
  friend bool operator==(const InstanceId& a, const InstanceId& b) {
    return a.family == b.family && a.seed == b.seed;
  }
  friend bool operator!=(const InstanceId& a, const InstanceId& b) {
    return !(a == b);
  }
  template <typename H>
  friend H AbslHashValue(H h, const InstanceId& id) {
    return H::combine(std::move(h), id.family, id.seed);
  }
};

}  // namespace ledgfn

#endif  // LEDGFN_COMMON_INSTANCE_ID_H_
