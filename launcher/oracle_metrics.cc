#include "launcher/oracle_metrics.h"

#include <string>

#include "launcher/metrics_endpoint.h"

namespace ledgfn {

OracleMetrics::OracleMetrics(prometheus::Registry& r, int workers)
    : dockings_(AddCounter(r, "ledgfn_oracle_dockings_total",
                           "Molecules docked (not from the cache), failed ones "
                           "included.", {})),
      cache_hits_(AddCounter(r, "ledgfn_oracle_cache_hits_total",
                             "Molecules answered from the docking cache.", {})),
      cached_molecules_(AddGauge(r, "ledgfn_oracle_cached_molecules",
                                 "Molecules in the docking cache.", {})),
      docking_seconds_(prometheus::BuildHistogram()
                           .Name("ledgfn_oracle_docking_seconds")
                           .Help("Wall time of one docking (conformer, PDBQT, Vina).")
                           .Register(r)
                           .Add({}, prometheus::Histogram::BucketBoundaries{
                                        0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30,
                                        60, 120, 300, 600})),
      requests_(AddCounter(r, "ledgfn_oracle_requests_total",
                           "Evaluate calls, by result.", {{"result", "ok"}})),
      refused_(AddCounter(r, "ledgfn_oracle_requests_total",
                          "Evaluate calls, by result.", {{"result", "refused"}})),
      objects_(AddCounter(r, "ledgfn_oracle_objects_total",
                          "Energies returned (answered calls).", {})),
      workers_(AddGauge(r, "ledgfn_oracle_workers",
                        "Dockings the server runs at once (--docking_workers).", {})) {
  for (int k = 0; k < kDockingFailureKinds; ++k) {
    failures_[k] = &AddCounter(
        r, "ledgfn_oracle_docking_failures_total",
        "Molecules given the penalty energy, by reason.",
        {{"reason", DockingFailureName(static_cast<DockingFailure>(k))}});
  }
  workers_.Set(workers);
}

void OracleMetrics::ObserveDocking(absl::Duration took) {
  docking_seconds_.Observe(absl::ToDoubleSeconds(took));
}

void OracleMetrics::Refresh(const DockingStats& docking,
                            const OracleServiceCounters& service) {
  AdvanceCounter(dockings_, docking.docked);
  for (int k = 0; k < kDockingFailureKinds; ++k) {
    AdvanceCounter(*failures_[k], docking.failures[k]);
  }
  AdvanceCounter(cache_hits_, docking.cache_hits);
  cached_molecules_.Set(docking.cached_molecules);
  AdvanceCounter(requests_, service.requests);
  AdvanceCounter(refused_, service.refused);
  AdvanceCounter(objects_, service.objects);
}

}  // namespace ledgfn
