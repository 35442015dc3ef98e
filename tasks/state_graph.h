// Exact enumeration of a task's forward DAG and exact distributions on it
// (DESIGN §2.6): the target π(x) = exp(-E(x))/Z and a policy's terminal
// distribution, obtained by pushing probability mass in topological order.
// No sampling noise, so tests and the evaluator can compare them tightly.
//
// Contract:
//  * Only for tasks with exactly_enumerable() (FAILED_PRECONDITION otherwise);
//    enumeration stops with RESOURCE_EXHAUSTED past `max_states` states.
//  * States are grouped by level (= Task::Level), levels in increasing order,
//    which is a topological order since every transition goes up one level.
//    Within a level the order is breadth-first discovery order
//    (deterministic for a given task).
//  * objects lists the terminal objects in state order: states where the stop
//    action is valid (tasks with stop) or IsTerminal states (tasks without).
//  * Every vector returned for objects is aligned with graph.objects.
#ifndef LEDGFN_TASKS_STATE_GRAPH_H_
#define LEDGFN_TASKS_STATE_GRAPH_H_

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "tasks/task.h"

namespace ledgfn {

struct StateGraph {
  // All states reachable from s_0, grouped by level.
  std::vector<State> states;
  // States of level L are [level_begin[L], level_begin[L+1]); the size is
  // the number of levels + 1.
  std::vector<int64_t> level_begin;
  // Forward actions per state (Task::num_forward_actions()).
  int num_actions = 0;
  // Row-major N x num_actions: the child's index for a valid non-stop
  // action, -1 for the stop action and invalid actions.
  std::vector<int32_t> children;
  // Row-major N x num_actions forward masks (1 = valid).
  std::vector<uint8_t> forward_masks;
  // Indices into `states` of the terminal objects, increasing.
  std::vector<int32_t> objects;

  int64_t num_states() const { return static_cast<int64_t>(states.size()); }
  int num_levels() const { return static_cast<int>(level_begin.size()) - 1; }
};

absl::StatusOr<StateGraph> EnumerateStateGraph(const Task& task,
                                               int64_t max_states);

// π(x) = exp(-β E(x) - log Z) for each object (β the reward exponent),
// computed in the log domain so tiny and huge rewards do not under- or
// overflow. Sums to 1.
std::vector<double> ExactTargetDistribution(const Task& task,
                                            const StateGraph& graph,
                                            double reward_exponent = 1.0);

// log Z = log Σ_x exp(-β E(x)) over graph.objects (log-sum-exp).
double ExactLogZFromGraph(const Task& task, const StateGraph& graph,
                          double reward_exponent = 1.0);

// The probability that a policy ends at each object. log_pf holds log P_F
// for every state, row-major N x num_actions; entries of invalid actions are
// ignored. Mass starts at 1 on s_0 and is pushed to children level by level;
// an object's probability is p(s)·P_F(stop|s) for tasks with a stop action,
// and the mass arriving at the terminal state for tasks without one.
// Returns an empty vector when log_pf has the wrong size.
std::vector<double> TerminalDistribution(const StateGraph& graph,
                                         absl::Span<const float> log_pf,
                                         bool has_stop);

// Σ_i |a_i - b_i|; +infinity when the sizes differ, so a mismatch can never
// pass for a good fit.
double L1Distance(absl::Span<const double> a, absl::Span<const double> b);

}  // namespace ledgfn

#endif  // LEDGFN_TASKS_STATE_GRAPH_H_
