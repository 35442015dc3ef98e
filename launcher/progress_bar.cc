#include "launcher/progress_bar.h"

#include <unistd.h>

#include <cstdio>

#include "absl/strings/str_format.h"
#include "absl/time/clock.h"

namespace ledgfn {

ProgressBar::ProgressBar(int64_t total_rounds)
    : total_(total_rounds), tty_(isatty(STDERR_FILENO) != 0) {}

std::string ProgressBar::Format(const EvalRow& row, int64_t total,
                                int bar_width) {
  std::string bar;
  if (bar_width > 0) {
    const int filled = static_cast<int>(bar_width * row.round / std::max<int64_t>(total, 1));
    bar = "[" + std::string(filled, '#') + std::string(bar_width - filled, '.') + "] ";
  }
  std::string eta = "--";
  if (row.round > 0 && row.rounds_per_second > 0) {
    const int64_t s =
        static_cast<int64_t>((total - row.round) / row.rounds_per_second);
    eta = absl::StrFormat("%dm%02ds", s / 60, s % 60);
  }
  std::string line = absl::StrFormat(
      "%s%d/%d rounds | %.0f traj/s | loss %.4g | logZ %.4g | modes %d | "
      "top100 %.4g",
      bar, row.round, total, row.trajectories_per_second, row.policy_loss,
      row.log_z, row.modes, row.top100);
  if (row.l1) line += absl::StrFormat(" | L1 %.4f", *row.l1);
  if (row.test_mean_energy) {
    line += absl::StrFormat(" | test -E %.3f (greedy %.3f)",
                            -*row.test_mean_energy, -*row.baseline_energy);
  }
  if (row.top100_score) {
    line += absl::StrFormat(" | top100 score %.3f", *row.top100_score);
  }
  line += " | ETA " + eta;
  return line;
}

void ProgressBar::OnRound(const EvalRow& row) {
  last_ = row;
  if (!tty_) return;
  const absl::Time now = absl::Now();
  if (now - last_draw_ < absl::Milliseconds(200) && row.round != total_) return;
  last_draw_ = now;
  std::fprintf(stderr, "\r\033[K%s", Format(row, total_, 20).c_str());
  std::fflush(stderr);
}

void ProgressBar::OnEval(const EvalRow& row) {
  if (tty_) return;
  std::fprintf(stderr, "%s\n", Format(row, total_, 0).c_str());
}

void ProgressBar::Finish() {
  if (tty_) std::fprintf(stderr, "\n");
}

}  // namespace ledgfn
