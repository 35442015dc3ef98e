// Wraps an energy oracle and meters it: how many objects (terminal objects
// and partial states alike) it evaluated and the wall time its calls took.
// This is the "oracle calls" cost that LED-GFN saves over FL-GFN (DESIGN
// §2.1): LED needs one energy per trajectory, FL one per state.
//
// Contract: thread-safe (concurrent calls are counted exactly; their times
// add up, so with concurrent callers `seconds` is oracle time, not elapsed
// time). Failed calls count their time but no objects. `on_call`, when set,
// runs after every call with its object count and duration (the actor
// observes its latency histogram there); it must be thread-safe too.
#ifndef LEDGFN_ACTOR_METERED_ORACLE_H_
#define LEDGFN_ACTOR_METERED_ORACLE_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <utility>

#include "absl/time/time.h"
#include "actor/energy_oracle.h"

namespace ledgfn {

struct OracleUsage {
  int64_t objects = 0;  // energies computed
  double seconds = 0;   // total time inside the oracle
};

class MeteredOracle : public EnergyOracle {
 public:
  using OnCall = std::function<void(int64_t objects, absl::Duration took)>;

  explicit MeteredOracle(EnergyOracle& inner, OnCall on_call = nullptr)
      : inner_(inner), on_call_(std::move(on_call)) {}

  absl::StatusOr<std::vector<double>> Energies(
      absl::Span<const State> objects) override;
  absl::StatusOr<std::vector<double>> PartialEnergies(
      absl::Span<const State> states) override;

  OracleUsage usage() const;

 private:
  using Call = absl::StatusOr<std::vector<double>> (EnergyOracle::*)(
      absl::Span<const State>);
  absl::StatusOr<std::vector<double>> Metered(absl::Span<const State> items,
                                              Call call);

  EnergyOracle& inner_;
  OnCall on_call_;
  std::atomic<int64_t> objects_{0};
  std::atomic<int64_t> nanoseconds_{0};
};

}  // namespace ledgfn

#endif  // LEDGFN_ACTOR_METERED_ORACLE_H_
