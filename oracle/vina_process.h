// One docking: runs the `vina` program (AutoDock Vina 1.2) as a child
// process on a ligand PDBQT file and reads the best affinity from the poses it
// writes. Debian ships Vina as a program only (no library), so a child
// process it is; that also bounds a docking that runs away: at `timeout` it
// is killed (SIGKILL) and reaped, never left behind.
//
// Contract: the command line is exactly `program --receptor R --ligand L
// --out O --center_x .. --size_z .. --exhaustiveness E --seed S --cpu C
// --verbosity 1`, so `vina --config conf.txt` with the same seed,
// exhaustiveness and cpu gives the same affinity. Vina's output goes to
// `log_path`. Returns the affinity (kcal/mol) of the best pose; errors:
// NOT_FOUND if the program cannot be started, DEADLINE_EXCEEDED at the
// timeout, CANCELLED (Vina killed) once `*cancel` is true (polled every
// 50 ms at most; may be null), INTERNAL with the log's last line when Vina
// fails or writes no pose. Thread-safe: each call is its own process and
// files.
#ifndef LEDGFN_ORACLE_VINA_PROCESS_H_
#define LEDGFN_ORACLE_VINA_PROCESS_H_

#include <atomic>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "oracle/vina_box.h"

namespace ledgfn {

struct VinaSettings {
  std::string program = "vina";  // looked up on PATH
  std::string receptor;          // plain PDBQT (PrepareReceptor)
  VinaBox box;
  int exhaustiveness = 1;        // Vina's default is 8; 1 is ~8x faster
  int seed = 1;
  int cpu = 1;                   // threads of one docking
  absl::Duration timeout = absl::Minutes(5);
};

absl::StatusOr<double> RunVina(const VinaSettings& settings,
                               const std::string& ligand_path,
                               const std::string& out_path,
                               const std::string& log_path,
                               const std::atomic<bool>* cancel = nullptr);

// The affinity of the first "REMARK VINA RESULT:" line of Vina's output
// poses; INVALID_ARGUMENT if there is none.
absl::StatusOr<double> BestAffinityOfPoses(const std::string& poses_pdbqt);

}  // namespace ledgfn

#endif  // LEDGFN_ORACLE_VINA_PROCESS_H_
