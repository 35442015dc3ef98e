#include "launcher/docking_flags.h"

#include <cmath>
#include <string>
#include <thread>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "tasks/molecule/molecule_task.h"

ABSL_FLAG(std::string, receptor,
          absl::StrCat(ledgfn::kDebianVinaTestData, "/protein.pdbqt.gz"),
          "Docking: the receptor, PDBQT or PDBQT.gz (default: the Abl kinase "
          "of Debian's autodock-vina test data).");
ABSL_FLAG(std::string, box,
          absl::StrCat(ledgfn::kDebianVinaTestData, "/conf.txt"),
          "Docking: a Vina config file giving the search box (center_x/y/z, "
          "size_x/y/z in Angstrom; other keys are ignored).");
ABSL_FLAG(std::string, vina, "vina", "Docking: the AutoDock Vina program.");
ABSL_FLAG(int, exhaustiveness, 1,
          "Docking: Vina's search effort per molecule (Vina's default is 8; "
          "time grows about linearly).");
ABSL_FLAG(int, docking_seed, 1,
          "Docking: the seed of Vina's search and of each molecule's 3D "
          "conformer (same molecule and seed, same affinity).");
ABSL_FLAG(double, docking_timeout_s, 300,
          "Docking: a docking running longer is killed and the molecule gets "
          "the penalty energy (reason 'timeout').");
ABSL_FLAG(int, docking_workers, 0,
          "Docking: dockings run at once, one core each (0 = every core).");
ABSL_FLAG(std::string, docking_cache, "",
          "Docking: a file that keeps every result by canonical SMILES "
          "(appended; reloaded at start) so no molecule is docked twice "
          "across runs. Empty: in memory only.");
ABSL_FLAG(double, min_affinity, -20,
          "Docking: affinities (kcal/mol) are clipped to [min_affinity, "
          "max_affinity] before energy = affinity / docking_temperature.");
ABSL_FLAG(double, max_affinity, 0,
          "Docking: the upper clip, also the penalty affinity of molecules "
          "that cannot be docked.");
ABSL_FLAG(double, docking_temperature, 1,
          "Docking: kcal/mol per energy unit (> 0); with --reward_exponent "
          "beta the reward is exp(-beta * affinity / temperature).");

namespace ledgfn {

absl::StatusOr<DockingOptions> DockingOptionsFromFlags() {
  DockingOptions o;
  o.receptor = absl::GetFlag(FLAGS_receptor);
  o.box_config = absl::GetFlag(FLAGS_box);
  o.program = absl::GetFlag(FLAGS_vina);
  o.exhaustiveness = absl::GetFlag(FLAGS_exhaustiveness);
  o.seed = absl::GetFlag(FLAGS_docking_seed);
  const double timeout = absl::GetFlag(FLAGS_docking_timeout_s);
  if (!(timeout > 0) || !std::isfinite(timeout)) {
    return absl::InvalidArgumentError("--docking_timeout_s must be > 0");
  }
  o.timeout = absl::Seconds(timeout);
  const int workers = absl::GetFlag(FLAGS_docking_workers);
  if (workers < 0) {
    return absl::InvalidArgumentError(
        "--docking_workers must be >= 0 (0 = every core)");
  }
  o.workers = workers > 0
                  ? workers
                  : std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  o.cache_path = absl::GetFlag(FLAGS_docking_cache);
  o.min_affinity = absl::GetFlag(FLAGS_min_affinity);
  o.max_affinity = absl::GetFlag(FLAGS_max_affinity);
  o.temperature = absl::GetFlag(FLAGS_docking_temperature);
  return o;
}

absl::StatusOr<std::unique_ptr<DockingOracle>> DockingOracleFromFlags(
    const Task& task) {
  const auto* molecules = dynamic_cast<const MoleculeTask*>(&task);
  if (molecules == nullptr ||
      molecules->energy_source() != MoleculeEnergy::kDocking) {
    return std::unique_ptr<DockingOracle>();
  }
  absl::StatusOr<DockingOptions> options = DockingOptionsFromFlags();
  if (!options.ok()) return options.status();
  return DockingOracle::Create(task, *std::move(options));
}

}  // namespace ledgfn
