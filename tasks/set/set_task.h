// The set task (DESIGN §3, from the FL-GFN reference): choose exactly |S|
// items out of a universe U, one item per step.
//
// Contract:
//  * State: |U| values in {0, 1} (1 = selected). Forward action i selects
//    unselected item i; there is no stop action: the trajectory ends when
//    |S| items are selected (IsTerminal), and the mask there is all zero.
//    Backward action i deselects item i. Level = number of selected items.
//  * E(x) = Σ_{i∈x} ε_i; PartialEnergy is the same sum over a partial set
//    (E(empty) = 0). Features: the binary vector as floats.
//  * No modes (IsMode is false); the evaluator reports top-100 only.
//  * ExactLogZ = log e_{|S|}(exp(-ε_1), ..., exp(-ε_|U|)), the elementary
//    symmetric polynomial, by an O(|U|·|S|) log-domain DP.
//  * exactly_enumerable() is true only for tiny universes (|U| <= 20, at most
//    about a million states); the named sizes are not enumerable.
#ifndef LEDGFN_TASKS_SET_SET_TASK_H_
#define LEDGFN_TASKS_SET_SET_TASK_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "tasks/backward_dynamics.h"
#include "tasks/task.h"

namespace ledgfn {

class SetTask : public Task, public BackwardDynamics {
 public:
  // Largest universe the exact evaluator may enumerate (2^20 states).
  static constexpr int kMaxEnumerableUniverse = 20;

  // "small" (|U|=30, |S|=20), "medium" (80, 60) or "large" (100, 80) with the
  // reference item energies; INVALID_ARGUMENT for any other name.
  static absl::StatusOr<std::unique_ptr<SetTask>> FromSizeName(
      absl::string_view size_name);

  // A custom universe: item i has energy item_energies[i]. Precondition:
  // 1 <= target_size <= item_energies.size().
  SetTask(std::vector<double> item_energies, int target_size);

  int universe_size() const { return static_cast<int>(item_energies_.size()); }
  int target_size() const { return target_size_; }
  const std::vector<double>& item_energies() const { return item_energies_; }

  std::string name() const override { return "set"; }
  int state_size() const override { return universe_size(); }
  int feature_size() const override { return universe_size(); }
  int num_forward_actions() const override { return universe_size(); }
  int num_backward_actions() const override { return universe_size(); }
  bool has_stop_action() const override { return false; }
  int max_trajectory_length() const override { return target_size_; }

  State InitialState() const override { return State(universe_size(), 0); }
  void ForwardMask(const State& s, uint8_t* mask) const override;
  void BackwardMask(const State& s, uint8_t* mask) const override;
  void Step(State& s, int action) const override { s[action] = 1; }
  const BackwardDynamics* backward_dynamics() const override { return this; }
  void StepBack(State& s, int backward_action) const override {
    s[backward_action] = 0;
  }
  bool IsTerminal(const State& s) const override {
    return Level(s) == target_size_;
  }
  int Level(const State& s) const override;

  void Features(const State& s, float* out) const override;

  double Energy(const State& x) const override { return PartialEnergy(x); }
  double PartialEnergy(const State& s) const override;
  bool IsMode(const State& /*x*/) const override { return false; }
  bool exactly_enumerable() const override {
    return universe_size() <= kMaxEnumerableUniverse;
  }
  absl::StatusOr<double> ExactLogZ() const override;

  // The selected item indices, e.g. "{0,3,7}".
  std::string ToString(const State& x) const override;

  TaskDefaults defaults() const override;

 private:
  std::vector<double> item_energies_;
  int target_size_;
};

}  // namespace ledgfn

#endif  // LEDGFN_TASKS_SET_SET_TASK_H_
