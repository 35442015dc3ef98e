#include "oracle/docking_oracle.h"

#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/file_util.h"
#include "common/log.h"
#include "oracle/ligand_pdbqt.h"
#include "oracle/vina_box.h"

namespace ledgfn {
namespace {

constexpr const char* kFailureNames[kDockingFailureKinds] = {
    "invalid_molecule", "embedding", "ligand_file", "vina", "timeout"};

std::optional<DockingFailure> FailureNamed(absl::string_view name) {
  for (int k = 0; k < kDockingFailureKinds; ++k) {
    if (name == kFailureNames[k]) return static_cast<DockingFailure>(k);
  }
  return std::nullopt;
}

// `program` as an executable path: itself when it names a path, else the
// first match on PATH.
absl::StatusOr<std::string> FindProgram(const std::string& program) {
  if (program.find('/') != std::string::npos) {
    if (access(program.c_str(), X_OK) == 0) return program;
  } else if (const char* path = getenv("PATH"); path != nullptr) {
    for (absl::string_view dir : absl::StrSplit(path, ':', absl::SkipEmpty())) {
      std::string candidate = absl::StrCat(dir, "/", program);
      if (access(candidate.c_str(), X_OK) == 0) return candidate;
    }
  }
  return absl::NotFoundError(absl::StrCat(
      "cannot find the docking program '", program,
      "' (Debian: apt-get install autodock-vina; or give --vina=PATH)"));
}

absl::Status CheckOptions(const DockingOptions& o) {
  if (o.workers < 1) return absl::InvalidArgumentError("workers must be >= 1");
  if (o.exhaustiveness < 1) {
    return absl::InvalidArgumentError("exhaustiveness must be >= 1");
  }
  if (o.timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("the docking timeout must be > 0");
  }
  if (!(o.min_affinity < o.max_affinity)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "min_affinity (", o.min_affinity, ") must be below max_affinity (",
        o.max_affinity, ")"));
  }
  if (!(o.temperature > 0)) {
    return absl::InvalidArgumentError("the docking temperature must be > 0");
  }
  return absl::OkStatus();
}

}  // namespace

const char* DockingFailureName(DockingFailure failure) {
  return kFailureNames[static_cast<int>(failure)];
}

DockingOptions DebianTestTarget() {
  DockingOptions o;
  o.receptor = absl::StrCat(kDebianVinaTestData, "/protein.pdbqt.gz");
  o.box_config = absl::StrCat(kDebianVinaTestData, "/conf.txt");
  return o;
}

absl::StatusOr<std::unique_ptr<DockingOracle>> DockingOracle::Create(
    const Task& task, DockingOptions options) {
  if (task.name() != "molecule") {
    return absl::FailedPreconditionError(absl::StrCat(
        "the docking oracle scores molecules; task '", task.name(),
        "' has none (use --task=molecule)"));
  }
  if (absl::Status s = CheckOptions(options); !s.ok()) return s;
  // The ligand tools work: RDKit built in, OpenBabel's format plugins found.
  if (absl::StatusOr<std::string> probe = LigandPdbqtFromSmiles("CCO", 1);
      !probe.ok()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "cannot make ligands for docking: ", probe.status().message()));
  }
  VinaSettings vina;
  absl::StatusOr<std::string> program = FindProgram(options.program);
  if (!program.ok()) return program.status();
  vina.program = *program;
  absl::StatusOr<VinaBox> box = ReadVinaBox(options.box_config);
  if (!box.ok()) return box.status();
  vina.box = *box;
  vina.exhaustiveness = options.exhaustiveness;
  vina.seed = options.seed;
  vina.timeout = options.timeout;
  const bool owns_work_dir = options.work_dir.empty();
  if (owns_work_dir) {
    const char* tmp = getenv("TMPDIR");
    std::string pattern = absl::StrCat(tmp != nullptr && *tmp ? tmp : "/tmp",
                                       "/ledgfn-docking-XXXXXX");
    if (mkdtemp(pattern.data()) == nullptr) {
      return absl::PermissionDeniedError(
          absl::StrCat("cannot make a work directory like ", pattern));
    }
    options.work_dir = pattern;
  } else if (absl::Status s = MakeDirs(options.work_dir); !s.ok()) {
    return s;
  }
  absl::StatusOr<std::string> receptor =
      PrepareReceptor(options.receptor, options.work_dir);
  if (!receptor.ok()) return receptor.status();
  vina.receptor = *receptor;
  std::unique_ptr<DockingOracle> oracle(
      new DockingOracle(task, std::move(options), std::move(vina), owns_work_dir));
  if (absl::Status s = oracle->LoadCache(); !s.ok()) return s;
  return oracle;
}

DockingOracle::DockingOracle(const Task& task, DockingOptions options,
                             VinaSettings vina, bool owns_work_dir)
    : task_(task),
      options_(std::move(options)),
      vina_(std::move(vina)),
      owns_work_dir_(owns_work_dir),
      free_workers_(options_.workers) {}

DockingOracle::~DockingOracle() {
  if (!owns_work_dir_) return;
  std::remove(absl::StrCat(options_.work_dir, "/receptor.pdbqt").c_str());
  rmdir(options_.work_dir.c_str());
}

absl::Status DockingOracle::LoadCache() {
  if (options_.cache_path.empty()) return absl::OkStatus();
  absl::MutexLock lock(&mu_);
  int64_t skipped = 0;
  {
    std::ifstream in(options_.cache_path);
    std::string line;
    while (std::getline(in, line)) {
      std::vector<std::string> fields = absl::StrSplit(line, '\t');
      DockingResult result;
      result.cached = true;
      double affinity;
      if (fields.size() == 2 && absl::SimpleAtod(fields[1], &affinity)) {
        result.affinity = affinity;
        result.energy = EnergyOfAffinity(affinity);
      } else if (fields.size() == 3 && !fields[1].empty() && fields[1][0] == '!' &&
                 FailureNamed(fields[1].substr(1)).has_value()) {
        result.failure = FailureNamed(fields[1].substr(1));
        result.message = fields[2];
        result.energy = penalty_energy();
      } else {
        ++skipped;
        continue;
      }
      cache_[fields[0]] = std::move(result);
    }
  }
  if (skipped > 0) {
    LogWarning("%s: skipped %lld lines that are not 'SMILES<TAB>affinity' or "
               "'SMILES<TAB>!reason<TAB>message'",
               options_.cache_path, static_cast<long long>(skipped));
  }
  cache_file_.open(options_.cache_path, std::ios::app);
  if (!cache_file_) {
    return absl::PermissionDeniedError(
        absl::StrCat("cannot append to the docking cache ", options_.cache_path));
  }
  stats_.cached_molecules = static_cast<int64_t>(cache_.size());
  return absl::OkStatus();
}

double DockingOracle::EnergyOfAffinity(double affinity) const {
  return std::clamp(affinity, options_.min_affinity, options_.max_affinity) /
         options_.temperature;
}

DockingResult DockingOracle::Dock(const std::string& smiles) {
  std::shared_ptr<Pending> pending;
  bool leader = false;
  {
    absl::MutexLock lock(&mu_);
    if (auto it = cache_.find(smiles); it != cache_.end()) {
      ++stats_.cache_hits;
      return it->second;
    }
    std::shared_ptr<Pending>& slot = pending_[smiles];
    if (slot == nullptr) {
      slot = std::make_shared<Pending>();
      leader = true;
    }
    pending = slot;
  }
  if (!leader) {  // another call is docking it: its result
    pending->done.WaitForNotification();
    DockingResult result = pending->result;
    if (!result.cancelled) {
      result.cached = true;
      absl::MutexLock lock(&mu_);
      ++stats_.cache_hits;
    }
    return result;
  }
  DockingResult result;
  mu_.LockWhen(absl::Condition(this, &DockingOracle::HasFreeWorkerOrShutdown));
  const bool held_worker = !shutdown_;
  if (held_worker) --free_workers_;
  mu_.Unlock();
  if (held_worker) {
    const absl::Time start = absl::Now();
    result = DockUncached(smiles);
    if (observer_) observer_(absl::Now() - start);
  } else {
    result.cancelled = true;
  }
  Finish(smiles, result, held_worker);
  pending->result = result;
  pending->done.Notify();
  return result;
}

std::vector<DockingResult> DockingOracle::DockAll(
    const std::vector<std::string>& smiles) {
  // Each distinct molecule is docked once, however often the batch has it.
  absl::flat_hash_map<std::string, size_t> index;
  std::vector<std::string> distinct;
  for (const std::string& s : smiles) {
    if (index.emplace(s, distinct.size()).second) distinct.push_back(s);
  }
  std::vector<DockingResult> docked(distinct.size());
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i; (i = next.fetch_add(1)) < distinct.size();) {
      docked[i] = Dock(distinct[i]);
    }
  };
  const size_t threads =
      std::min(distinct.size(), static_cast<size_t>(options_.workers));
  std::vector<std::thread> pool;
  for (size_t t = 1; t < threads; ++t) pool.emplace_back(work);
  work();
  for (std::thread& t : pool) t.join();
  std::vector<DockingResult> results;
  results.reserve(smiles.size());
  for (const std::string& s : smiles) results.push_back(docked[index.at(s)]);
  return results;
}

DockingResult DockingOracle::DockUncached(const std::string& smiles) {
  DockingResult result;
  result.energy = penalty_energy();
  absl::StatusOr<std::string> ligand =
      LigandPdbqtFromSmiles(smiles, options_.seed);
  if (!ligand.ok()) {
    result.failure = absl::IsInvalidArgument(ligand.status())
                         ? DockingFailure::kInvalidMolecule
                     : absl::IsFailedPrecondition(ligand.status())
                         ? DockingFailure::kEmbedding
                         : DockingFailure::kLigandFile;
    result.message = std::string(ligand.status().message());
    return result;
  }
  const std::string stem =
      absl::StrCat(options_.work_dir, "/", next_file_.fetch_add(1));
  const std::string ligand_path = stem + "-ligand.pdbqt";
  const std::string out_path = stem + "-poses.pdbqt";
  const std::string log_path = stem + "-vina.log";
  if (absl::Status s = WriteFileSynced(ligand_path, *ligand); !s.ok()) {
    result.failure = DockingFailure::kLigandFile;
    result.message = std::string(s.message());
    return result;
  }
  absl::StatusOr<double> affinity =
      RunVina(vina_, ligand_path, out_path, log_path, &shutdown_);
  for (const std::string& path : {ligand_path, out_path, log_path}) {
    std::remove(path.c_str());
  }
  if (absl::IsCancelled(affinity.status())) {
    result.cancelled = true;
    return result;
  }
  if (!affinity.ok()) {
    result.failure = absl::IsDeadlineExceeded(affinity.status())
                         ? DockingFailure::kTimeout
                         : DockingFailure::kVina;
    result.message = std::string(affinity.status().message());
    return result;
  }
  result.affinity = *affinity;
  result.energy = EnergyOfAffinity(*affinity);
  return result;
}

void DockingOracle::Finish(const std::string& smiles,
                           const DockingResult& result, bool held_worker) {
  absl::MutexLock lock(&mu_);
  if (held_worker) ++free_workers_;
  pending_.erase(smiles);
  if (result.cancelled) return;
  ++stats_.docked;
  if (result.failure) ++stats_.failures[static_cast<int>(*result.failure)];
  if (result.failure == DockingFailure::kTimeout || smiles.empty()) return;
  DockingResult cached = result;
  cached.cached = true;
  if (!cache_.emplace(smiles, cached).second) return;
  stats_.cached_molecules = static_cast<int64_t>(cache_.size());
  if (!cache_file_.is_open()) return;
  if (result.affinity) {
    cache_file_ << smiles << '\t' << *result.affinity << '\n';
  } else {
    std::string message = result.message;
    std::replace(message.begin(), message.end(), '\t', ' ');
    std::replace(message.begin(), message.end(), '\n', ' ');
    cache_file_ << smiles << "\t!" << DockingFailureName(*result.failure) << '\t'
                << message << '\n';
  }
  cache_file_.flush();
}

absl::StatusOr<std::vector<double>> DockingOracle::Energies(
    absl::Span<const State> objects) {
  std::vector<std::string> smiles;
  smiles.reserve(objects.size());
  for (const State& x : objects) smiles.push_back(task_.ToString(x));
  std::vector<double> energies;
  energies.reserve(objects.size());
  for (const DockingResult& r : DockAll(smiles)) {
    if (r.cancelled) {
      return absl::UnavailableError("the docking oracle is shutting down");
    }
    energies.push_back(r.energy);
  }
  return energies;
}

absl::StatusOr<std::vector<double>> DockingOracle::PartialEnergies(
    absl::Span<const State> states) {
  return Energies(states);
}

void DockingOracle::Shutdown() {
  absl::MutexLock lock(&mu_);  // wakes the callers waiting for a worker
  shutdown_ = true;
}

std::vector<std::pair<std::string, double>> DockingOracle::BestMolecules(
    int k) const {
  std::vector<std::pair<std::string, double>> best;
  {
    absl::MutexLock lock(&mu_);
    for (const auto& [smiles, result] : cache_) {
      if (result.affinity) best.emplace_back(smiles, *result.affinity);
    }
  }
  auto better = [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second < b.second : a.first < b.first;
  };
  const size_t n = std::min(best.size(), static_cast<size_t>(std::max(k, 0)));
  std::partial_sort(best.begin(), best.begin() + n, best.end(), better);
  best.resize(n);
  return best;
}

DockingStats DockingOracle::Stats() const {
  absl::MutexLock lock(&mu_);
  return stats_;
}

}  // namespace ledgfn
