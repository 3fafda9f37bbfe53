// Runs the `slime` binary (SLIME_BINARY) as a child process for the fault tests: optional extra
// environment and a file size limit set in the child before exec, stdout + stderr to a file.
#pragma once
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace slime::test {

using Env = std::vector<std::pair<std::string, std::string>>;

struct ChildOptions {
  Env env;
  long long max_file_bytes = -1;  // RLIMIT_FSIZE; -1 = unlimited
};

inline pid_t spawn_slime(const std::vector<std::string>& args, const std::string& output_file,
                         const ChildOptions& options = {}) {
  const pid_t pid = ::fork();
  if (pid != 0) return pid;
  for (const auto& [k, v] : options.env) ::setenv(k.c_str(), v.c_str(), 1);
  const int fd = ::open(output_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  ::dup2(fd, 1);
  ::dup2(fd, 2);
  if (options.max_file_bytes >= 0) {
    // Ignored SIGXFSZ survives exec: a write past the limit then fails with EFBIG, as a full disk
    // fails with ENOSPC, instead of killing the process.
    ::signal(SIGXFSZ, SIG_IGN);
    const rlimit lim{static_cast<rlim_t>(options.max_file_bytes), static_cast<rlim_t>(options.max_file_bytes)};
    ::setrlimit(RLIMIT_FSIZE, &lim);
  }
  std::vector<std::string> copy = args;
  std::string bin = SLIME_BINARY;
  std::vector<char*> argv{bin.data()};
  for (auto& a : copy) argv.push_back(a.data());
  argv.push_back(nullptr);
  ::execv(bin.c_str(), argv.data());
  ::_exit(127);
}

inline std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct ChildResult {
  int exit_code = -1;  // -1 when killed by a signal
  int signal = 0;
  std::string output;
};

inline ChildResult wait_child(pid_t pid, const std::string& output_file) {
  int status = 0;
  ::waitpid(pid, &status, 0);
  ChildResult r;
  if (WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) r.signal = WTERMSIG(status);
  r.output = slurp(output_file);
  return r;
}

inline ChildResult run_slime(const std::vector<std::string>& args, const std::string& output_file,
                             const ChildOptions& options = {}) {
  return wait_child(spawn_slime(args, output_file, options), output_file);
}

}  // namespace slime::test
