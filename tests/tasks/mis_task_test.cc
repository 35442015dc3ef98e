// Tests of Graph, the MIS task and its graph families (DESIGN §3, `mis`).
#include "tasks/mis/mis_task.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "tasks/mis/graph.h"
#include "common/portable_random.h"
#include "tasks/state_graph.h"
#include "tasks/registry.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ledgfn {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;
using Edges = std::vector<std::pair<int32_t, int32_t>>;

constexpr int32_t kE = MisTask::kExcluded;
constexpr int32_t kS = MisTask::kSelected;
constexpr int32_t kU = MisTask::kUndecided;
constexpr auto kInvalid = absl::StatusCode::kInvalidArgument;

std::string WriteTempFile(const std::string& name, const std::string& text) {
  const std::string path = ::testing::TempDir() + "/" + name;
  std::ofstream(path) << text;
  return path;
}

std::shared_ptr<const Graph> MakeGraph(int num_nodes, const Edges& edges) {
  absl::StatusOr<Graph> graph = Graph::FromEdges(num_nodes, edges);
  EXPECT_TRUE(graph.ok()) << graph.status();
  return std::make_shared<const Graph>(*std::move(graph));
}

// The 4-cycle 0-1-2-3-0 with a pendant node 4 on node 0. Its maximal
// independent sets are {0,2}, {2,4} and {1,3,4}.
std::shared_ptr<const Graph> CyclePlusPendant() {
  return MakeGraph(5, {{0, 1}, {1, 2}, {2, 3}, {0, 3}, {0, 4}});
}

std::vector<uint8_t> ForwardMask(const Task& task, const State& s) {
  std::vector<uint8_t> mask(task.num_forward_actions());
  task.ForwardMask(s, mask.data());
  return mask;
}

std::vector<uint8_t> BackwardMask(const Task& task, const State& s) {
  std::vector<uint8_t> mask(task.num_backward_actions());
  task.BackwardMask(s, mask.data());
  return mask;
}

bool IsMaximalIndependentSet(const Graph& graph,
                             const std::vector<int32_t>& set) {
  enum Mark : uint8_t { kUncovered, kNeighbour, kMember };
  std::vector<Mark> mark(graph.num_nodes(), kUncovered);
  for (int32_t v : set) mark[v] = kMember;
  for (int32_t v : set) {
    for (int32_t u : graph.neighbors(v)) {
      if (mark[u] == kMember) return false;
      mark[u] = kNeighbour;
    }
  }
  return std::count(mark.begin(), mark.end(), kUncovered) == 0;
}

// ------------------------------------------------------------------- Graph

TEST(GraphTest, FromEdgesMergesDuplicatesAndSortsNeighbours) {
  absl::StatusOr<Graph> graph =
      Graph::FromEdges(5, {{3, 0}, {2, 0}, {0, 2}, {1, 0}, {0, 3}, {4, 2}});
  ASSERT_TRUE(graph.ok()) << graph.status();
  EXPECT_EQ(graph->num_nodes(), 5);
  EXPECT_EQ(graph->num_edges(), 4);
  EXPECT_THAT(graph->edges(),
              ElementsAre(std::make_pair(0, 1), std::make_pair(0, 2),
                          std::make_pair(0, 3), std::make_pair(2, 4)));
  EXPECT_THAT(graph->neighbors(0), ElementsAre(1, 2, 3));
  EXPECT_THAT(graph->neighbors(2), ElementsAre(0, 4));
  EXPECT_THAT(graph->neighbors(4), ElementsAre(2));
  EXPECT_EQ(graph->degree(0), 3);
  EXPECT_EQ(graph->degree(1), 1);
}

TEST(GraphTest, FromEdgesKeepsIsolatedNodes) {
  absl::StatusOr<Graph> graph = Graph::FromEdges(3, {});
  ASSERT_TRUE(graph.ok());
  EXPECT_EQ(graph->num_nodes(), 3);
  EXPECT_EQ(graph->num_edges(), 0);
  EXPECT_TRUE(graph->neighbors(1).empty());
}

TEST(GraphTest, FromEdgesRejectsInvalidGraphs) {
  EXPECT_EQ(Graph::FromEdges(3, {{1, 1}}).status().code(), kInvalid);
  EXPECT_THAT(Graph::FromEdges(3, {{1, 1}}).status().message(),
              HasSubstr("self-loop"));
  EXPECT_EQ(Graph::FromEdges(3, {{0, 3}}).status().code(), kInvalid);
  EXPECT_EQ(Graph::FromEdges(3, {{-1, 2}}).status().code(), kInvalid);
  EXPECT_EQ(Graph::FromEdges(0, {}).status().code(), kInvalid);
}

TEST(GraphTest, ReadEdgeListFileWithHeaderAndComments) {
  const std::string path = WriteTempFile(
      "header.edges",
      "# a comment\n% another\n\nn 6\n0 1\n1\t2\r\n  3 1  \n1 0\n");
  absl::StatusOr<Graph> graph = ReadEdgeListFile(path);
  ASSERT_TRUE(graph.ok()) << graph.status();
  EXPECT_EQ(graph->num_nodes(), 6);  // Nodes 4 and 5 are isolated.
  EXPECT_THAT(graph->edges(),
              ElementsAre(std::make_pair(0, 1), std::make_pair(1, 2),
                          std::make_pair(1, 3)));
}

TEST(GraphTest, ReadEdgeListFileWithoutHeaderCountsNodesFromIds) {
  absl::StatusOr<Graph> graph =
      ReadEdgeListFile(WriteTempFile("plain.edges", "2 7\n0 2\n"));
  ASSERT_TRUE(graph.ok()) << graph.status();
  EXPECT_EQ(graph->num_nodes(), 8);
  EXPECT_EQ(graph->num_edges(), 2);
}

TEST(GraphTest, ReadEdgeListFileRejectsMalformedLinesWithFileAndLine) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"0 1\n1 x\n", ":2:"},        // not a number
      {"0 1\n\n1 2 3\n", ":3:"},    // three tokens
      {"# c\n0\n", ":2:"},          // one token
      {"-1 2\n", ":1:"},            // negative id
      {"0 0\n", ":1:"},             // self-loop
      {"n 3\n0 3\n", ":2:"},        // id outside the header's count
      {"0 1\nn 3\n", ":2:"},        // header after an edge
      {"n 0\n", ":1:"},             // empty graph
      {"n 2000000\n0 1\n", ":1:"},  // absurd node count
      {"0 1000000\n", ":1:"},       // absurd node id
      {"n 3\nn 4\n", ":2:"},        // second header
  };
  for (const auto& [text, where] : cases) {
    const std::string path = WriteTempFile("bad.edges", text);
    absl::StatusOr<Graph> graph = ReadEdgeListFile(path);
    EXPECT_EQ(graph.status().code(), kInvalid) << text;
    EXPECT_THAT(graph.status().message(), HasSubstr(path + where)) << text;
  }
  EXPECT_EQ(ReadEdgeListFile(WriteTempFile("empty.edges", "# nothing\n"))
                .status()
                .code(),
            kInvalid);
  EXPECT_EQ(
      ReadEdgeListFile(::testing::TempDir() + "/no_such.edges").status().code(),
      absl::StatusCode::kNotFound);
}

// ----------------------------------------------------------------- MisTask

TEST(MisTaskTest, SizesAndDefaults) {
  MisTask task(CyclePlusPendant());
  EXPECT_EQ(task.name(), "mis");
  EXPECT_EQ(task.state_size(), 5);
  EXPECT_EQ(task.feature_size(), 15);
  EXPECT_EQ(task.num_forward_actions(), 5);
  EXPECT_EQ(task.num_backward_actions(), 5);
  EXPECT_FALSE(task.has_stop_action());
  EXPECT_EQ(task.stop_action(), -1);
  EXPECT_EQ(task.max_trajectory_length(), 5);
  EXPECT_EQ(task.num_node_labels(), 3);
  EXPECT_EQ(task.graph_states(), &task);
  EXPECT_EQ(task.graph().num_edges(), 5);
  EXPECT_TRUE(task.exactly_enumerable());
  EXPECT_EQ(task.instances(), nullptr);
  const TaskDefaults d = task.defaults();
  EXPECT_EQ(d.batch_size, 16);
  EXPECT_EQ(d.subtb_lambda, 0.9);
  EXPECT_EQ(d.epsilon, 0.0);
  EXPECT_EQ(d.policy_lr, 1e-3);
  EXPECT_EQ(d.log_z_lr, 1e-1);
  EXPECT_EQ(d.hidden, 256);
  EXPECT_EQ(d.layers, 5);
  EXPECT_FALSE(MisTask(std::make_shared<const Graph>(
                           GenerateErdosRenyiGraph(1, 15, 0.5)))
                   .exactly_enumerable());
}

TEST(MisTaskTest, StepExcludesExactlyTheUndecidedNeighbours) {
  MisTask task(CyclePlusPendant());
  State s = task.InitialState();
  EXPECT_THAT(s, ElementsAre(kU, kU, kU, kU, kU));
  EXPECT_THAT(ForwardMask(task, s), ElementsAre(1, 1, 1, 1, 1));
  EXPECT_THAT(BackwardMask(task, s), ElementsAre(0, 0, 0, 0, 0));
  EXPECT_EQ(task.Level(s), 0);

  task.Step(s, 2);
  EXPECT_THAT(s, ElementsAre(kU, kE, kS, kE, kU));
  EXPECT_THAT(ForwardMask(task, s), ElementsAre(1, 0, 0, 0, 1));
  EXPECT_THAT(BackwardMask(task, s), ElementsAre(0, 0, 1, 0, 0));
  EXPECT_EQ(task.Level(s), 1);
  EXPECT_FALSE(task.IsTerminal(s));
  EXPECT_EQ(task.PartialEnergy(s), -1.0);

  // Node 0's neighbours are 1, 3 (already excluded) and 4 (undecided);
  // the selected node 2 is not a neighbour and stays selected.
  task.Step(s, 0);
  EXPECT_THAT(s, ElementsAre(kS, kE, kS, kE, kE));
  EXPECT_THAT(ForwardMask(task, s), ElementsAre(0, 0, 0, 0, 0));
  EXPECT_THAT(BackwardMask(task, s), ElementsAre(1, 0, 1, 0, 0));
  EXPECT_TRUE(task.IsTerminal(s));
  EXPECT_EQ(task.Level(s), 2);
  EXPECT_EQ(task.Energy(s), -2.0);
  EXPECT_EQ(task.ToString(s), "{0,2}");
  EXPECT_FALSE(task.IsMode(s));
}

TEST(MisTaskTest, FeaturesAreOneHotLabels) {
  MisTask task(CyclePlusPendant());
  State s = task.InitialState();
  task.Step(s, 1);  // {E, S, E, U, U}
  std::vector<float> f(task.feature_size(), -1.0f);
  task.Features(s, f.data());
  EXPECT_THAT(f, ElementsAre(1, 0, 0,    // node 0 excluded
                             0, 1, 0,    // node 1 selected
                             1, 0, 0,    // node 2 excluded
                             0, 0, 1,    // node 3 undecided
                             0, 0, 1));  // node 4 undecided
}

TEST(MisTaskTest, ReplayAcceptsLegalAndRejectsIllegalTrajectories) {
  MisTask task(CyclePlusPendant());
  absl::StatusOr<std::vector<State>> states = task.Replay({1, 3, 4});
  ASSERT_TRUE(states.ok()) << states.status();
  ASSERT_EQ(states->size(), 4u);
  EXPECT_THAT(states->at(1), ElementsAre(kE, kS, kE, kU, kU));
  EXPECT_THAT(states->back(), ElementsAre(kE, kS, kE, kS, kS));
  EXPECT_EQ(task.ToString(states->back()), "{1,3,4}");
  EXPECT_EQ(task.Energy(states->back()), -3.0);

  // Node 0 is excluded once 1 is selected.
  EXPECT_THAT(task.Replay({1, 0}).status().message(), HasSubstr("masked"));
  // {0, 2} is already terminal.
  EXPECT_THAT(task.Replay({0, 2, 4}).status().message(),
              HasSubstr("past terminal"));
  EXPECT_THAT(task.Replay({1, 3}).status().message(),
              HasSubstr("terminal object"));
  EXPECT_EQ(task.Replay({5}).status().code(), kInvalid);
  EXPECT_EQ(task.Replay({2, 2}).status().code(), kInvalid);
}

// Every maximal independent set by brute force over subsets, as bitmasks.
std::set<uint32_t> BruteForceMaximalIndependentSets(const Graph& graph) {
  const int n = graph.num_nodes();
  std::set<uint32_t> result;
  for (uint32_t subset = 0; subset < (1u << n); ++subset) {
    uint32_t covered = subset;
    bool independent = true;
    for (int v = 0; v < n; ++v) {
      if (!(subset >> v & 1)) continue;
      for (int32_t u : graph.neighbors(v)) {
        if (subset >> u & 1) independent = false;
        covered |= 1u << u;
      }
    }
    if (independent && covered == (1u << n) - 1) result.insert(subset);
  }
  return result;
}

uint32_t SelectedMask(const State& s) {
  uint32_t mask = 0;
  for (size_t v = 0; v < s.size(); ++v) {
    if (s[v] == kS) mask |= 1u << v;
  }
  return mask;
}

double Factorial(int k) { return k <= 1 ? 1.0 : k * Factorial(k - 1); }

// The terminal states of the DAG are exactly the maximal independent sets;
// every ordering of a set's nodes is a trajectory to it (so |I|! of them);
// every state has one parent per selected node (uniform P_B = 1/|S|).
void ExpectDagMatchesBruteForce(std::shared_ptr<const Graph> graph,
                                size_t expected_sets) {
  MisTask task(graph);
  absl::StatusOr<StateGraph> dag = EnumerateStateGraph(task, 1'000'000);
  ASSERT_TRUE(dag.ok()) << dag.status();
  const std::set<uint32_t> expected = BruteForceMaximalIndependentSets(*graph);
  EXPECT_EQ(expected.size(), expected_sets);
  std::set<uint32_t> objects;
  for (int32_t i : dag->objects) objects.insert(SelectedMask(dag->states[i]));
  EXPECT_EQ(objects, expected);
  EXPECT_EQ(dag->objects.size(), expected.size());

  std::vector<double> paths(dag->num_states(), 0.0);
  std::vector<int> parents(dag->num_states(), 0);
  paths[0] = 1.0;
  for (int64_t i = 0; i < dag->num_states(); ++i) {  // Topological order.
    for (int a = 0; a < dag->num_actions; ++a) {
      const int32_t child = dag->children[i * dag->num_actions + a];
      if (child < 0) continue;
      paths[child] += paths[i];
      ++parents[child];
    }
  }
  for (int64_t i = 0; i < dag->num_states(); ++i) {
    const State& s = dag->states[i];
    EXPECT_EQ(parents[i], task.Level(s)) << task.ToString(s);
    const std::vector<uint8_t> back = BackwardMask(task, s);
    EXPECT_EQ(std::count(back.begin(), back.end(), 1), task.Level(s));
  }
  for (int32_t i : dag->objects) {
    const State& x = dag->states[i];
    EXPECT_EQ(paths[i], Factorial(task.Level(x))) << task.ToString(x);
  }
}

TEST(MisTaskTest, DagMatchesBruteForceOnCyclePlusPendant) {
  ExpectDagMatchesBruteForce(CyclePlusPendant(), 3);
}

TEST(MisTaskTest, DagMatchesBruteForceOnPath) {
  // Path 0-1-2-3-4: {0,2,4}, {0,3}, {1,3}, {1,4}.
  ExpectDagMatchesBruteForce(MakeGraph(5, {{0, 1}, {1, 2}, {2, 3}, {3, 4}}), 4);
}

TEST(MisTaskTest, DagMatchesBruteForceOnEdgelessAndCompleteGraphs) {
  ExpectDagMatchesBruteForce(MakeGraph(4, {}), 1);  // One set, 4! orders.
  ExpectDagMatchesBruteForce(
      MakeGraph(4, {{0, 1}, {0, 2}, {0, 3}, {1, 2}, {1, 3}, {2, 3}}), 4);
}

TEST(MisTaskTest, DagMatchesBruteForceOnRandomGraphs) {
  for (uint64_t seed : {3, 4, 5}) {
    auto graph =
        std::make_shared<const Graph>(GenerateErdosRenyiGraph(seed, 8, 0.35));
    const size_t count = BruteForceMaximalIndependentSets(*graph).size();
    ExpectDagMatchesBruteForce(graph, count);
  }
}

// ------------------------------------------------------------------ greedy

TEST(GreedyTest, HandCheckedGraphs) {
  // Star: the leaves have degree 1, the centre 4.
  EXPECT_THAT(GreedyMinDegreeIndependentSet(
                  *MakeGraph(5, {{0, 1}, {0, 2}, {0, 3}, {0, 4}})),
              ElementsAre(1, 2, 3, 4));
  // Path: picks 0, then 2 (degree 1 once 1 is out, lower id than 4), then 4.
  EXPECT_THAT(GreedyMinDegreeIndependentSet(
                  *MakeGraph(5, {{0, 1}, {1, 2}, {2, 3}, {3, 4}})),
              ElementsAre(0, 2, 4));
  // Pendant 4 first (degree 1), which excludes 0 and drops 1 and 3 to
  // degree 1; then 1, which excludes 2; then 3.
  EXPECT_THAT(GreedyMinDegreeIndependentSet(*CyclePlusPendant()),
              ElementsAre(1, 3, 4));
}

TEST(GreedyTest, IsMaximalIndependentSetOnGeneratedGraphs) {
  for (uint64_t seed = 0; seed < 5; ++seed) {
    const Graph er = GenerateErdosRenyiGraph(seed, 60, 0.1);
    EXPECT_TRUE(IsMaximalIndependentSet(er, GreedyMinDegreeIndependentSet(er)));
    const Graph rb = GenerateRbGraph(seed);
    EXPECT_TRUE(IsMaximalIndependentSet(rb, GreedyMinDegreeIndependentSet(rb)));
  }
}

// -------------------------------------------------------------- generators

TEST(GeneratorTest, DeterministicPerSeed) {
  EXPECT_EQ(GenerateRbGraph(5).edges(), GenerateRbGraph(5).edges());
  EXPECT_NE(GenerateRbGraph(5).edges(), GenerateRbGraph(6).edges());
  EXPECT_EQ(GenerateErdosRenyiGraph(5, 50, 0.2).edges(),
            GenerateErdosRenyiGraph(5, 50, 0.2).edges());
  EXPECT_NE(GenerateErdosRenyiGraph(5, 50, 0.2).edges(),
            GenerateErdosRenyiGraph(6, 50, 0.2).edges());
}

// Expected values computed outside C++ from the mt19937_64 definition (a
// Python transcription of the engine), so they hold with any standard
// library and would catch a change of the draws that silently renames every
// instance's graph.
TEST(GeneratorTest, DrawsMatchAnIndependentImplementation) {
  std::mt19937_64 rng(7);
  std::vector<uint64_t> draws;
  for (int i = 0; i < 8; ++i) draws.push_back(UniformBelow(rng, 6));
  EXPECT_THAT(draws, ElementsAre(3, 0, 0, 0, 1, 0, 3, 4));
  EXPECT_THAT(GenerateErdosRenyiGraph(42, 6, 0.5).edges(),
              ElementsAre(std::make_pair(0, 4), std::make_pair(1, 2),
                          std::make_pair(1, 4), std::make_pair(1, 5),
                          std::make_pair(2, 3), std::make_pair(2, 4)));
}

TEST(GeneratorTest, RbGraphsHaveTheCliqueStructure) {
  for (uint64_t seed = 0; seed < 20; ++seed) {
    const Graph g = GenerateRbGraph(seed);
    ASSERT_GE(g.num_nodes(), 200);
    ASSERT_LE(g.num_nodes(), 300);
    // Some clique size k in [5, 12] with n = nodes / k in [20, 25] makes
    // every block of k consecutive nodes a clique. Independent sets then
    // hold at most one node per clique.
    bool found = false;
    for (int k = 5; k <= 12 && !found; ++k) {
      const int n = g.num_nodes() / k;
      if (g.num_nodes() % k != 0 || n < 20 || n > 25) continue;
      bool cliques = true;
      for (int v = 0; v < g.num_nodes(); ++v) {
        const int first = v / k * k;
        for (int u = first; u < first + k; ++u) {
          const auto nb = g.neighbors(v);
          if (u != v && !std::binary_search(nb.begin(), nb.end(), u)) {
            cliques = false;
          }
        }
      }
      if (!cliques) continue;
      found = true;
      EXPECT_LE(GreedyMinDegreeIndependentSet(g).size(),
                static_cast<size_t>(n));
      // Cross-clique edges exist: more than the cliques alone.
      EXPECT_GT(g.num_edges(), int64_t{n} * k * (k - 1) / 2);
    }
    EXPECT_TRUE(found) << "seed " << seed << ": " << g.num_nodes() << " nodes";
  }
}

TEST(GeneratorTest, RbGraphsRespectCustomNodeRange) {
  for (uint64_t seed = 0; seed < 5; ++seed) {
    const int nodes = GenerateRbGraph(seed, 100, 120).num_nodes();
    EXPECT_GE(nodes, 100);
    EXPECT_LE(nodes, 120);
  }
}

TEST(GeneratorTest, ErdosRenyiEdgeCountNearExpectation) {
  constexpr int kNodes = 200;
  constexpr double kP = 0.1;
  const double pairs = kNodes * (kNodes - 1) / 2.0;
  const double sigma = std::sqrt(pairs * kP * (1 - kP));  // ~42
  for (uint64_t seed = 0; seed < 3; ++seed) {
    const double edges = static_cast<double>(
        GenerateErdosRenyiGraph(seed, kNodes, kP).num_edges());
    EXPECT_NEAR(edges, pairs * kP, 5 * sigma) << "seed " << seed;
  }
  EXPECT_EQ(GenerateErdosRenyiGraph(1, 20, 0.0).num_edges(), 0);
  EXPECT_EQ(GenerateErdosRenyiGraph(1, 20, 1.0).num_edges(), 190);
  EXPECT_EQ(GenerateErdosRenyiGraph(1, 1, 0.5).num_nodes(), 1);
}

// ------------------------------------------------------------------ family

std::unique_ptr<MisFamilyTask> CreateFamily(const MisFamilyOptions& options) {
  absl::StatusOr<std::unique_ptr<MisFamilyTask>> task =
      MisFamilyTask::Create(options);
  EXPECT_TRUE(task.ok()) << task.status();
  return task.ok() ? *std::move(task) : nullptr;
}

MisFamilyOptions Family(const std::string& family, int train, int test) {
  MisFamilyOptions options;
  options.family = family;
  options.train_instances = train;
  options.test_instances = test;
  return options;
}

// A family's instances are MisTasks.
std::shared_ptr<const MisTask> GetInstance(const MisFamilyTask& task,
                                           uint64_t seed) {
  absl::StatusOr<std::shared_ptr<const Task>> instance =
      task.Instance({task.family(), seed});
  EXPECT_TRUE(instance.ok()) << instance.status();
  return instance.ok() ? std::static_pointer_cast<const MisTask>(*instance)
                       : nullptr;
}

TEST(MisFamilyTest, RbTrainAndTestSets) {
  auto task = CreateFamily(Family("rb200-300", 10, 3));
  ASSERT_NE(task, nullptr);
  const std::string family = "rb200-300";
  EXPECT_EQ(task->family(), family);
  EXPECT_EQ(task->name(), "mis");
  EXPECT_EQ(task->instances(), task.get());
  EXPECT_EQ(task->max_trajectory_length(), 300);
  EXPECT_FALSE(task->exactly_enumerable());
  EXPECT_GE(task->state_size(), 200);
  EXPECT_EQ(task->state_size(), task->graph().num_nodes());

  constexpr uint64_t kBase = MisFamilyTask::kTestSeedBase;
  EXPECT_THAT(
      task->TestInstances(),
      ElementsAre(InstanceId{family, kBase}, InstanceId{family, kBase + 1},
                  InstanceId{family, kBase + 2}));
  EXPECT_TRUE(task->IsTrainingInstance({family, 0}));
  EXPECT_TRUE(task->IsTrainingInstance({family, 9}));
  EXPECT_FALSE(task->IsTrainingInstance({family, 10}));
  EXPECT_FALSE(task->IsTrainingInstance({family, kBase}));
  EXPECT_FALSE(task->IsTrainingInstance({"er-10-0.5", 0}));
  EXPECT_FALSE(task->IsTrainingInstance({}));

  EXPECT_TRUE(task->Instance({family, 9}).ok());
  EXPECT_TRUE(task->Instance({family, kBase + 2}).ok());
  for (const InstanceId& bad :
       {InstanceId{family, 10}, InstanceId{family, kBase + 3},
        InstanceId{family, kBase - 1}, InstanceId{"er-10-0.5", 0},
        InstanceId{}}) {
    absl::StatusOr<std::shared_ptr<const Task>> instance = task->Instance(bad);
    EXPECT_EQ(instance.status().code(), kInvalid) << bad.ToString();
    EXPECT_THAT(instance.status().message(), HasSubstr(bad.ToString()));
    EXPECT_THAT(instance.status().message(),
                HasSubstr("training seeds 0..9, test seeds "
                          "1000000000..1000000002"));
  }
}

TEST(MisFamilyTest, InstancesAreSeparateTasksOnDeterministicGraphs) {
  auto task = CreateFamily(Family("rb200-300", 10, 3));
  ASSERT_NE(task, nullptr);
  std::shared_ptr<const MisTask> first = GetInstance(*task, 0);
  ASSERT_NE(first, nullptr);
  EXPECT_NE(first.get(), task.get());
  EXPECT_EQ(first->instances(), nullptr);
  EXPECT_EQ(&first->graph(), &task->graph());  // Shares the first graph.
  EXPECT_EQ(GetInstance(*task, 3), GetInstance(*task, 3));  // Cached.

  const Graph* g3 = &GetInstance(*task, 3)->graph();
  const Graph* g4 = &GetInstance(*task, 4)->graph();
  const Graph* test0 =
      &GetInstance(*task, MisFamilyTask::kTestSeedBase)->graph();
  EXPECT_NE(g3->edges(), g4->edges());
  EXPECT_NE(task->graph().edges(), test0->edges());
  for (const Graph* g : {g3, g4, test0}) {
    EXPECT_GE(g->num_nodes(), 200);
    EXPECT_LE(g->num_nodes(), 300);
  }

  // Another process building the same family rebuilds the same graphs.
  auto again = CreateFamily(Family("rb200-300", 5, 1));
  ASSERT_NE(again, nullptr);
  EXPECT_EQ(GetInstance(*again, 3)->graph().edges(), g3->edges());
  EXPECT_EQ(again->graph().edges(), task->graph().edges());
}

TEST(MisFamilyTest, DrawTrainingInstanceCoversTheTrainingSet) {
  auto task = CreateFamily(Family("er-20-0.3", 10, 2));
  ASSERT_NE(task, nullptr);
  std::mt19937_64 rng(1);
  std::set<uint64_t> seeds;
  for (int i = 0; i < 200; ++i) {
    const InstanceId id = task->DrawTrainingInstance(rng);
    EXPECT_TRUE(task->IsTrainingInstance(id)) << id.ToString();
    seeds.insert(id.seed);
  }
  EXPECT_EQ(seeds.size(), 10u);
}

TEST(MisFamilyTest, BaselineEnergyIsMinusTheGreedySize) {
  auto task = CreateFamily(Family("er-40-0.2", 4, 2));
  ASSERT_NE(task, nullptr);
  for (uint64_t seed :
       {uint64_t{0}, uint64_t{3}, MisFamilyTask::kTestSeedBase + 1}) {
    const InstanceId id{task->family(), seed};
    absl::StatusOr<double> energy = task->BaselineEnergy(id);
    ASSERT_TRUE(energy.ok()) << energy.status();
    const Graph& graph = GetInstance(*task, seed)->graph();
    EXPECT_EQ(*energy, -static_cast<double>(
                           GreedyMinDegreeIndependentSet(graph).size()));
    EXPECT_LT(*energy, -1.0);
  }
  EXPECT_EQ(task->BaselineEnergy({task->family(), 4}).status().code(),
            kInvalid);
}

TEST(MisFamilyTest, ErdosRenyiFamilySizes) {
  auto task = CreateFamily(Family("er-30-0.2", 3, 0));
  ASSERT_NE(task, nullptr);
  EXPECT_EQ(task->max_trajectory_length(), 30);
  EXPECT_EQ(task->state_size(), 30);
  EXPECT_TRUE(task->TestInstances().empty());
  EXPECT_THAT(task->Instance({"er-30-0.2", 3}).status().message(),
              HasSubstr("test seeds none"));
  EXPECT_EQ(GetInstance(*task, 2)->graph().num_nodes(), 30);

  // Only a single training instance is the whole distribution, so only
  // then may the evaluator enumerate it.
  auto single = CreateFamily(Family("er-8-0.4", 1, 5));
  ASSERT_NE(single, nullptr);
  EXPECT_TRUE(single->exactly_enumerable());
  EXPECT_FALSE(CreateFamily(Family("er-8-0.4", 2, 5))->exactly_enumerable());
  EXPECT_FALSE(CreateFamily(Family("er-20-0.4", 1, 5))->exactly_enumerable());
}

TEST(MisFamilyTest, EvictedInstancesStayAliveAndAreRebuiltIdentically) {
  // More instances than the cache holds.
  auto task = CreateFamily(Family("er-6-0.5", 5000, 0));
  ASSERT_NE(task, nullptr);
  std::shared_ptr<const MisTask> held = GetInstance(*task, 1);
  for (uint64_t seed = 2; seed < 5000; ++seed) GetInstance(*task, seed);
  std::shared_ptr<const MisTask> rebuilt = GetInstance(*task, 1);
  EXPECT_NE(rebuilt, held);                 // Evicted, so built again ...
  EXPECT_EQ(held->graph().num_nodes(), 6);  // ... while the old one lives.
  EXPECT_EQ(rebuilt->graph().edges(), held->graph().edges());
}

TEST(MisFamilyTest, ConcurrentInstanceLookupsAgree) {
  auto task = CreateFamily(Family("er-50-0.1", 20, 0));
  ASSERT_NE(task, nullptr);
  std::vector<std::vector<const Task*>> seen(4);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (uint64_t seed = 0; seed < 20; ++seed) {
        seen[t].push_back(GetInstance(*task, seed).get());
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  // One task per seed, whichever thread built it first.
  for (int t = 1; t < 4; ++t) EXPECT_EQ(seen[t], seen[0]);
}

TEST(MisFamilyTest, RejectsBadFamiliesAndCounts) {
  for (const std::string family :
       {"", "rb", "rb200-301", "ER-10-0.5", "er-10", "er-10-", "er--0.5",
        "er-0-0.5", "er-100001-0.1", "er-10-1.5", "er-10--0.5", "er-10-0.5x",
        "er-10-.5", "er-10-1.", "er-1e2-0.1", "er-10-1e-1", "er- 10-0.5",
        "er-+10-0.5", "er-100000-0.5"}) {
    absl::StatusOr<std::unique_ptr<MisFamilyTask>> task =
        MisFamilyTask::Create(Family(family, 10, 2));
    EXPECT_EQ(task.status().code(), kInvalid) << family;
    EXPECT_THAT(task.status().message(), HasSubstr("valid families")) << family;
  }
  EXPECT_TRUE(MisFamilyTask::Create(Family("er-10-1", 1, 0)).ok());
  EXPECT_TRUE(MisFamilyTask::Create(Family("er-10-0", 1, 0)).ok());
  EXPECT_EQ(MisFamilyTask::Create(Family("rb200-300", 0, 2)).status().code(),
            kInvalid);
  EXPECT_EQ(MisFamilyTask::Create(Family("rb200-300", 10, -1)).status().code(),
            kInvalid);
  EXPECT_EQ(
      MisFamilyTask::Create(Family("rb200-300", 20'000'000, 2)).status().code(),
      kInvalid);
}

TEST(MisFamilyTest, EdgeListFilesFormAFamilyNamedByTheirContents) {
  const std::string a = WriteTempFile("a.edges", "0 1\n1 2\n2 3\n");
  const std::string b = WriteTempFile("b.edges", "n 7\n0 1\n5 6\n");
  MisFamilyOptions options;
  options.family = "ignored";
  options.train_instances = 0;  // Ignored too: the files are the instances.
  options.edge_list_files = {a, b};
  auto task = CreateFamily(options);
  ASSERT_NE(task, nullptr);
  const std::string family = task->family();
  EXPECT_THAT(family, StartsWith("file-"));
  EXPECT_EQ(family.size(), 5u + 16u);
  EXPECT_EQ(family.find_first_not_of("0123456789abcdef", 5), std::string::npos);
  EXPECT_EQ(task->max_trajectory_length(), 7);
  EXPECT_EQ(task->state_size(), 4);  // The first file.
  EXPECT_FALSE(task->exactly_enumerable());
  EXPECT_THAT(task->TestInstances(),
              ElementsAre(InstanceId{family, 0}, InstanceId{family, 1}));
  EXPECT_TRUE(task->IsTrainingInstance({family, 1}));
  EXPECT_FALSE(task->IsTrainingInstance({family, 2}));
  EXPECT_EQ(task->Instance({family, 2}).status().code(), kInvalid);
  EXPECT_THAT(GetInstance(*task, 1)->graph().edges(),
              ElementsAre(std::make_pair(0, 1), std::make_pair(5, 6)));
  // Path 0-1-2-3: greedy picks 0 and 2.
  EXPECT_EQ(*task->BaselineEnergy({family, 0}), -2.0);

  // Same contents elsewhere: same family. Other edges: another family.
  options.edge_list_files = {
      WriteTempFile("a_copy.edges", "# copy\n0 1\n1 2\n2 3\n"), b};
  EXPECT_EQ(CreateFamily(options)->family(), family);
  options.edge_list_files = {
      WriteTempFile("a_changed.edges", "0 1\n1 2\n1 3\n"), b};
  EXPECT_NE(CreateFamily(options)->family(), family);
  options.edge_list_files = {b, a};  // Order matters: instance ids change.
  EXPECT_NE(CreateFamily(options)->family(), family);

  options.edge_list_files = {a};
  auto single = CreateFamily(options);
  ASSERT_NE(single, nullptr);
  EXPECT_TRUE(single->exactly_enumerable());
  EXPECT_TRUE(EnumerateStateGraph(*single, 1000).ok());

  options.edge_list_files = {a, ::testing::TempDir() + "/missing.edges"};
  EXPECT_EQ(MisFamilyTask::Create(options).status().code(), kInvalid);
  options.edge_list_files = {WriteTempFile("bad_family.edges", "0 x\n")};
  EXPECT_THAT(MisFamilyTask::Create(options).status().message(),
              HasSubstr("bad_family.edges:1:"));
}

// ---------------------------------------------------------------- MakeTask

TEST(MisMakeTaskTest, BuildsFamiliesAndRejectsBadNames) {
  TaskOptions options;
  options.name = "mis";
  options.mis_family = "er-12-0.3";
  options.mis_train_instances = 7;
  options.mis_test_instances = 2;
  absl::StatusOr<std::unique_ptr<Task>> task = MakeTask(options);
  ASSERT_TRUE(task.ok()) << task.status();
  EXPECT_EQ((*task)->name(), "mis");
  const InstanceFamily* family = (*task)->instances();
  ASSERT_NE(family, nullptr);
  EXPECT_EQ(family->TestInstances().size(), 2u);
  EXPECT_TRUE(family->IsTrainingInstance({"er-12-0.3", 6}));
  EXPECT_FALSE(family->IsTrainingInstance({"er-12-0.3", 7}));

  options.mis_edge_list_files = {WriteTempFile("make.edges", "0 1\n")};
  task = MakeTask(options);
  ASSERT_TRUE(task.ok()) << task.status();
  EXPECT_EQ((*task)->state_size(), 2);

  options.mis_edge_list_files.clear();
  for (const std::string family : {"rb100-200", "er-12", "er-12-2"}) {
    options.mis_family = family;
    EXPECT_EQ(MakeTask(options).status().code(), kInvalid) << family;
  }
  options.mis_family = "rb200-300";
  options.mis_test_instances = -3;
  EXPECT_EQ(MakeTask(options).status().code(), kInvalid);
}

}  // namespace
}  // namespace ledgfn
