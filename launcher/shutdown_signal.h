// Graceful shutdown on SIGTERM / SIGINT for the long-running roles.
// Construct it once, first thing in main(). The signal handler only wakes a
// watcher thread (self-pipe), so no work runs in a signal handler. The first
// signal calls the registered callback on that thread (it should make the
// role stop and return from main); a second one exits the process at once
// with status 1. One instance per process.
//
// The callback runs on another thread while main goes on, so it must not
// outlive what it uses: OnSignal returns a Registration, declared after those
// objects, whose destructor removes the callback and, if the signal thread is
// running it, waits until it returns. (A role whose main returned while the
// callback was still inside grpc::Server::Shutdown used to destroy the server
// under it.)
#ifndef LEDGFN_LAUNCHER_SHUTDOWN_SIGNAL_H_
#define LEDGFN_LAUNCHER_SHUTDOWN_SIGNAL_H_

#include <atomic>
#include <functional>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace ledgfn {

class ShutdownSignal {
 public:
  // What the watcher thread reads. It lives as long as the process (the
  // thread is detached), so a late signal never touches freed memory.
  struct State {
    absl::Mutex mu;  // held while the callback runs
    std::atomic<bool> received{false};  // written under mu
    std::function<void()> on_signal ABSL_GUARDED_BY(mu);
  };

  // Removes its callback when destroyed; see the file comment.
  class [[nodiscard]] Registration {
   public:
    explicit Registration(State* state) : state_(state) {}
    Registration(const Registration&) = delete;
    Registration& operator=(const Registration&) = delete;
    ~Registration();

   private:
    State* state_;
  };

  ShutdownSignal();
  ShutdownSignal(const ShutdownSignal&) = delete;
  ShutdownSignal& operator=(const ShutdownSignal&) = delete;

  // Installs the callback run (on the signal thread) on the first signal,
  // replacing any earlier one, until the returned Registration is destroyed.
  // If the first signal came before this call, the callback runs at once, on
  // the calling thread, before OnSignal returns. Either way it runs at most
  // once per process.
  Registration OnSignal(std::function<void()> on_signal);
  bool received() const { return state_->received.load(); }

 private:
  State* state_;  // the process's, never freed
};

}  // namespace ledgfn

#endif  // LEDGFN_LAUNCHER_SHUTDOWN_SIGNAL_H_
