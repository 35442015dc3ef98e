// The docking oracle: the molecule task's energies from AutoDock Vina
// (DESIGN §3, molecules). A molecule (terminal or partial state) becomes its
// canonical SMILES (the task's ToString), a 3D ligand (ligand_pdbqt.h) and
// one Vina docking (vina_process.h) against the receptor and box given;
//
//   energy = clip(best affinity, min_affinity, max_affinity) / temperature
//
// in kcal/mol, so a tighter binder has a lower energy (a higher reward).
// A molecule that cannot be read, embedded, written or docked, or whose
// docking times out, gets the penalty energy max_affinity / temperature and
// counts under its DockingFailure; it never fails the call (one bad molecule
// must not cost a batch).
//
// Dockings are expensive (seconds of CPU each), so results are cached by
// canonical SMILES (in memory, and appended to `cache_path` when set: a
// restarted oracle reloads it), and a molecule another call is docking right
// now is waited for, not docked twice. Timeouts are not cached (a busier
// machine may finish next time). At most `workers` dockings run at once
// across all concurrent calls; a call docks its distinct uncached molecules in
// parallel.
// Shutdown() kills the dockings under way and fails the calls waiting on
// them (UNAVAILABLE), so a stopping server never answers with penalties it
// did not mean. Thread-safe.
#ifndef LEDGFN_ORACLE_DOCKING_ORACLE_H_
#define LEDGFN_ORACLE_DOCKING_ORACLE_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <fstream>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "actor/energy_oracle.h"
#include "oracle/vina_process.h"
#include "tasks/task.h"

namespace ledgfn {

// Why a molecule got the penalty energy.
enum class DockingFailure {
  kInvalidMolecule,  // RDKit cannot read or sanitise its SMILES
  kEmbedding,        // no 3D conformer
  kLigandFile,       // OpenBabel cannot write its PDBQT
  kVina,             // Vina failed or wrote no pose
  kTimeout,          // Vina ran past the timeout and was killed
};
inline constexpr int kDockingFailureKinds = 5;
// "invalid_molecule", "embedding", "ligand_file", "vina", "timeout".
const char* DockingFailureName(DockingFailure failure);

struct DockingOptions {
  std::string receptor;     // PDBQT, or PDBQT.gz (vina_box.h)
  std::string box_config;   // a Vina config with center_* and size_*
  std::string program = "vina";
  int exhaustiveness = 1;
  int seed = 1;             // Vina's and the conformer's
  absl::Duration timeout = absl::Minutes(5);  // per docking
  int workers = 1;          // dockings at once (one core each)
  std::string cache_path;   // "" keeps the cache in memory only
  std::string work_dir;     // "" makes (and later removes) one under $TMPDIR
  double min_affinity = -20;  // kcal/mol; affinities are clipped to
  double max_affinity = 0;    // [min, max]; max is also the penalty
  double temperature = 1;     // kcal/mol per energy unit
};

// Defaults for the receptor and box: the Debian test data (vina_box.h).
DockingOptions DebianTestTarget();

struct DockingResult {
  double energy = 0;
  std::optional<double> affinity;         // kcal/mol, when docked
  std::optional<DockingFailure> failure;  // when penalised
  std::string message;                    // the failure's reason
  bool cached = false;      // answered without docking it for this call
  bool cancelled = false;   // by Shutdown(): no energy at all
};

struct DockingStats {
  int64_t docked = 0;      // dockings run (successful or not)
  int64_t cache_hits = 0;  // answered from the cache or another call's docking
  std::array<int64_t, kDockingFailureKinds> failures = {};
  int64_t cached_molecules = 0;  // entries in the cache
};

class DockingOracle : public EnergyOracle {
 public:
  // Checks the options, that ligands can be made (RDKit and OpenBabel's
  // plugins: FAILED_PRECONDITION otherwise, e.g. in a build without the
  // chemistry), that `program` can be found, reads the box and the
  // receptor, makes the work directory and loads the cache file (lines it
  // cannot read are skipped and counted in a warning). INVALID_ARGUMENT /
  // NOT_FOUND naming what is wrong; FAILED_PRECONDITION for a task other
  // than the molecule task.
  static absl::StatusOr<std::unique_ptr<DockingOracle>> Create(
      const Task& task, DockingOptions options);
  ~DockingOracle() override;

  // One energy per molecule, in order (docked in parallel, see above);
  // UNAVAILABLE once Shutdown() was called.
  absl::StatusOr<std::vector<double>> Energies(
      absl::Span<const State> objects) override;
  // The same for partial molecules; s_0 (no block) gets the penalty.
  absl::StatusOr<std::vector<double>> PartialEnergies(
      absl::Span<const State> states) override;

  // The docking of one molecule given as SMILES (from the cache if there).
  DockingResult Dock(const std::string& smiles);
  // Results for several molecules, docked in parallel, in order.
  std::vector<DockingResult> DockAll(const std::vector<std::string>& smiles);

  // Kills the dockings under way and makes every docking not yet done
  // return `cancelled`; for a server that stops. Irreversible.
  void Shutdown();

  double EnergyOfAffinity(double affinity) const;
  double penalty_energy() const { return EnergyOfAffinity(options_.max_affinity); }
  DockingStats Stats() const;
  // The `k` best-binding molecules docked so far (or reloaded from the
  // cache file): canonical SMILES and affinity, best first.
  std::vector<std::pair<std::string, double>> BestMolecules(int k) const;
  const DockingOptions& options() const { return options_; }
  // Called after every docking that ran (not for cache hits), on the
  // docking's thread, with its wall time. Set it before the first call.
  void SetObserver(std::function<void(absl::Duration)> observer) {
    observer_ = std::move(observer);
  }

 private:
  DockingOracle(const Task& task, DockingOptions options, VinaSettings vina,
                bool owns_work_dir);
  absl::Status LoadCache();
  // A docking under way: concurrent callers for the same molecule wait on
  // it instead of docking it again.
  struct Pending {
    absl::Notification done;
    DockingResult result;  // set before `done`
  };

  // Runs one docking (a worker slot held), no cache.
  DockingResult DockUncached(const std::string& smiles);
  // Ends the docking of `smiles` under way: frees its worker slot (when it
  // held one), counts it and caches its result.
  void Finish(const std::string& smiles, const DockingResult& result,
              bool held_worker);
  bool HasFreeWorkerOrShutdown() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return free_workers_ > 0 || shutdown_.load();
  }

  const Task& task_;
  const DockingOptions options_;
  const VinaSettings vina_;
  const bool owns_work_dir_;
  std::function<void(absl::Duration)> observer_;
  std::atomic<int64_t> next_file_{0};
  std::atomic<bool> shutdown_{false};

  mutable absl::Mutex mu_;
  int free_workers_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, DockingResult> cache_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, std::shared_ptr<Pending>> pending_
      ABSL_GUARDED_BY(mu_);
  std::ofstream cache_file_ ABSL_GUARDED_BY(mu_);
  DockingStats stats_ ABSL_GUARDED_BY(mu_);
};

}  // namespace ledgfn

#endif  // LEDGFN_ORACLE_DOCKING_ORACLE_H_
