// Spawns a shell command for CLI end-to-end tests and captures its stdout (stderr too when the
// command itself redirects it).
#pragma once
#include <sys/wait.h>

#include <cstdio>
#include <string>

namespace slime::test {

struct CommandResult {
  int exit_code = -1;
  std::string output;
};

inline CommandResult run_command(const std::string& command) {
  CommandResult result;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return result;
  char buffer[65536];
  size_t n;
  while ((n = fread(buffer, 1, sizeof(buffer), pipe)) > 0) result.output.append(buffer, n);
  int status = pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

inline std::string slime_binary() { return std::string("'") + SLIME_BINARY + "'"; }

}  // namespace slime::test
