// https:// POST through the system curl binary (see http_post.h for why): posix_spawnp with an
// argv array, headers and body through 0600 temp files that are removed before returning, the
// status code from `-w %{http_code}` on stdout. curl's stderr is discarded: only the exit code is
// reported, so nothing curl prints can carry a header value into an error message.
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "evaluators/judge/http_post.h"

extern char** environ;

namespace slime::eval::judge {
namespace {

// A mkstemp file (mode 0600) holding `content`; removed by the destructor.
struct TempFile {
  std::string path;
  explicit TempFile(const std::string& content) {
    const char* dir = std::getenv("TMPDIR");
    std::string tmpl = std::string(dir != nullptr && *dir != '\0' ? dir : "/tmp") + "/slime-judge-XXXXXX";
    int fd = ::mkstemp(tmpl.data());
    if (fd < 0) return;
    path = tmpl;
    for (size_t off = 0; off < content.size();) {
      ssize_t n = ::write(fd, content.data() + off, content.size() - off);
      if (n <= 0) break;
      off += static_cast<size_t>(n);
    }
    ::close(fd);
  }
  ~TempFile() {
    if (!path.empty()) ::unlink(path.c_str());
  }
};

}  // namespace

HttpResult http_post_curl(const std::string& url, const Headers& headers, const std::string& body, double timeout_s) {
  HttpResult r;
  std::string header_text;
  for (const auto& [k, v] : headers) header_text += k + ": " + v + "\n";
  TempFile hdr(header_text), data(body), out("");
  if (hdr.path.empty() || data.path.empty() || out.path.empty()) {
    r.transport_error = fmt::format("cannot create temp files for curl: {}", std::strerror(errno));
    return r;
  }
  const std::string max_time = fmt::format("{}", timeout_s);
  std::vector<std::string> args = {"curl", "-sS", "--max-time", max_time, "-X", "POST", "-H", "@" + hdr.path,
                                   "--data-binary", "@" + data.path, "-o", out.path, "-w", "%{http_code}", url};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  int pipefd[2];
  if (::pipe(pipefd) != 0) {
    r.transport_error = fmt::format("pipe failed: {}", std::strerror(errno));
    return r;
  }
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, pipefd[1], STDOUT_FILENO);
  posix_spawn_file_actions_addclose(&fa, pipefd[0]);
  posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
  pid_t pid = 0;
  const int rc = ::posix_spawnp(&pid, "curl", &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  ::close(pipefd[1]);
  if (rc != 0) {
    ::close(pipefd[0]);
    r.transport_error = fmt::format("cannot run curl (needed for https judge URLs): {}", std::strerror(rc));
    return r;
  }
  std::string code;
  char buf[256];
  for (ssize_t n; (n = ::read(pipefd[0], buf, sizeof buf)) != 0;) {
    if (n < 0) {
      if (errno == EINTR) continue;
      break;
    }
    code.append(buf, static_cast<size_t>(n));
  }
  ::close(pipefd[0]);
  int wstatus = 0;
  while (::waitpid(pid, &wstatus, 0) < 0 && errno == EINTR) {
  }
  const int exit_code = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : -1;
  if (exit_code != 0) {
    // 28 = operation timed out, 7 = could not connect (curl(1) EXIT CODES).
    r.transport_error = exit_code == 28 ? fmt::format("timeout after {}s (curl exit 28)", timeout_s)
                                        : fmt::format("curl failed with exit code {}", exit_code);
    return r;
  }
  r.status = std::atoi(code.c_str());
  std::ifstream in(out.path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  r.body = ss.str();
  return r;
}

}  // namespace slime::eval::judge
