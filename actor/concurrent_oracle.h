// Runs another oracle's calls on several threads at once (DESIGN §2.3): a
// batch of objects is split into `threads` contiguous parts evaluated
// concurrently, so a slow oracle (a docking run, a remote service, or
// --oracle_latency_ms) costs about 1/threads of its serial time per batch.
// The wrapped oracle must be thread-safe.
#ifndef LEDGFN_ACTOR_CONCURRENT_ORACLE_H_
#define LEDGFN_ACTOR_CONCURRENT_ORACLE_H_

#include "actor/energy_oracle.h"

namespace ledgfn {

class ConcurrentOracle : public EnergyOracle {
 public:
  ConcurrentOracle(EnergyOracle& inner, int threads)
      : inner_(inner), threads_(threads < 1 ? 1 : threads) {}

  absl::StatusOr<std::vector<double>> Energies(
      absl::Span<const State> objects) override;
  absl::StatusOr<std::vector<double>> PartialEnergies(
      absl::Span<const State> states) override;

 private:
  using Call = absl::StatusOr<std::vector<double>> (EnergyOracle::*)(
      absl::Span<const State>);
  absl::StatusOr<std::vector<double>> Split(absl::Span<const State> items,
                                            Call call);

  EnergyOracle& inner_;
  int threads_;
};

}  // namespace ledgfn

#endif  // LEDGFN_ACTOR_CONCURRENT_ORACLE_H_
