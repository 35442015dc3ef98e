// A one-line live progress display on stderr: redrawn in place (at most a few
// times a second) when stderr is a terminal, one plain line per evaluation
// otherwise (logs stay readable).
#ifndef LEDGFN_LAUNCHER_PROGRESS_BAR_H_
#define LEDGFN_LAUNCHER_PROGRESS_BAR_H_

#include <cstdint>
#include <string>

#include "absl/time/time.h"
#include "local/embedded_trainer.h"

namespace ledgfn {

class ProgressBar {
 public:
  explicit ProgressBar(int64_t total_rounds);
  void OnRound(const EvalRow& row);
  void OnEval(const EvalRow& row);
  // Ends the line (call once at the end).
  void Finish();

  // The text of the line for a row (no bar characters when width is 0).
  static std::string Format(const EvalRow& row, int64_t total_rounds,
                            int bar_width);

 private:
  int64_t total_;
  bool tty_;
  absl::Time last_draw_ = absl::InfinitePast();
  EvalRow last_;
};

}  // namespace ledgfn

#endif  // LEDGFN_LAUNCHER_PROGRESS_BAR_H_
