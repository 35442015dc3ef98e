#include "actor/concurrent_oracle.h"

#include <algorithm>
#include <future>

namespace ledgfn {

absl::StatusOr<std::vector<double>> ConcurrentOracle::Energies(
    absl::Span<const State> objects) {
  return Split(objects, &EnergyOracle::Energies);
}

absl::StatusOr<std::vector<double>> ConcurrentOracle::PartialEnergies(
    absl::Span<const State> states) {
  return Split(states, &EnergyOracle::PartialEnergies);
}

absl::StatusOr<std::vector<double>> ConcurrentOracle::Split(
    absl::Span<const State> items, Call call) {
  const size_t n = items.size();
  const size_t parts = std::min<size_t>(threads_, n);
  if (parts <= 1) return (inner_.*call)(items);
  std::vector<std::future<absl::StatusOr<std::vector<double>>>> futures;
  size_t begin = 0;
  for (size_t p = 0; p < parts; ++p) {
    const size_t end = begin + (n - begin) / (parts - p);
    futures.push_back(std::async(std::launch::async, [this, call, items, begin, end] {
      return (inner_.*call)(items.subspan(begin, end - begin));
    }));
    begin = end;
  }
  std::vector<double> out;
  out.reserve(n);
  absl::Status first_error;
  for (auto& f : futures) {
    auto part = f.get();
    if (!part.ok()) {
      if (first_error.ok()) first_error = part.status();
      continue;
    }
    out.insert(out.end(), part->begin(), part->end());
  }
  if (!first_error.ok()) return first_error;
  return out;
}

}  // namespace ledgfn
