// The capability of tasks that can be stepped backward
// (Task::backward_dynamics() != nullptr: hypergrid, set and bag), for
// sampling trajectories backward from an object with P_B (the paper's
// offline batches, learner/backward_sampler.h) and for the state-pair
// policy's neighbour features (model/network_input.h).
#ifndef LEDGFN_TASKS_BACKWARD_DYNAMICS_H_
#define LEDGFN_TASKS_BACKWARD_DYNAMICS_H_

#include "tasks/task.h"  // State

namespace ledgfn {

class BackwardDynamics {
 public:
  virtual ~BackwardDynamics() = default;

  // Applies a valid backward action to `s` in place, giving the parent p
  // with Step(p, ForwardActionOf(backward_action)) == s.
  virtual void StepBack(State& s, int backward_action) const = 0;
  // The forward action that Task::BackwardAction maps to `backward_action`.
  // Default: the identity, the inverse of Task::BackwardAction's default.
  virtual int ForwardActionOf(int backward_action) const {
    return backward_action;
  }
};

}  // namespace ledgfn

#endif  // LEDGFN_TASKS_BACKWARD_DYNAMICS_H_
