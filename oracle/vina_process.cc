#include "oracle/vina_process.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"

extern char** environ;

namespace ledgfn {
namespace {

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream all;
  all << in.rdbuf();
  return all.str();
}

// The last non-empty line of `text`, for error messages.
std::string LastLine(const std::string& text) {
  std::vector<absl::string_view> lines =
      absl::StrSplit(text, '\n', absl::SkipWhitespace());
  return lines.empty() ? std::string("(no output)")
                       : std::string(absl::StripAsciiWhitespace(lines.back()));
}

}  // namespace

absl::StatusOr<double> BestAffinityOfPoses(const std::string& poses_pdbqt) {
  constexpr absl::string_view kTag = "REMARK VINA RESULT:";
  for (absl::string_view line : absl::StrSplit(poses_pdbqt, '\n')) {
    if (!absl::ConsumePrefix(&line, kTag)) continue;
    std::vector<absl::string_view> fields =
        absl::StrSplit(line, ' ', absl::SkipWhitespace());
    double affinity;
    if (!fields.empty() && absl::SimpleAtod(fields[0], &affinity)) {
      return affinity;
    }
    break;
  }
  return absl::InvalidArgumentError("Vina wrote no 'REMARK VINA RESULT' line");
}

absl::StatusOr<double> RunVina(const VinaSettings& s,
                               const std::string& ligand_path,
                               const std::string& out_path,
                               const std::string& log_path,
                               const std::atomic<bool>* cancel) {
  std::vector<std::string> args = {
      s.program, "--receptor", s.receptor, "--ligand", ligand_path,
      "--out", out_path};
  constexpr const char* kAxes[3] = {"x", "y", "z"};
  for (int k = 0; k < 3; ++k) {
    args.push_back(absl::StrCat("--center_", kAxes[k]));
    args.push_back(absl::StrCat(s.box.center[k]));
  }
  for (int k = 0; k < 3; ++k) {
    args.push_back(absl::StrCat("--size_", kAxes[k]));
    args.push_back(absl::StrCat(s.box.size[k]));
  }
  for (const auto& [flag, value] :
       {std::pair<const char*, int>{"--exhaustiveness", s.exhaustiveness},
        {"--seed", s.seed}, {"--cpu", s.cpu}, {"--verbosity", 1}}) {
    args.push_back(flag);
    args.push_back(absl::StrCat(value));
  }
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log_path.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null",
                                   O_RDONLY, 0);
  pid_t pid;
  const int spawned =
      posix_spawnp(&pid, s.program.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) {
    return absl::NotFoundError(absl::StrCat("cannot start '", s.program,
                                            "': ", std::strerror(spawned)));
  }

  const absl::Time deadline = absl::Now() + s.timeout;
  int status = 0;
  for (absl::Duration pause = absl::Milliseconds(1);;
       pause = std::min(pause * 2, absl::Milliseconds(50))) {
    const pid_t done = waitpid(pid, &status, WNOHANG);
    if (done == pid) break;
    if (done < 0 && errno != EINTR) {
      return absl::InternalError(
          absl::StrCat("waitpid for vina: ", std::strerror(errno)));
    }
    const bool cancelled = cancel != nullptr && cancel->load();
    if (cancelled || absl::Now() >= deadline) {
      kill(pid, SIGKILL);
      while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
      }
      if (cancelled) return absl::CancelledError("vina was cancelled and killed");
      return absl::DeadlineExceededError(absl::StrCat(
          "vina did not finish within ", absl::FormatDuration(s.timeout),
          " and was killed"));
    }
    absl::SleepFor(pause);
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return absl::InternalError(absl::StrCat(
        "vina failed (",
        WIFEXITED(status) ? absl::StrCat("exit ", WEXITSTATUS(status))
                          : absl::StrCat("signal ", WTERMSIG(status)),
        "): ", LastLine(ReadAll(log_path))));
  }
  absl::StatusOr<double> best = BestAffinityOfPoses(ReadAll(out_path));
  if (!best.ok()) {
    return absl::InternalError(absl::StrCat(best.status().message(), "; vina said: ",
                                            LastLine(ReadAll(log_path))));
  }
  return best;
}

}  // namespace ledgfn
