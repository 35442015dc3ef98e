#include "launcher/shutdown_signal.h"

#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <thread>

namespace ledgfn {
namespace {

// The self-pipe: the handler only writes a byte (async-signal-safe); the
// watcher thread reads it and does the work. A handler (rather than blocking
// the signals and calling sigwait) also covers threads that libraries start
// before main(), which would otherwise take the default action and die.
int g_pipe[2] = {-1, -1};
volatile sig_atomic_t g_signalled = 0;

extern "C" void HandleShutdownSignal(int) {
  if (g_signalled) _exit(1);  // a second signal exits at once
  g_signalled = 1;
  const char byte = 1;
  (void)!write(g_pipe[1], &byte, 1);
}

// Process-lifetime and reachable from a static, so that it is neither
// freed under the detached thread nor reported as a leak.
ShutdownSignal::State* ProcessState() {
  static ShutdownSignal::State* const state = new ShutdownSignal::State;
  return state;
}

}  // namespace

ShutdownSignal::ShutdownSignal() : state_(ProcessState()) {
  if (pipe(g_pipe) != 0) {
    std::perror("ShutdownSignal: pipe");
    return;
  }
  struct sigaction action = {};
  action.sa_handler = HandleShutdownSignal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  sigaction(SIGTERM, &action, nullptr);
  sigaction(SIGINT, &action, nullptr);
  State* state = state_;
  std::thread([state] {
    char byte;
    while (read(g_pipe[0], &byte, 1) < 0) {
    }
    // Set under mu so that OnSignal either sees it (and runs its callback
    // itself) or installs its callback before this thread looks: exactly once.
    absl::MutexLock lock(&state->mu);
    state->received = true;
    if (state->on_signal) state->on_signal();
  }).detach();  // lives as long as the process
}

ShutdownSignal::Registration ShutdownSignal::OnSignal(
    std::function<void()> on_signal) {
  absl::MutexLock lock(&state_->mu);
  if (state_->received) {
    // The signal came while the role was starting (a `docker stop` during
    // start-up): stop it now rather than wait for a second signal.
    state_->on_signal = nullptr;
    on_signal();
  } else {
    state_->on_signal = std::move(on_signal);
  }
  return Registration(state_);
}

ShutdownSignal::Registration::~Registration() {
  // Blocks while the signal thread holds mu, that is while the callback runs.
  absl::MutexLock lock(&state_->mu);
  state_->on_signal = nullptr;
}

}  // namespace ledgfn
