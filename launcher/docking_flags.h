// The docking oracle's flags (oracle/docking_oracle.h), shared by `ledgfn
// train --energy=docking` and the `ledgfn_oracle` server: the receptor and
// box (default: Debian's autodock-vina test data), Vina's exhaustiveness and
// seed, the per-docking timeout, the worker count, the cache file and the
// affinity-to-energy transform.
#ifndef LEDGFN_LAUNCHER_DOCKING_FLAGS_H_
#define LEDGFN_LAUNCHER_DOCKING_FLAGS_H_

#include <memory>

#include "absl/status/statusor.h"
#include "oracle/docking_oracle.h"

namespace ledgfn {

// The options the flags give; INVALID_ARGUMENT for a timeout that is not a
// positive number of seconds. DockingOracle::Create checks the rest.
absl::StatusOr<DockingOptions> DockingOptionsFromFlags();

// The docking oracle a run that docks itself uses (`ledgfn train`, an actor
// without --oracle_address): null unless `task` is the molecule task with
// --molecule_energy=docking; the errors of DockingOracle::Create otherwise.
absl::StatusOr<std::unique_ptr<DockingOracle>> DockingOracleFromFlags(
    const Task& task);

}  // namespace ledgfn

#endif  // LEDGFN_LAUNCHER_DOCKING_FLAGS_H_
