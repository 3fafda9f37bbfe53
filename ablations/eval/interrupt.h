// SIGTERM / SIGINT during an evaluation (a cluster's scheduler ending a job, a user's Ctrl-C): the
// handler only records the signal; the run checks it between batches, so the batch in flight is
// finished and its lines are logged and fsync'ed, then run_eval throws Interrupted. `slime eval`
// prints what was kept and exits with 128 + the signal number (130 for SIGINT, 143 for SIGTERM,
// what a shell reports for a process killed by it). Rerunning the command resumes. A second
// signal while the batch finishes kills at once (SA_RESETHAND): the log stays valid because every
// line is one fsync'ed write and a torn tail is cut on the next open.
#pragma once
#include <csignal>
#include <stdexcept>
#include <string>

namespace slime::suite {

class Interrupted : public std::runtime_error {
 public:
  Interrupted(int signo, const std::string& message) : std::runtime_error(message), signo_(signo) {}
  int signo() const { return signo_; }
  int exit_code() const { return 128 + signo_; }

 private:
  int signo_;
};

// Installs the SIGTERM/SIGINT handlers for its lifetime and restores the previous ones after.
class InterruptGuard {
 public:
  InterruptGuard();
  ~InterruptGuard();
  InterruptGuard(const InterruptGuard&) = delete;
  InterruptGuard& operator=(const InterruptGuard&) = delete;

 private:
  struct sigaction old_term_ {}, old_int_ {};
};

// The signal received since the guard was installed, or 0.
int pending_interrupt();

// "SIGTERM", "SIGINT", else "signal N".
std::string signal_name(int signo);

}  // namespace slime::suite
