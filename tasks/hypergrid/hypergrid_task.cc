#include "tasks/hypergrid/hypergrid_task.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace ledgfn {
namespace {

// log(exp(a) + exp(b)) without overflow; -inf operands are neutral.
double LogAddExp(double a, double b) {
  if (a == -std::numeric_limits<double>::infinity()) return b;
  if (b == -std::numeric_limits<double>::infinity()) return a;
  const double m = std::max(a, b);
  return m + std::log1p(std::exp(-std::abs(a - b)));
}

// log(w * n^d), -inf when the term vanishes.
double LogTerm(double w, int n, int d) {
  if (w <= 0 || n == 0) return -std::numeric_limits<double>::infinity();
  return std::log(w) + d * std::log(static_cast<double>(n));
}

}  // namespace

HypergridTask::HypergridTask(int dim, int side, double r0, double r1, double r2)
    : dim_(dim),
      side_(side),
      r0_(r0),
      r1_(r1),
      r2_(r2),
      in_band1_(side),
      in_band2_(side) {
  constexpr double eps = kBandEpsilon;
  for (int k = 0; k < side; ++k) {
    // Same operations as torchgfn (divide, subtract, abs), in double.
    const double a = std::abs(static_cast<double>(k) / (side - 1) - 0.5);
    in_band1_[k] = 0.25 + eps < a;
    in_band2_[k] = 0.3 + eps < a && a < 0.4 + eps;
  }
  for (int b1 = 0; b1 < 2; ++b1) {
    for (int b2 = 0; b2 < 2; ++b2) {
      energy_[2 * b1 + b2] = -std::log(r0 + r1 * b1 + r2 * b2);
    }
  }
}

void HypergridTask::ForwardMask(const State& s, uint8_t* mask) const {
  for (int d = 0; d < dim_; ++d) mask[d] = s[d] < side_ - 1;
  mask[dim_] = 1;  // Stop is always allowed.
}

void HypergridTask::BackwardMask(const State& s, uint8_t* mask) const {
  for (int d = 0; d < dim_; ++d) mask[d] = s[d] > 0;
}

int HypergridTask::Level(const State& s) const {
  int level = 0;
  for (int d = 0; d < dim_; ++d) level += s[d];
  return level;
}

void HypergridTask::Features(const State& s, float* out) const {
  std::fill(out, out + dim_ * side_, 0.0f);
  for (int d = 0; d < dim_; ++d) out[d * side_ + s[d]] = 1.0f;
}

void HypergridTask::Bands(const State& s, bool* all_band1,
                          bool* all_band2) const {
  bool b1 = true, b2 = true;
  for (int d = 0; d < dim_; ++d) {
    b1 = b1 && in_band1_[s[d]];
    b2 = b2 && in_band2_[s[d]];
  }
  *all_band1 = b1;
  *all_band2 = b2;
}

double HypergridTask::Energy(const State& x) const {
  bool b1, b2;
  Bands(x, &b1, &b2);
  return energy_[2 * b1 + b2];
}

bool HypergridTask::IsMode(const State& x) const {
  bool b1, b2;
  Bands(x, &b1, &b2);
  return b1 && b2;
}

absl::StatusOr<double> HypergridTask::ExactLogZ() const {
  // The indicator products factor over axes, so the number of cells in each
  // band is (values per axis in the band)^D.
  int n1 = 0, n2 = 0;
  for (int k = 0; k < side_; ++k) {
    n1 += in_band1_[k];
    n2 += in_band2_[k];
  }
  double log_z = LogTerm(r0_, side_, dim_);
  log_z = LogAddExp(log_z, LogTerm(r1_, n1, dim_));
  log_z = LogAddExp(log_z, LogTerm(r2_, n2, dim_));
  return log_z;
}

TaskDefaults HypergridTask::defaults() const {
  TaskDefaults d;  // the reference settings (task.h)
  double largest = 0;
  for (double e : energy_) largest = std::max(largest, std::fabs(e));
  d.max_abs_energy = EnergyBoundFor(largest);
  return d;
}

}  // namespace ledgfn
