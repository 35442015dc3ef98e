// The capability of graph tasks (Task::graph_states() != nullptr, e.g.
// MIS): a state is one label per node of graph(), in
// 0..num_node_labels()-1; State[v] is node v's label and forward and
// backward action v act on node v. Their networks are graph networks over
// the labels (model/policy_net.h); Features() is still defined.
#ifndef LEDGFN_TASKS_GRAPH_STATES_H_
#define LEDGFN_TASKS_GRAPH_STATES_H_

#include "tasks/mis/graph.h"

namespace ledgfn {

class GraphStates {
 public:
  virtual ~GraphStates() = default;

  // The graph whose nodes the state labels; lives as long as the task.
  virtual const Graph& graph() const = 0;
  // Number of distinct node labels, >= 1.
  virtual int num_node_labels() const = 0;
};

}  // namespace ledgfn

#endif  // LEDGFN_TASKS_GRAPH_STATES_H_
