#include "learner/checkpoint.h"

#include <algorithm>
#include <filesystem>
#include <system_error>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "common/file_util.h"
#include "learner/torch_status.h"

namespace ledgfn {
namespace {

namespace fs = std::filesystem;

constexpr absl::string_view kPrefix = "ckpt-";
constexpr char kState[] = "/state.pt";
constexpr char kComplete[] = "/COMPLETE";

// ckpt-<digits> -> the step; nullopt for any other name (.tmp included).
std::optional<int64_t> StepOf(absl::string_view name) {
  if (!absl::ConsumePrefix(&name, kPrefix) || name.empty()) return std::nullopt;
  for (char c : name) {
    if (!absl::ascii_isdigit(c)) return std::nullopt;
  }
  int64_t step = 0;
  if (!absl::SimpleAtoi(name, &step)) return std::nullopt;
  return step;
}

struct Listed {
  std::string path;
  int64_t step = 0;
  bool complete = false;
};

// The checkpoint directories of `dir`, newest first, and the leftover
// .tmp ones.
absl::Status List(const std::string& dir, std::vector<Listed>* checkpoints,
                  std::vector<std::string>* unfinished) {
  std::error_code ec;
  fs::directory_iterator it(dir, ec);
  if (ec) {
    return absl::UnavailableError(absl::StrCat("cannot list ", dir, ": ", ec.message()));
  }
  for (const fs::directory_entry& entry : it) {
    const std::string name = entry.path().filename().string();
    if (!entry.is_directory(ec) || !absl::StartsWith(name, kPrefix)) continue;
    if (absl::EndsWith(name, ".tmp")) {
      unfinished->push_back(entry.path().string());
    } else if (auto step = StepOf(name)) {
      const std::string path = entry.path().string();
      checkpoints->push_back({path, *step, fs::exists(path + kComplete, ec)});
    }
  }
  std::sort(checkpoints->begin(), checkpoints->end(),
            [](const Listed& a, const Listed& b) { return a.step > b.step; });
  return absl::OkStatus();
}

std::string ConfigText(const CheckpointConfig& config) {
  std::string text;
  for (const auto& [name, value] : config) absl::StrAppend(&text, name, "=", value, "\n");
  return text;
}

// FAILED_PRECONDITION naming the first flag that differs between the
// checkpoint's config text and this run's config.
absl::Status CheckConfig(const std::string& path, absl::string_view saved_text,
                         const CheckpointConfig& config) {
  absl::flat_hash_map<std::string, std::string> saved;
  for (absl::string_view line : absl::StrSplit(saved_text, '\n', absl::SkipEmpty())) {
    std::pair<std::string, std::string> kv = absl::StrSplit(line, absl::MaxSplits('=', 1));
    saved.insert(std::move(kv));
  }
  auto mismatch = [&path](absl::string_view name, absl::string_view was,
                          absl::string_view now) {
    return absl::FailedPreconditionError(absl::StrCat(
        "checkpoint ", path, " was written with --", name, "=", was,
        " but this run has --", name, "=", now,
        "; resume with the same flags or use another --checkpoint_dir"));
  };
  for (const auto& [name, value] : config) {
    auto it = saved.find(name);
    if (it == saved.end()) return mismatch(name, "(unset)", value);
    if (it->second != value) return mismatch(name, it->second, value);
    saved.erase(it);
  }
  if (!saved.empty()) {
    return mismatch(saved.begin()->first, saved.begin()->second, "(unset)");
  }
  return absl::OkStatus();
}

c10::IValue Read(torch::serialize::InputArchive& archive, const char* key) {
  c10::IValue value;
  archive.read(key, value);
  return value;
}

}  // namespace

absl::StatusOr<std::unique_ptr<Checkpointer>> Checkpointer::Create(
    std::string dir, int keep, CheckpointConfig config) {
  if (keep < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("checkpoints to keep must be >= 1, got ", keep));
  }
  for (const auto& [name, value] : config) {
    if (absl::StrContains(value, '\n') || absl::StrContains(name, '=')) {
      return absl::InvalidArgumentError(absl::StrCat(
          "checkpoint config --", name, " cannot be recorded (newline or '=')"));
    }
  }
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) {
    return absl::PermissionDeniedError(
        absl::StrCat("cannot create checkpoint directory ", dir, ": ", ec.message()));
  }
  // One writer per directory: a .tmp is what a killed run left behind.
  std::vector<Listed> checkpoints;
  std::vector<std::string> unfinished;
  if (absl::Status s = List(dir, &checkpoints, &unfinished); !s.ok()) return s;
  for (const std::string& path : unfinished) fs::remove_all(path, ec);
  return std::unique_ptr<Checkpointer>(
      new Checkpointer(std::move(dir), keep, std::move(config)));
}

absl::StatusOr<std::string> Checkpointer::Save(const Trainer& trainer,
                                               const ObjectTracker& tracker,
                                               const LearnerProgress& progress) {
  const std::string path =
      absl::StrFormat("%s/%s%012d", dir_, kPrefix, trainer.step());
  std::error_code ec;
  if (fs::exists(path + kComplete, ec)) return path;
  const std::string tmp = path + ".tmp";
  fs::remove_all(tmp, ec);
  fs::remove_all(path, ec);  // an incomplete one (cannot be written by us)
  if (!fs::create_directory(tmp, ec)) {
    return absl::UnavailableError(absl::StrCat("cannot create ", tmp, ": ", ec.message()));
  }
  try {
    torch::serialize::OutputArchive archive;
    torch::serialize::OutputArchive trainer_archive(archive.compilation_unit());
    trainer.Save(trainer_archive);
    archive.write("trainer", trainer_archive);

    const auto objects = tracker.Export();
    const int64_t n = static_cast<int64_t>(objects.size());
    const int64_t width = n == 0 ? 0 : static_cast<int64_t>(objects[0].first.size());
    torch::Tensor states = torch::empty({n, width}, torch::kInt32);
    torch::Tensor energies = torch::empty({n}, torch::kFloat64);
    auto s = states.accessor<int32_t, 2>();
    auto e = energies.accessor<double, 1>();
    for (int64_t i = 0; i < n; ++i) {
      const State& x = objects[i].first;
      if (static_cast<int64_t>(x.size()) != width) {
        return absl::InvalidArgumentError("tracked objects differ in size");
      }
      for (int64_t j = 0; j < width; ++j) s[i][j] = x[j];
      e[i] = objects[i].second;
    }
    archive.write("tracker_states", states);
    archive.write("tracker_energies", energies);
    archive.write("round", c10::IValue(progress.round));
    archive.write("trajectories", c10::IValue(progress.trajectories));
    archive.write("policy_version", c10::IValue(progress.policy_version));
    archive.write("seconds", c10::IValue(progress.seconds));
    archive.write("config", c10::IValue(ConfigText(config_)));
    archive.save_to(tmp + kState);
  } catch (const std::exception& e) {
    return StatusFromException(absl::StatusCode::kUnavailable,
                               absl::StrCat("cannot write ", tmp, kState), e);
  }
  // In this order: the marker only after the state is durable, the rename
  // only after the marker is.
  absl::Status s = SyncPath(tmp + kState);
  if (s.ok()) {
    s = WriteFileSynced(tmp + kComplete,
                        absl::StrFormat("round %d, step %d, version %d\n",
                                        progress.round, trainer.step(),
                                        progress.policy_version));
  }
  if (s.ok()) s = SyncPath(tmp);
  if (s.ok()) s = RenameDurably(tmp, path);
  if (!s.ok()) return s;
  if (absl::Status s = Prune(); !s.ok()) return s;
  return path;
}

absl::Status Checkpointer::Prune() const {
  std::vector<Listed> checkpoints;
  std::vector<std::string> unfinished;
  if (absl::Status s = List(dir_, &checkpoints, &unfinished); !s.ok()) return s;
  int kept = 0;
  for (const Listed& c : checkpoints) {
    if (!c.complete || ++kept <= keep_) continue;
    std::error_code ec;
    fs::remove_all(c.path, ec);
    if (ec) {
      return absl::UnavailableError(
          absl::StrCat("cannot remove old checkpoint ", c.path, ": ", ec.message()));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<RestoredCheckpoint> Checkpointer::Load(
    const std::string& path, const Task& task,
    const TrainerOptions& options) const {
  RestoredCheckpoint out;
  out.path = path;
  try {
    torch::serialize::InputArchive archive;
    archive.load_from(path + kState, options.device);
    if (absl::Status s = CheckConfig(path, Read(archive, "config").toStringRef(), config_);
        !s.ok()) {
      return s;
    }
    auto trainer = Trainer::Create(task, options);
    if (!trainer.ok()) return trainer.status();
    torch::serialize::InputArchive trainer_archive;
    archive.read("trainer", trainer_archive);
    if (absl::Status s = (*trainer)->Load(trainer_archive); !s.ok()) return s;
    out.trainer = std::move(*trainer);
    out.progress.round = Read(archive, "round").toInt();
    out.progress.trajectories = Read(archive, "trajectories").toInt();
    out.progress.policy_version = Read(archive, "policy_version").toInt();
    out.progress.seconds = Read(archive, "seconds").toDouble();

    torch::Tensor states, energies;
    archive.read("tracker_states", states);
    archive.read("tracker_energies", energies);
    states = states.to(torch::kCPU);
    energies = energies.to(torch::kCPU);
    const int64_t n = energies.numel();
    if (states.scalar_type() != torch::kInt32 || states.dim() != 2 ||
        energies.scalar_type() != torch::kFloat64 || energies.dim() != 1 ||
        states.size(0) != n || (n > 0 && states.size(1) != task.state_size())) {
      return absl::DataLossError("malformed tracked objects");
    }
    states = states.contiguous();
    const int32_t* s = states.data_ptr<int32_t>();
    const double* e = energies.contiguous().data_ptr<double>();
    out.objects.reserve(n);
    for (int64_t i = 0; i < n; ++i) {
      out.objects.emplace_back(State(s + i * states.size(1), s + (i + 1) * states.size(1)),
                               e[i]);
    }
  } catch (const std::exception& e) {
    return StatusFromException(absl::StatusCode::kDataLoss, path, e);
  }
  return out;
}

absl::StatusOr<std::optional<RestoredCheckpoint>> Checkpointer::Restore(
    const Task& task, const TrainerOptions& options,
    std::vector<std::string>* warnings) const {
  std::vector<Listed> checkpoints;
  std::vector<std::string> unfinished;
  if (absl::Status s = List(dir_, &checkpoints, &unfinished); !s.ok()) return s;
  for (const std::string& path : unfinished) {
    warnings->push_back(absl::StrCat("ignoring unfinished checkpoint ", path));
  }
  int unreadable = 0;
  for (const Listed& c : checkpoints) {
    if (!c.complete) {
      warnings->push_back(absl::StrCat("ignoring incomplete checkpoint ", c.path,
                                       " (no COMPLETE marker)"));
      continue;
    }
    auto restored = Load(c.path, task, options);
    if (restored.ok()) return std::optional<RestoredCheckpoint>(std::move(*restored));
    if (absl::IsFailedPrecondition(restored.status())) return restored.status();
    ++unreadable;
    warnings->push_back(absl::StrCat("skipping unreadable checkpoint ", c.path, ": ",
                                     restored.status().message()));
  }
  if (unreadable > 0) {
    return absl::DataLossError(absl::StrCat(
        "none of the ", unreadable, " complete checkpoints in ", dir_,
        " can be read; move them away to start over"));
  }
  return std::optional<RestoredCheckpoint>();
}

}  // namespace ledgfn
