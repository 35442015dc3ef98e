// The task interface shared by actors (sampling), the learner (batch
// construction, evaluation) and the replay service (validation).
//
// Contract (DESIGN §2, §3):
//  * A state is a fixed-size vector of `state_size()` int32 values. The
//    initial state s_0 is `InitialState()`.
//  * Forward actions are indexed 0..num_forward_actions()-1. If the task has a
//    stop action it is the last index, `stop_action()`. Taking the stop action
//    ends the trajectory; the object x is the state it was taken in.
//    Tasks without a stop action end when `IsTerminal(s)` becomes true after a
//    forward step; the object x is that state.
//  * Every non-stop forward action a is undone by backward action
//    `BackwardAction(a)`; backward actions are indexed
//    0..num_backward_actions()-1. Every transition adds one unit of "size", so
//    the number of non-stop transitions T' equals `Level(x)` and states of one
//    level form a layer of the DAG (this gives the topological order of the
//    exact evaluator).
//  * Masks: a state always has at least one valid forward action unless it is
//    terminal, and at least one valid backward action unless it is s_0.
//  * Energies are in the energy domain: R(x) = exp(-E(x)). `PartialEnergy` is
//    the task-defined energy of any intermediate state (used by FL-GFN).
//  * Graph tasks (graph_states() != nullptr, e.g. MIS; graph_states.h)
//    describe a state as one label per node of a graph; their networks are
//    graph networks over the labels.
//  * Fragment-tree tasks (fragment_tree_layout() != nullptr, e.g. the
//    molecule task) lay their states out as fragment_tree.h says; their
//    networks are message-passing networks over the tree's blocks.
//  * Multi-instance tasks (instances() != nullptr, e.g. MIS over many
//    graphs; instance_family.h): every trajectory names its instance by an
//    InstanceId, on whose task Replay, masks and features are evaluated.
//    The multi-instance task itself behaves, for the per-state methods, as
//    its first training instance, except max_trajectory_length() which
//    bounds every instance. A single-instance task has one instance, the
//    empty id, which is the task itself.
//
// No torch here: this library is linked by the replay service.
#ifndef LEDGFN_TASKS_TASK_H_
#define LEDGFN_TASKS_TASK_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "common/energy_bound.h"
#include "common/state.h"

namespace ledgfn {

struct FragmentTreeLayout;
class BackwardDynamics;
class GraphStates;
class InstanceFamily;
class ObjectMetrics;

// Per-task training defaults (DESIGN §3, "reference settings"). The values
// below are the hypergrid and set reference settings; tasks override fields.
struct TaskDefaults {
  int batch_size = 16;
  int replay_batch_size = 0;
  double subtb_lambda = 0.9;
  double epsilon = 0.0;
  double policy_lr = 1e-3;
  double log_z_lr = 1e-1;
  double potential_lr = 1e-3;
  int hidden = 256;
  int layers = 2;
  // The energy bound (common/energy_bound.h): trajectories with |E| above
  // it are refused where they enter. Each task sets EnergyBoundFor(the
  // largest |E| its own energy function gives).
  double max_abs_energy = kLargestEnergyBound;
};

class Task {
 public:
  virtual ~Task() = default;

  // Identity and sizes.
  virtual std::string name() const = 0;
  virtual int state_size() const = 0;
  virtual int feature_size() const = 0;
  virtual int num_forward_actions() const = 0;
  virtual int num_backward_actions() const = 0;
  virtual bool has_stop_action() const = 0;
  // Index of the stop action; -1 when the task has none.
  int stop_action() const {
    return has_stop_action() ? num_forward_actions() - 1 : -1;
  }
  // Upper bound on T (transitions including the stop).
  virtual int max_trajectory_length() const = 0;

  // Dynamics.
  virtual State InitialState() const = 0;
  // Writes num_forward_actions() bytes: 1 = valid.
  virtual void ForwardMask(const State& s, uint8_t* mask) const = 0;
  // Writes num_backward_actions() bytes: 1 = valid.
  virtual void BackwardMask(const State& s, uint8_t* mask) const = 0;
  // Applies a valid non-stop forward action in place.
  virtual void Step(State& s, int action) const = 0;
  // The backward action that undoes non-stop forward action `action`.
  virtual int BackwardAction(int action) const { return action; }
  // True when `s` is an object the trajectory must end at without a stop
  // action (tasks without stop only).
  virtual bool IsTerminal(const State& s) const = 0;
  // Number of non-stop transitions from s_0 to s.
  virtual int Level(const State& s) const = 0;

  // Features of a state for the networks: writes feature_size() floats.
  virtual void Features(const State& s, float* out) const = 0;

  // Energies and evaluation.
  virtual double Energy(const State& x) const = 0;
  virtual double PartialEnergy(const State& s) const = 0;
  virtual bool IsMode(const State& x) const = 0;
  // E(x) and E(s) of many states, one per input, in order; the defaults
  // loop over Energy and PartialEnergy, tasks with a batched oracle (the
  // molecule proxy) override them.
  virtual std::vector<double> Energies(absl::Span<const State> xs) const;
  virtual std::vector<double> PartialEnergies(
      absl::Span<const State> states) const;
  // Whether the exact evaluator may enumerate the state DAG.
  virtual bool exactly_enumerable() const = 0;
  // Exact log Z when known in closed form or by DP (set); otherwise the
  // exact evaluator computes it by enumeration.
  virtual absl::StatusOr<double> ExactLogZ() const;

  // A human-readable rendering of an object (for logs and sample dumps).
  virtual std::string ToString(const State& x) const;
  // The identity of an object for distinct-object counts: two states with
  // the same key are the same object (the molecule task: one molecule built
  // in different block orders). Default: the state's raw int32 bytes.
  virtual std::string ObjectKey(const State& x) const;
  // IsMode of an object whose energy is already known (the tracker has it):
  // tasks whose IsMode needs the oracle (molecule) decide from the energy
  // instead of calling it again. Default: IsMode(x).
  virtual bool IsModeOfEnergy(const State& x, double energy) const {
    (void)energy;
    return IsMode(x);
  }

  virtual TaskDefaults defaults() const = 0;

  // Capabilities ----------------------------------------------------------
  // What only some tasks have, each behind one accessor: the task's own
  // (living as long as the task), or nullptr when the task lacks it.

  // Graph tasks: the graph and node labels their states are
  // (graph_states.h).
  virtual const GraphStates* graph_states() const { return nullptr; }
  // Fragment-tree tasks: their state layout (fragment_tree.h). Not a graph
  // task: graph_states() stays nullptr.
  virtual const FragmentTreeLayout* fragment_tree_layout() const {
    return nullptr;
  }
  // Tasks that can be stepped backward (backward_dynamics.h).
  virtual const BackwardDynamics* backward_dynamics() const { return nullptr; }
  // Multi-instance tasks: the family of instances (instance_family.h).
  virtual const InstanceFamily* instances() const { return nullptr; }
  // Tasks with domain metrics of objects besides the energy, which
  // evaluations report (object_metrics.h).
  virtual const ObjectMetrics* object_metrics() const { return nullptr; }

  // Convenience built on the virtual interface ---------------------------

  // Replays `actions` from s_0, checking each for legality. Returns the
  // visited states s_0..s_{T'} (the stop marker is not a state), so
  // result.back() is the object x. Fails with INVALID_ARGUMENT on an
  // out-of-range or masked action, a stop that is not last, or a trajectory
  // that does not end at a terminal object.
  absl::StatusOr<std::vector<State>> Replay(
      absl::Span<const int32_t> actions) const;
};

}  // namespace ledgfn

#endif  // LEDGFN_TASKS_TASK_H_
