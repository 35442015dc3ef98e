#include "tasks/set/set_task.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace ledgfn {
namespace {

constexpr int kNumEnergyValues = 10;

// The ten distinct item energies of the FL-GFN reference, per size.
constexpr double kSmallValues[kNumEnergyValues] = {
    -0.43814, -0.40046, -0.27451, 0.01315, 0.41105,
    0.62618,  0.69615,  0.74423,  0.82064, 0.88349};
constexpr double kMediumValues[kNumEnergyValues] = {
    -0.78668, -0.78379, -0.52305, -0.41861, -0.38552,
    0.29612,  0.57318,  0.60093,  0.68818,  0.73964};
constexpr double kLargeValues[kNumEnergyValues] = {
    -0.85969, -0.59388, -0.55962, -0.45900, -0.15383,
    0.13832,  0.39250,  0.72320,  0.73270,  0.92445};

// Value k goes to items [k*|U|/10, (k+1)*|U|/10).
std::vector<double> ExpandValues(const double* values, int universe) {
  std::vector<double> energies(universe);
  for (int k = 0; k < kNumEnergyValues; ++k) {
    const int begin = k * universe / kNumEnergyValues;
    const int end = (k + 1) * universe / kNumEnergyValues;
    std::fill(energies.begin() + begin, energies.begin() + end, values[k]);
  }
  return energies;
}

double LogAddExp(double a, double b) {
  if (a == -std::numeric_limits<double>::infinity()) return b;
  if (b == -std::numeric_limits<double>::infinity()) return a;
  const double m = std::max(a, b);
  return m + std::log1p(std::exp(-std::abs(a - b)));
}

}  // namespace

absl::StatusOr<std::unique_ptr<SetTask>> SetTask::FromSizeName(
    absl::string_view size_name) {
  struct Spec {
    absl::string_view name;
    const double* values;
    int universe;
    int target;
  };
  static constexpr Spec kSpecs[] = {{"small", kSmallValues, 30, 20},
                                    {"medium", kMediumValues, 80, 60},
                                    {"large", kLargeValues, 100, 80}};
  for (const Spec& spec : kSpecs) {
    if (spec.name != size_name) continue;
    return std::make_unique<SetTask>(ExpandValues(spec.values, spec.universe),
                                     spec.target);
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "unknown set size '", size_name, "' (known: small, medium, large)"));
}

SetTask::SetTask(std::vector<double> item_energies, int target_size)
    : item_energies_(std::move(item_energies)), target_size_(target_size) {}

int SetTask::Level(const State& s) const {
  int level = 0;
  for (int32_t bit : s) level += bit;
  return level;
}

void SetTask::ForwardMask(const State& s, uint8_t* mask) const {
  const int n = universe_size();
  // A full set is terminal: no forward action, per the Task contract.
  if (Level(s) >= target_size_) {
    std::fill(mask, mask + n, uint8_t{0});
    return;
  }
  for (int i = 0; i < n; ++i) mask[i] = s[i] == 0;
}

void SetTask::BackwardMask(const State& s, uint8_t* mask) const {
  const int n = universe_size();
  for (int i = 0; i < n; ++i) mask[i] = s[i] != 0;
}

void SetTask::Features(const State& s, float* out) const {
  const int n = universe_size();
  for (int i = 0; i < n; ++i) out[i] = static_cast<float>(s[i]);
}

double SetTask::PartialEnergy(const State& s) const {
  double energy = 0.0;
  const int n = universe_size();
  for (int i = 0; i < n; ++i) {
    if (s[i]) energy += item_energies_[i];
  }
  return energy;
}

absl::StatusOr<double> SetTask::ExactLogZ() const {
  // log_e[j] = log e_j(w_1..w_i) over the items seen so far, w = exp(-ε);
  // e_j gains w_i·e_{j-1} when item i is added. Iterating j downwards lets
  // the update run in place.
  constexpr double kNegInf = -std::numeric_limits<double>::infinity();
  std::vector<double> log_e(target_size_ + 1, kNegInf);
  log_e[0] = 0.0;
  for (double energy : item_energies_) {
    for (int j = target_size_; j >= 1; --j) {
      log_e[j] = LogAddExp(log_e[j], log_e[j - 1] - energy);
    }
  }
  return log_e[target_size_];
}

std::string SetTask::ToString(const State& x) const {
  std::string out = "{";
  bool first = true;
  for (int i = 0; i < static_cast<int>(x.size()); ++i) {
    if (!x[i]) continue;
    absl::StrAppend(&out, first ? "" : ",", i);
    first = false;
  }
  out += "}";
  return out;
}

TaskDefaults SetTask::defaults() const {
  // The reference settings (task.h). Trajectories have exactly |S| (20-80)
  // steps; lambda 0.9 keeps long spans from vanishing too fast.
  TaskDefaults d;
  double largest = 0;  // |E(S)| <= sum of |item energies|
  for (double e : item_energies_) largest += std::fabs(e);
  d.max_abs_energy = EnergyBoundFor(largest);
  return d;
}

}  // namespace ledgfn
