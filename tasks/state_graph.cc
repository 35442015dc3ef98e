#include "tasks/state_graph.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace ledgfn {
namespace {

// Children indices are int32, so a graph can never exceed this.
constexpr int64_t kMaxGraphStates = std::numeric_limits<int32_t>::max();

std::vector<double> NegativeEnergies(const Task& task, const StateGraph& graph,
                                     double reward_exponent) {
  std::vector<double> log_r;
  log_r.reserve(graph.objects.size());
  for (int32_t i : graph.objects)
    log_r.push_back(-reward_exponent * task.Energy(graph.states[i]));
  return log_r;
}

double LogSumExp(const std::vector<double>& v) {
  double m = -std::numeric_limits<double>::infinity();
  for (double x : v) m = std::max(m, x);
  if (!std::isfinite(m)) return m;
  double sum = 0.0;
  for (double x : v) sum += std::exp(x - m);
  return m + std::log(sum);
}

}  // namespace

absl::StatusOr<StateGraph> EnumerateStateGraph(const Task& task,
                                               int64_t max_states) {
  if (!task.exactly_enumerable()) {
    return absl::FailedPreconditionError(
        absl::StrCat("task '", task.name(), "' is not exactly enumerable"));
  }
  max_states = std::min(max_states, kMaxGraphStates);
  const int num_actions = task.num_forward_actions();
  const int stop = task.stop_action();
  StateGraph graph;
  graph.num_actions = num_actions;
  absl::flat_hash_map<State, int32_t> index;
  graph.states.push_back(task.InitialState());
  index.emplace(graph.states[0], 0);
  graph.level_begin.push_back(0);

  // Breadth-first by level: every child of a level-L state has level L+1,
  // so states discovered while expanding level L form exactly level L+1 and
  // appending them keeps the vector grouped by level.
  int64_t level_end = 1;
  int level = 0;
  for (int64_t i = 0; i < graph.num_states(); ++i) {
    if (i == level_end) {
      graph.level_begin.push_back(i);
      level_end = graph.num_states();
      ++level;
    }
    graph.forward_masks.resize((i + 1) * num_actions);
    graph.children.resize((i + 1) * num_actions, -1);
    uint8_t* mask = &graph.forward_masks[i * num_actions];
    task.ForwardMask(graph.states[i], mask);
    const bool is_object =
        stop >= 0 ? mask[stop] != 0 : task.IsTerminal(graph.states[i]);
    if (is_object) graph.objects.push_back(static_cast<int32_t>(i));
    for (int a = 0; a < num_actions; ++a) {
      if (!mask[a] || a == stop) continue;
      State child = graph.states[i];
      task.Step(child, a);
      auto [it, inserted] =
          index.emplace(child, static_cast<int32_t>(graph.num_states()));
      if (inserted) {
        // The level grouping (and so the topological order) relies on the
        // Task contract that each step adds one level; check, don't assume.
        if (task.Level(child) != level + 1) {
          return absl::InternalError(absl::StrCat(
              "task '", task.name(), "': action ", a, " from a level-", level,
              " state leads to level ", task.Level(child)));
        }
        if (graph.num_states() >= max_states) {
          return absl::ResourceExhaustedError(
              absl::StrCat("task '", task.name(), "' has more than ",
                           max_states, " states"));
        }
        graph.states.push_back(std::move(child));
      }
      graph.children[i * num_actions + a] = it->second;
    }
  }
  graph.level_begin.push_back(graph.num_states());
  return graph;
}

std::vector<double> ExactTargetDistribution(const Task& task,
                                            const StateGraph& graph,
                                            double reward_exponent) {
  std::vector<double> pi = NegativeEnergies(task, graph, reward_exponent);
  const double log_z = LogSumExp(pi);
  for (double& p : pi) p = std::exp(p - log_z);
  return pi;
}

double ExactLogZFromGraph(const Task& task, const StateGraph& graph,
                          double reward_exponent) {
  return LogSumExp(NegativeEnergies(task, graph, reward_exponent));
}

std::vector<double> TerminalDistribution(const StateGraph& graph,
                                         absl::Span<const float> log_pf,
                                         bool has_stop) {
  const int64_t n = graph.num_states();
  const int num_actions = graph.num_actions;
  if (static_cast<int64_t>(log_pf.size()) != n * num_actions) return {};
  const int stop = has_stop ? num_actions - 1 : -1;
  std::vector<double> mass(n, 0.0);
  if (n > 0) mass[0] = 1.0;
  // Stop mass per state (tasks with stop); arrival mass is `mass` itself.
  std::vector<double> stopped(has_stop ? n : 0, 0.0);
  // States are in topological order, so mass[i] is final when we reach i.
  for (int64_t i = 0; i < n; ++i) {
    const double p = mass[i];
    if (p == 0.0) continue;
    const int64_t row = i * num_actions;
    for (int a = 0; a < num_actions; ++a) {
      if (!graph.forward_masks[row + a]) continue;
      const double flow = p * std::exp(static_cast<double>(log_pf[row + a]));
      if (a == stop) {
        stopped[i] += flow;
      } else {
        mass[graph.children[row + a]] += flow;
      }
    }
  }
  const std::vector<double>& source = has_stop ? stopped : mass;
  std::vector<double> result;
  result.reserve(graph.objects.size());
  for (int32_t i : graph.objects) result.push_back(source[i]);
  return result;
}

double L1Distance(absl::Span<const double> a, absl::Span<const double> b) {
  if (a.size() != b.size()) return std::numeric_limits<double>::infinity();
  double sum = 0.0;
  for (size_t i = 0; i < a.size(); ++i) sum += std::abs(a[i] - b[i]);
  return sum;
}

}  // namespace ledgfn
