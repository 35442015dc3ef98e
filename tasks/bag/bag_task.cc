#include "tasks/bag/bag_task.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace ledgfn {

BagTask::BagTask(int num_letters, int max_size, int threshold)
    : num_letters_(num_letters),
      max_size_(max_size),
      threshold_(threshold < 0 ? max_size / 2 + 1 : threshold),
      mode_energy_(-std::log(kModeReward)),
      frequent_energy_(-std::log(kFrequentReward)),
      base_energy_(-std::log(kBaseReward)) {}

BagTask::BagTask(int num_letters, int max_size, int threshold,
                 const std::vector<State>& modes)
    : BagTask(num_letters, max_size, threshold) {
  explicit_modes_ = true;
  for (const State& m : modes) modes_.insert(PackCounts(m));
}

int BagTask::Level(const State& s) const {
  int size = 0;
  for (int l = 0; l < num_letters_; ++l) size += s[l];
  return size;
}

int BagTask::MaxCount(const State& s) const {
  int max_count = 0;
  for (int l = 0; l < num_letters_; ++l) max_count = std::max(max_count, s[l]);
  return max_count;
}

void BagTask::ForwardMask(const State& s, uint8_t* mask) const {
  // Stop is forced at the full size and impossible before it, so every
  // object has exactly max_size letters.
  const bool full = Level(s) >= max_size_;
  for (int l = 0; l < num_letters_; ++l) mask[l] = !full;
  mask[num_letters_] = full;
}

void BagTask::BackwardMask(const State& s, uint8_t* mask) const {
  for (int l = 0; l < num_letters_; ++l) mask[l] = s[l] > 0;
}

absl::StatusOr<BagFeatures> ParseBagFeatures(absl::string_view name) {
  if (name == "one_hot") return BagFeatures::kOneHot;
  if (name == "counts") return BagFeatures::kCounts;
  return absl::InvalidArgumentError(absl::StrCat(
      "unknown bag features '", name, "' (expected one_hot or counts)"));
}

int BagTask::feature_size() const {
  return features_ == BagFeatures::kCounts ? num_letters_ + 2
                                           : num_letters_ * (max_size_ + 1);
}

void BagTask::Features(const State& s, float* out) const {
  if (features_ == BagFeatures::kCounts) {
    for (int l = 0; l < num_letters_; ++l) out[l] = static_cast<float>(s[l]);
    const int max_count = MaxCount(s);
    out[num_letters_] = static_cast<float>(max_count);
    out[num_letters_ + 1] = max_count >= threshold_ ? 1.0f : 0.0f;
    return;
  }
  const int width = max_size_ + 1;
  std::fill(out, out + num_letters_ * width, 0.0f);
  for (int l = 0; l < num_letters_; ++l) out[l * width + s[l]] = 1.0f;
}

double BagTask::PartialEnergy(const State& s) const {
  if (IsMode(s)) return mode_energy_;
  return MaxCount(s) >= threshold_ ? frequent_energy_ : base_energy_;
}

bool BagTask::IsMode(const State& x) const {
  if (Level(x) != max_size_) return false;
  const uint64_t key = PackCounts(x);
  if (explicit_modes_) return modes_.contains(key);
  return MaxCount(x) >= threshold_ && SplitMix64(key ^ kModeSeed) % 4 == 0;
}

uint64_t BagTask::PackCounts(const State& s) {
  uint64_t key = 0;
  for (size_t l = 0; l < s.size(); ++l) {
    key |= static_cast<uint64_t>(static_cast<uint8_t>(s[l])) << (8 * l);
  }
  return key;
}

uint64_t BagTask::SplitMix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

std::string BagTask::ToString(const State& x) const {
  std::string out;
  for (int l = 0; l < num_letters_; ++l) out.append(x[l], 'a' + l);
  return out;
}

TaskDefaults BagTask::defaults() const {
  TaskDefaults d;
  d.batch_size = 32;
  d.replay_batch_size = 32;
  d.subtb_lambda = 0.99;
  // The paper's code uses epsilon 0.1, policy lr 1e-4, log Z lr 1e-2 and
  // 2x16 MLPs; these learn the exact distribution several times faster per
  // trajectory here (docs/results.md), at the same batch 32 + 32 replayed.
  d.epsilon = 0.05;
  d.policy_lr = 2e-3;
  d.log_z_lr = 1e-1;
  d.potential_lr = 1e-3;
  d.hidden = 128;
  d.layers = 2;
  d.max_abs_energy = EnergyBoundFor(std::max(
      {std::fabs(mode_energy_), std::fabs(frequent_energy_),
       std::fabs(base_energy_)}));
  return d;
}

absl::StatusOr<std::vector<State>> ParseBagModes(absl::string_view text,
                                                 int num_letters,
                                                 int max_size) {
  std::vector<State> modes;
  int line_number = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_number;
    line = absl::StripAsciiWhitespace(line);  // Also drops a CR of CRLF.
    if (line.empty() || line[0] == '#') continue;
    State counts(num_letters, 0);
    for (char c : line) {
      const int l = absl::ascii_tolower(static_cast<unsigned char>(c)) - 'a';
      if (l < 0 || l >= num_letters) {
        return absl::InvalidArgumentError(
            absl::StrCat("bag modes line ", line_number, ": '", line,
                         "' has a character outside a-",
                         std::string(1, 'a' + num_letters - 1)));
      }
      ++counts[l];
    }
    if (static_cast<int>(line.size()) != max_size) {
      return absl::InvalidArgumentError(
          absl::StrCat("bag modes line ", line_number, ": '", line, "' has ",
                       line.size(), " letters, expected ", max_size));
    }
    modes.push_back(std::move(counts));
  }
  if (modes.empty()) {
    return absl::InvalidArgumentError("bag modes list contains no bag");
  }
  return modes;
}

absl::StatusOr<std::vector<State>> LoadBagModesFile(const std::string& path,
                                                    int num_letters,
                                                    int max_size) {
  std::ifstream in(path);
  if (!in) {
    return absl::NotFoundError(absl::StrCat("cannot open bag modes file '",
                                            path, "': ", std::strerror(errno)));
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) {
    return absl::InvalidArgumentError(
        absl::StrCat("error reading bag modes file '", path, "'"));
  }
  absl::StatusOr<std::vector<State>> modes =
      ParseBagModes(buffer.str(), num_letters, max_size);
  if (!modes.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": ", modes.status().message()));
  }
  return modes;
}

}  // namespace ledgfn
