// MisFamilyTask: the multi-instance MIS task over seeded or loaded graphs.
#include <algorithm>
#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/mutex.h"
#include "common/fnv1a.h"
#include "tasks/mis/graph_generators.h"
#include "tasks/mis/mis_task.h"
#include "common/portable_random.h"

namespace ledgfn {
namespace {

// Far above any useful training set, but keeps a typo from describing a
// set whose seeds would overlap the test seeds.
constexpr int64_t kMaxInstances = 10'000'000;
// Instance tasks kept alive by the cache. rb200-300 graphs take ~10 KB, so
// this bounds the cache to tens of MB while holding the whole default
// training set (1000 graphs).
constexpr size_t kCacheCapacity = 4096;

constexpr char kRbFamily[] = "rb200-300";
constexpr int kRbMinNodes = 200;
constexpr int kRbMaxNodes = 300;
constexpr int kMaxErNodes = 100'000;
// G(n, p) graphs are built in memory edge by edge; this keeps the expected
// edge count (and so memory) of one instance sane.
constexpr double kMaxErExpectedEdges = 5e7;

// The generator seed of an instance: different families and different
// instance seeds give unrelated graphs.
uint64_t GraphSeed(const std::string& family, uint64_t seed) {
  return Fnv1aUpdateInt(
      Fnv1aUpdate(kFnv1aOffsetBasis, family.data(), family.size()), seed);
}

// Where a family's graphs come from and which seeds it has.
struct Source {
  std::string family;
  uint64_t num_train = 0;  // Seeds 0..num_train-1.
  uint64_t test_base = 0;
  uint64_t num_test = 0;  // Seeds test_base..test_base+num_test-1.
  int max_nodes = 0;      // Over every instance the family can have.
  // The graph of a seed in the training or test set.
  std::function<std::shared_ptr<const Graph>(uint64_t seed)> build;
};

absl::Status UnknownFamily(const std::string& family, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat(
      "invalid MIS family '", family, "' (", why, "); valid families: \"",
      kRbFamily, "\", \"er-<nodes>-<p>\" with nodes in [1, ", kMaxErNodes,
      "] and edge probability p in [0, 1] written as digits, e.g. "
      "\"er-100-0.05\", or edge-list files"));
}

bool AllDigits(absl::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

// "er-<nodes>-<p>": nodes all digits, p as "<digits>" or "<digits>.<digits>"
// (no sign, exponent or spaces, so one graph family has one spelling per
// value format and names never contain surprises).
absl::StatusOr<Source> ErdosRenyiSource(const std::string& family) {
  absl::string_view rest = family;
  if (!absl::ConsumePrefix(&rest, "er-")) {
    return UnknownFamily(family, "unknown name");
  }
  const size_t dash = rest.find('-');
  if (dash == absl::string_view::npos) {
    return UnknownFamily(family, "expected er-<nodes>-<p>");
  }
  const absl::string_view nodes_text = rest.substr(0, dash);
  const absl::string_view p_text = rest.substr(dash + 1);
  int nodes = 0;
  if (!AllDigits(nodes_text) || nodes_text.size() > 6 ||
      !absl::SimpleAtoi(nodes_text, &nodes) || nodes < 1 ||
      nodes > kMaxErNodes) {
    return UnknownFamily(
        family,
        absl::StrCat("nodes must be an integer in [1, ", kMaxErNodes, "]"));
  }
  const size_t dot = p_text.find('.');
  const bool p_well_formed = dot == absl::string_view::npos
                                 ? AllDigits(p_text)
                                 : AllDigits(p_text.substr(0, dot)) &&
                                       AllDigits(p_text.substr(dot + 1));
  double p = 0;
  if (!p_well_formed || !absl::SimpleAtod(p_text, &p) || p < 0 || p > 1) {
    return UnknownFamily(family, "p must be a decimal number in [0, 1]");
  }
  const double expected_edges = p * nodes * (nodes - 1.0) / 2;
  if (expected_edges > kMaxErExpectedEdges) {
    return UnknownFamily(
        family, absl::StrCat("expects ", expected_edges, " edges, more than ",
                             kMaxErExpectedEdges));
  }
  Source source;
  source.max_nodes = nodes;
  source.build = [family, nodes, p](uint64_t seed) {
    return std::make_shared<const Graph>(
        GenerateErdosRenyiGraph(GraphSeed(family, seed), nodes, p));
  };
  return source;
}

absl::StatusOr<Source> GeneratedSource(const MisFamilyOptions& options) {
  if (options.train_instances < 1 || options.train_instances > kMaxInstances) {
    return absl::InvalidArgumentError(
        absl::StrCat("MIS train instances must be in [1, ", kMaxInstances,
                     "], got ", options.train_instances));
  }
  if (options.test_instances < 0 || options.test_instances > kMaxInstances) {
    return absl::InvalidArgumentError(
        absl::StrCat("MIS test instances must be in [0, ", kMaxInstances,
                     "], got ", options.test_instances));
  }
  Source source;
  if (options.family == kRbFamily) {
    source.max_nodes = kRbMaxNodes;
    source.build = [family = options.family](uint64_t seed) {
      return std::make_shared<const Graph>(
          GenerateRbGraph(GraphSeed(family, seed), kRbMinNodes, kRbMaxNodes));
    };
  } else {
    absl::StatusOr<Source> er = ErdosRenyiSource(options.family);
    if (!er.ok()) return er.status();
    source = *std::move(er);
  }
  source.family = options.family;
  source.num_train = options.train_instances;
  source.test_base = MisFamilyTask::kTestSeedBase;
  source.num_test = options.test_instances;
  return source;
}

// Instance i is file i, for training and for testing alike.
absl::StatusOr<Source> FileSource(const std::vector<std::string>& paths) {
  if (static_cast<int64_t>(paths.size()) > kMaxInstances) {
    return absl::InvalidArgumentError(absl::StrCat(
        paths.size(), " MIS edge-list files, more than ", kMaxInstances));
  }
  std::vector<std::shared_ptr<const Graph>> graphs;
  uint64_t hash = kFnv1aOffsetBasis;
  Source source;
  for (const std::string& path : paths) {
    absl::StatusOr<Graph> graph = ReadEdgeListFile(path);
    // A file the user named that cannot be read is a bad option, whatever
    // the reason.
    if (!graph.ok()) {
      return absl::InvalidArgumentError(graph.status().message());
    }
    hash = Fnv1aUpdateInt(hash, graph->num_nodes());
    for (const auto& [u, v] : graph->edges()) {
      hash = Fnv1aUpdateInt(Fnv1aUpdateInt(hash, u), v);
    }
    source.max_nodes = std::max(source.max_nodes, graph->num_nodes());
    graphs.push_back(std::make_shared<const Graph>(*std::move(graph)));
  }
  source.family = absl::StrFormat("file-%016x", hash);
  source.num_train = graphs.size();
  source.test_base = 0;
  source.num_test = graphs.size();
  source.build = [graphs = std::move(graphs)](uint64_t seed) {
    return graphs[seed];
  };
  return source;
}

}  // namespace

class MisFamilyTask::Impl {
 public:
  Impl(Source source, std::shared_ptr<const Graph> first)
      : source_(std::move(source)), first_(std::move(first)) {}

  const Source& source() const { return source_; }

  bool IsTraining(uint64_t seed) const { return seed < source_.num_train; }
  bool IsTest(uint64_t seed) const {
    return seed >= source_.test_base &&
           seed - source_.test_base < source_.num_test;
  }

  // OK when `id` names an instance of this family.
  absl::Status Check(const InstanceId& id) const {
    if (id.family == source_.family &&
        (IsTraining(id.seed) || IsTest(id.seed))) {
      return absl::OkStatus();
    }
    const std::string test_set =
        source_.num_test == 0
            ? std::string("none")
            : absl::StrCat(source_.test_base, "..",
                           source_.test_base + source_.num_test - 1);
    return absl::InvalidArgumentError(
        absl::StrCat("instance ", id.ToString(), " is not in MIS family '",
                     source_.family, "' (training seeds 0..",
                     source_.num_train - 1, ", test seeds ", test_set, ")"));
  }

  // The task of a checked seed: cached, or built outside the lock so that
  // threads building different instances do not wait for each other.
  std::shared_ptr<const MisTask> Get(uint64_t seed) const {
    {
      absl::MutexLock lock(&mu_);
      if (std::shared_ptr<const MisTask> task = LookupLocked(seed)) return task;
    }
    auto built = std::make_shared<const MisTask>(
        seed == 0 ? first_ : source_.build(seed));
    absl::MutexLock lock(&mu_);
    // Another thread may have built it meanwhile; keep one copy.
    if (std::shared_ptr<const MisTask> task = LookupLocked(seed)) return task;
    lru_.emplace_front(seed, built);
    index_[seed] = lru_.begin();
    if (lru_.size() > kCacheCapacity) {
      // Callers holding the evicted task keep it alive.
      index_.erase(lru_.back().first);
      lru_.pop_back();
    }
    return built;
  }

 private:
  using Entry = std::pair<uint64_t, std::shared_ptr<const MisTask>>;

  std::shared_ptr<const MisTask> LookupLocked(uint64_t seed) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    auto it = index_.find(seed);
    if (it == index_.end()) return nullptr;
    lru_.splice(lru_.begin(), lru_, it->second);  // Now most recent.
    return it->second->second;
  }

  const Source source_;
  // Seed 0's graph, built by Create; instances share it instead of
  // regenerating it.
  const std::shared_ptr<const Graph> first_;
  mutable absl::Mutex mu_;
  // Most recently used first.
  mutable std::list<Entry> lru_ ABSL_GUARDED_BY(mu_);
  mutable absl::flat_hash_map<uint64_t, std::list<Entry>::iterator> index_
      ABSL_GUARDED_BY(mu_);
};

absl::StatusOr<std::unique_ptr<MisFamilyTask>> MisFamilyTask::Create(
    const MisFamilyOptions& options) {
  absl::StatusOr<Source> source = options.edge_list_files.empty()
                                      ? GeneratedSource(options)
                                      : FileSource(options.edge_list_files);
  if (!source.ok()) return source.status();
  std::shared_ptr<const Graph> first = source->build(0);
  auto impl = std::make_unique<Impl>(*std::move(source), first);
  return std::unique_ptr<MisFamilyTask>(
      new MisFamilyTask(std::move(first), std::move(impl)));
}

MisFamilyTask::MisFamilyTask(std::shared_ptr<const Graph> first,
                             std::unique_ptr<Impl> impl)
    : MisTask(std::move(first)), impl_(std::move(impl)) {}

MisFamilyTask::~MisFamilyTask() = default;

const std::string& MisFamilyTask::family() const {
  return impl_->source().family;
}

int MisFamilyTask::max_trajectory_length() const {
  return impl_->source().max_nodes;
}

bool MisFamilyTask::exactly_enumerable() const {
  // Only then is the first training instance, whose DAG this task
  // describes, the whole training distribution.
  return impl_->source().num_train == 1 && MisTask::exactly_enumerable();
}

absl::StatusOr<std::shared_ptr<const Task>> MisFamilyTask::Instance(
    const InstanceId& id) const {
  if (absl::Status status = impl_->Check(id); !status.ok()) return status;
  return std::shared_ptr<const Task>(impl_->Get(id.seed));
}

bool MisFamilyTask::IsTrainingInstance(const InstanceId& id) const {
  return id.family == family() && impl_->IsTraining(id.seed);
}

InstanceId MisFamilyTask::DrawTrainingInstance(std::mt19937_64& rng) const {
  return {family(), UniformBelow(rng, impl_->source().num_train)};
}

std::vector<InstanceId> MisFamilyTask::TestInstances() const {
  const Source& source = impl_->source();
  std::vector<InstanceId> ids;
  ids.reserve(source.num_test);
  for (uint64_t i = 0; i < source.num_test; ++i) {
    ids.push_back({source.family, source.test_base + i});
  }
  return ids;
}

absl::StatusOr<double> MisFamilyTask::BaselineEnergy(
    const InstanceId& id) const {
  if (absl::Status status = impl_->Check(id); !status.ok()) return status;
  const Graph& graph = impl_->Get(id.seed)->graph();
  return -static_cast<double>(GreedyMinDegreeIndependentSet(graph).size());
}

}  // namespace ledgfn
