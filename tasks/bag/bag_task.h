// The bag task (DESIGN §3, from the LED-GFN paper's code): build a multiset
// of exactly 13 letters over an alphabet of 7, one letter per step.
//
// Contract (general form: L letters, maximum size M, threshold K; MakeTask
// uses L = 7, M = 13, K = 7):
//  * State: L letter counts. Forward actions 0..L-1 add that letter (valid
//    while the size is below M); action L is stop, valid ONLY at size M, where
//    it is the only valid action. So every object is a bag of size M, and
//    trajectories have exactly M + 1 transitions. Backward action l removes
//    letter l (valid when its count > 0). Level = size.
//  * R = 30 for a mode, else 10 if some letter occurs >= K times, else 0.01;
//    E = -log R. PartialEnergy applies the same rule to a partial bag, which
//    can reach ">= K of a letter" but is never a mode (modes have size M).
//  * Modes, by default: bags of size M with a letter occurring >= K times
//    that the seeded hash selects, SplitMix64(PackCounts(x) ^ kModeSeed) % 4
//    == 0, i.e. about a quarter of them. Alternatively an explicit list
//    (e.g. from --bag_modes_file) replaces the hash: exactly the listed bags
//    are modes, whatever their letter counts.
//  * Features (BagFeatures): kOneHot (default), one-hot of each letter's
//    count, L * (M + 1) floats; or kCounts, the paper's code's L + 2 floats:
//    each letter's count, the largest count, and 1 if that is >= K else 0.
//  * Preconditions (the constructor does not check them): 1 <= L <= 8,
//    1 <= M <= 255 (counts are packed one byte per letter), 1 <= K.
#ifndef LEDGFN_TASKS_BAG_BAG_TASK_H_
#define LEDGFN_TASKS_BAG_BAG_TASK_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "tasks/backward_dynamics.h"
#include "tasks/task.h"

namespace ledgfn {

enum class BagFeatures { kOneHot, kCounts };
// "one_hot" or "counts"; INVALID_ARGUMENT otherwise.
absl::StatusOr<BagFeatures> ParseBagFeatures(absl::string_view name);

class BagTask : public Task, public BackwardDynamics {
 public:
  static constexpr int kDefaultLetters = 7;
  static constexpr int kDefaultMaxSize = 13;
  static constexpr int kDefaultThreshold = 7;
  // Seed of the mode hash: the ASCII bytes of "LEDGFN-1". Changing it changes
  // which bags are modes, so results are only comparable under one seed.
  static constexpr uint64_t kModeSeed = 0x4C454447464E2D31ULL;
  // Rewards of the three classes, as in the paper's code.
  static constexpr double kModeReward = 30.0;
  static constexpr double kFrequentReward = 10.0;
  static constexpr double kBaseReward = 0.01;

  // Hash-selected modes. threshold < 0 means max_size / 2 + 1 ("more than
  // half the bag"), which is 7 for the default size 13.
  explicit BagTask(int num_letters = kDefaultLetters,
                   int max_size = kDefaultMaxSize, int threshold = -1);
  // Explicit modes: each entry is a vector of num_letters counts summing to
  // max_size (as returned by ParseBagModes).
  BagTask(int num_letters, int max_size, int threshold,
          const std::vector<State>& modes);

  int num_letters() const { return num_letters_; }
  int max_size() const { return max_size_; }
  int threshold() const { return threshold_; }
  bool has_explicit_modes() const { return explicit_modes_; }
  // The feature map (before the task is shared: not thread-safe).
  void set_features(BagFeatures features) { features_ = features; }
  BagFeatures features() const { return features_; }

  std::string name() const override { return "bag"; }
  int state_size() const override { return num_letters_; }
  int feature_size() const override;
  int num_forward_actions() const override { return num_letters_ + 1; }
  int num_backward_actions() const override { return num_letters_; }
  bool has_stop_action() const override { return true; }
  int max_trajectory_length() const override { return max_size_ + 1; }

  State InitialState() const override { return State(num_letters_, 0); }
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

  double Energy(const State& x) const override { return PartialEnergy(x); }
  double PartialEnergy(const State& s) const override;
  bool IsMode(const State& x) const override;
  bool exactly_enumerable() const override { return true; }

  // The bag as sorted letters, e.g. "aaaaaaabbcdef" (the modes-file format).
  std::string ToString(const State& x) const override;

  TaskDefaults defaults() const override;

  // One byte per letter count; the key of the mode hash and mode set.
  static uint64_t PackCounts(const State& s);
  // The mixer of the mode hash (Steele et al.'s SplitMix64 finaliser).
  static uint64_t SplitMix64(uint64_t x);

 private:
  int MaxCount(const State& s) const;

  int num_letters_;
  int max_size_;
  int threshold_;
  bool explicit_modes_ = false;
  absl::flat_hash_set<uint64_t> modes_;  // Packed counts; explicit modes only.
  double mode_energy_, frequent_energy_, base_energy_;
  BagFeatures features_ = BagFeatures::kOneHot;
};

// Parses a modes list: one bag per line written as max_size letters from
// 'a' onwards (case-insensitive, any order); blank lines and lines starting
// with '#' are skipped (surrounding whitespace is ignored). Anything else is
// INVALID_ARGUMENT naming the line; an input with no bag is also invalid.
// Duplicates are allowed.
absl::StatusOr<std::vector<State>> ParseBagModes(absl::string_view text,
                                                 int num_letters, int max_size);

// Reads `path` and parses it with ParseBagModes. NOT_FOUND when the file
// cannot be opened.
absl::StatusOr<std::vector<State>> LoadBagModesFile(const std::string& path,
                                                    int num_letters,
                                                    int max_size);

}  // namespace ledgfn

#endif  // LEDGFN_TASKS_BAG_BAG_TASK_H_
