#include "launcher/shutdown_signal.h"

#include <signal.h>
#include <unistd.h>

#include <cstdio>

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

}  // namespace

ShutdownSignal::ShutdownSignal() {
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
  thread_ = std::thread([this] {
    char byte;
    while (read(g_pipe[0], &byte, 1) < 0) {
    }
    received_ = true;
    absl::MutexLock lock(&mu_);
    if (on_signal_) on_signal_();
  });
  thread_.detach();  // lives as long as the process
}

ShutdownSignal::~ShutdownSignal() = default;

void ShutdownSignal::OnSignal(std::function<void()> on_signal) {
  absl::MutexLock lock(&mu_);
  on_signal_ = std::move(on_signal);
}

}  // namespace ledgfn
