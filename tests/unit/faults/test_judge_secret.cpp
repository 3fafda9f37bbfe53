// The judge's API key, given as the environment's SLIME_JUDGE_API_KEY only, never lands in what
// `slime score` prints or writes, even when the judge endpoint echoes the request back in an error
// (a misconfigured proxy does that) and the echo is cut exactly through the key. No flag takes a
// secret, and credentials in the judge URL are refused without being repeated.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "tests/unit/faults/child_process.h"

namespace fs = std::filesystem;
using slime::test::ChildOptions;
using slime::test::run_slime;
using slime::test::slurp;

namespace {

const std::string kKey = "sk-slimeTESTsecret-0123456789abcdefXYZ";
// What must never appear: the first half of the key is as secret as the key.
const std::string kKeyPrefix = kKey.substr(0, kKey.size() / 2);

// Answers every request with HTTP 400 whose body echoes the request, padded so that the client's
// 300-character cut of the body falls in the middle of the key.
class EchoServer {
 public:
  EchoServer() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
    ::listen(fd_, 16);
    socklen_t len = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~EchoServer() {
    stop_ = true;
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
    thread_.join();
  }
  int port() const { return port_; }
  bool saw_key() const { return saw_key_; }

 private:
  void serve() {
    while (!stop_) {
      const int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) return;
      std::string req;
      char buf[4096];
      size_t need = std::string::npos;
      while (need == std::string::npos || req.size() < need) {
        const ssize_t n = ::recv(c, buf, sizeof buf, 0);
        if (n <= 0) break;
        req.append(buf, static_cast<size_t>(n));
        const size_t end = req.find("\r\n\r\n");
        if (need == std::string::npos && end != std::string::npos) {
          const size_t cl = req.find("Content-Length: ");
          need = end + 4 + (cl == std::string::npos ? 0 : std::stoul(req.substr(cl + 16)));
        }
      }
      const size_t auth = req.find("Authorization: Bearer " + kKey);
      if (auth != std::string::npos) saw_key_ = true;
      // "HTTP 400: " + body cut at 300: put the key's middle at character 300 of the body.
      const std::string echoed = auth == std::string::npos ? req : req.substr(auth);
      const std::string lead = "{\"error\": \"bad request: ";
      const size_t key_at = std::string("Authorization: Bearer ").size();
      const std::string body = lead + std::string(300 - lead.size() - key_at - kKey.size() / 2, '.') + echoed + "\"}";
      const std::string resp = "HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nContent-Length: " +
                               std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
      ::send(c, resp.data(), resp.size(), MSG_NOSIGNAL);
      ::close(c);
    }
  }
  int fd_ = -1, port_ = 0;
  std::atomic<bool> stop_{false}, saw_key_{false};
  std::thread thread_;
};

void expect_no_key_anywhere(const fs::path& dir, const std::string& output) {
  EXPECT_EQ(output.find(kKeyPrefix), std::string::npos) << output;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (!e.is_regular_file()) continue;
    EXPECT_EQ(slurp(e.path().string()).find(kKeyPrefix), std::string::npos) << "the key is in " << e.path();
  }
}

TEST(JudgeSecret, KeyNeverLeaksIntoOutputsEvenWhenEchoedBack) {
  const fs::path dir = fs::temp_directory_path() / ("slime_judge_secret_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string data = std::string(SLIME_SOURCE_DIR) + "/tests/data/datasets/llava/mmvet";
  {
    std::ifstream q(data + "/llava-mm-vet.jsonl");
    std::ofstream a(dir / "answers.jsonl");
    for (std::string line; std::getline(q, line);)
      a << nlohmann::json{{"question_id", nlohmann::json::parse(line)["question_id"]}, {"text", "42"}}.dump() << "\n";
  }
  EchoServer server;
  ChildOptions env;
  env.env = {{"SLIME_JUDGE_API_KEY", kKey}, {"SLIME_JUDGE_MODEL", "judge-test"}};
  const std::string out = (dir / "stdout_stderr.txt").string();
  const auto r = run_slime({"score", "--task", "mmvet", "--data", data, "--predictions", (dir / "answers.jsonl").string(),
                            "--per-sample", (dir / "per_sample.jsonl").string(), "--judge-url",
                            "http://127.0.0.1:" + std::to_string(server.port()) + "/v1", "--json"},
                           out, env);
  EXPECT_TRUE(server.saw_key()) << "the key was not sent, so this test proves nothing: " << r.output;
  EXPECT_EQ(r.exit_code, 4) << r.output;  // kIo: the judge failed
  EXPECT_NE(r.output.find("HTTP 400"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("***"), std::string::npos) << "the echoed key was not scrubbed visibly: " << r.output;
  expect_no_key_anywhere(dir, r.output);

  // A secret in the URL is refused, and not repeated in the message.
  const auto u = run_slime({"score", "--task", "mmvet", "--data", data, "--predictions", (dir / "answers.jsonl").string(),
                            "--judge-url", "http://user:" + kKey + "@127.0.0.1:1/v1"},
                           (dir / "url.txt").string(), env);
  EXPECT_EQ(u.exit_code, 2) << u.output;
  EXPECT_NE(u.output.find("SLIME_JUDGE_API_KEY"), std::string::npos) << u.output;
  expect_no_key_anywhere(dir, u.output);

  // No command-line option takes a key or token.
  const auto help = run_slime({"score", "--help"}, (dir / "help.txt").string());
  for (const char* flag : {"--api-key", "--judge-key", "--judge-api-key", "--token", "--judge-token"})
    EXPECT_EQ(help.output.find(flag), std::string::npos) << flag;
  fs::remove_all(dir);
}

}  // namespace
