#include "ablations/eval/interrupt.h"

#include <fmt/format.h>

namespace slime::suite {
namespace {

volatile std::sig_atomic_t g_signal = 0;

void on_signal(int signo) { g_signal = signo; }  // async-signal-safe: one store

}  // namespace

InterruptGuard::InterruptGuard() {
  g_signal = 0;
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  // No SA_RESTART needed: the run only reads the flag between batches. SA_RESETHAND: a second
  // signal takes the default action (kill) for a user who does not want to wait for the batch.
  sa.sa_flags = SA_RESETHAND;
  ::sigaction(SIGTERM, &sa, &old_term_);
  ::sigaction(SIGINT, &sa, &old_int_);
}

InterruptGuard::~InterruptGuard() {
  ::sigaction(SIGTERM, &old_term_, nullptr);
  ::sigaction(SIGINT, &old_int_, nullptr);
}

int pending_interrupt() { return g_signal; }

std::string signal_name(int signo) {
  if (signo == SIGTERM) return "SIGTERM";
  if (signo == SIGINT) return "SIGINT";
  return fmt::format("signal {}", signo);
}

}  // namespace slime::suite
