// Graceful shutdown on SIGTERM / SIGINT for the long-running roles.
// Construct it once, first thing in main(). The signal handler only wakes a
// watcher thread (self-pipe), so no work runs in a signal handler. The first
// signal calls `on_signal` on that thread (it should make the role stop and
// return from main); a second one exits the process at once with status 1.
// One instance per process.
#ifndef LEDGFN_LAUNCHER_SHUTDOWN_SIGNAL_H_
#define LEDGFN_LAUNCHER_SHUTDOWN_SIGNAL_H_

#include <atomic>
#include <functional>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace ledgfn {

class ShutdownSignal {
 public:
  ShutdownSignal();
  ~ShutdownSignal();
  // Installs the callback run (on the signal thread) on the first signal.
  void OnSignal(std::function<void()> on_signal);
  bool received() const { return received_.load(); }

 private:
  std::atomic<bool> received_{false};
  absl::Mutex mu_;
  std::function<void()> on_signal_ ABSL_GUARDED_BY(mu_);
  std::thread thread_;
};

}  // namespace ledgfn

#endif  // LEDGFN_LAUNCHER_SHUTDOWN_SIGNAL_H_
