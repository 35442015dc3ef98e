// The hypergrid task (DESIGN §3): walk from the origin of {0..H-1}^D.
//
// Contract:
//  * State: D coordinates. Forward actions: 0..D-1 add 1 on that axis (masked
//    at the edge H-1), action D is stop (always valid). Backward action d
//    subtracts 1 on axis d (valid when s_d > 0). Level = sum of coordinates.
//  * Reward, with a_d = |s_d/(H-1) - 0.5| computed in double:
//      R = R0 + R1 * Π_d[0.25 + eps < a_d]
//             + R2 * Π_d[0.3 + eps < a_d < 0.4 + eps]
//    with eps = 1e-12. This is torchgfn's formula (gfn/gym/helpers/
//    hypergrid/rewards.py, OriginalReward), epsilon on the upper bound
//    included; in double it amounts to the bands a_d in (0.25, 0.5] and
//    (0.3, 0.4]: a_d == 0.25 and a_d == 0.3 are outside, a_d == 0.4 inside
//    (unlike a plain strict "< 0.4"). Bounds are hit only when s_d/(H-1) is
//    0.1, 0.2, 0.25, 0.75, 0.8 or 0.9 (H-1 a multiple of 4 or 10; never for
//    H = 8, 16, 32, 64). torchgfn computes in float32, which agrees with us
//    at all of these except s_d/(H-1) = 0.1: there float32 rounds a_d up to
//    0.4f and drops the cell, while its mirror 0.9 stays in; we keep the
//    grid symmetric. E = -log R.
//  * Every cell is a valid object, so PartialEnergy(s) = Energy(s).
//  * Modes: cells where both indicator products are 1 (R = R0+R1+R2).
//  * Features: one-hot per axis, D*H floats.
//  * ExactLogZ is closed-form: Z = R0*H^D + R1*n1^D + R2*n2^D where n1, n2
//    count the coordinate values inside each band.
//  * Preconditions (validated by MakeTask): D >= 1, H >= 2, R0 > 0,
//    R1, R2 >= 0.
#ifndef LEDGFN_TASKS_HYPERGRID_HYPERGRID_TASK_H_
#define LEDGFN_TASKS_HYPERGRID_HYPERGRID_TASK_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "tasks/backward_dynamics.h"
#include "tasks/task.h"

namespace ledgfn {

class HypergridTask : public Task, public BackwardDynamics {
 public:
  // The comparison slack of the reward bands (see the header comment).
  static constexpr double kBandEpsilon = 1e-12;

  HypergridTask(int dim, int side, double r0, double r1, double r2);

  int dim() const { return dim_; }
  int side() const { return side_; }

  std::string name() const override { return "hypergrid"; }
  int state_size() const override { return dim_; }
  int feature_size() const override { return dim_ * side_; }
  int num_forward_actions() const override { return dim_ + 1; }
  int num_backward_actions() const override { return dim_; }
  bool has_stop_action() const override { return true; }
  int max_trajectory_length() const override { return dim_ * (side_ - 1) + 1; }

  State InitialState() const override { return State(dim_, 0); }
  void ForwardMask(const State& s, uint8_t* mask) const override;
  void BackwardMask(const State& s, uint8_t* mask) const override;
  void Step(State& s, int action) const override { ++s[action]; }
  const BackwardDynamics* backward_dynamics() const override { return this; }
  void StepBack(State& s, int backward_action) const override {
    --s[backward_action];
  }
  bool IsTerminal(const State& /*s*/) const override { return false; }
  int Level(const State& s) const override;

  void Features(const State& s, float* out) const override;

  double Energy(const State& x) const override;
  double PartialEnergy(const State& s) const override { return Energy(s); }
  bool IsMode(const State& x) const override;
  bool exactly_enumerable() const override { return true; }
  absl::StatusOr<double> ExactLogZ() const override;

  TaskDefaults defaults() const override;

 private:
  // Whether every coordinate lies in band 1 (R1) and band 2 (R2).
  void Bands(const State& s, bool* all_band1, bool* all_band2) const;

  int dim_;
  int side_;
  double r0_, r1_, r2_;
  // Per coordinate value 0..H-1: inside band 1 / band 2. Precomputed so the
  // energy is a table lookup per axis.
  std::vector<uint8_t> in_band1_;
  std::vector<uint8_t> in_band2_;
  // energy_[2*b1 + b2] = -log(R0 + R1*b1 + R2*b2).
  double energy_[4];
};

}  // namespace ledgfn

#endif  // LEDGFN_TASKS_HYPERGRID_HYPERGRID_TASK_H_
