// The docking oracle's flags (oracle/docking_oracle.h), shared by `ledgfn
// train --energy=docking` and the `ledgfn_oracle` server: the receptor and
// box (default: Debian's autodock-vina test data), Vina's exhaustiveness and
// seed, the per-docking timeout, the worker count, the cache file and the
// affinity-to-energy transform.
#ifndef LEDGFN_LAUNCHER_DOCKING_FLAGS_H_
#define LEDGFN_LAUNCHER_DOCKING_FLAGS_H_

#include "absl/status/statusor.h"
#include "oracle/docking_oracle.h"

namespace ledgfn {

// The options the flags give; INVALID_ARGUMENT for a timeout that is not a
// positive number of seconds. DockingOracle::Create checks the rest.
absl::StatusOr<DockingOptions> DockingOptionsFromFlags();

}  // namespace ledgfn

#endif  // LEDGFN_LAUNCHER_DOCKING_FLAGS_H_
