// The OpenAI-compatible judge client and the judged scorers (MM-Vet, LLaVA-Bench) against a fake
// chat-completions server that runs in this process: a thread with a socket on 127.0.0.1:0 that
// records every request and answers through a handler. No network, no Python.
//
// Reference values: the prompt hashes were computed with Python from the upstream sources
// (yuweihao/MM-Vet mm-vet_evaluator.py@acde843 `prompt`; LLaVA llava/eval/table/rule.json@c121f04),
// e.g. hashlib.sha256(prompt.encode()).hexdigest(); the aggregates are derived by hand from the
// upstream formulas (export_result, summarize_gpt_review.py) in the comments next to them.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "engine/common/error.h"
#include "evaluators/judge/llava_bench_review.h"
#include "evaluators/judge/mmvet_grader.h"
#include "evaluators/judge/openai_judge.h"
#include "evaluators/primitives/choice_judge_prompt.h"
#include "evaluators/score.h"

namespace slime::eval {
namespace {
namespace fs = std::filesystem;
using judge::JudgeConfig;
using judge::OpenAIJudge;

// Aggregates are sums of a few decimal scores: exact up to the last bit or two of a double.
constexpr double kTolerance = 1e-9;
constexpr const char* kSecret = "sk-test-SECRET-0123456789";

struct Request {
  std::string request_line;
  std::string headers;  // raw header block, lower-cased names kept as sent
  nlohmann::json body;
};
struct Response {
  int status = 200;
  std::string body;
  int delay_ms = 0;
};

// Builds a chat-completions response body with `content`.
std::string completion(const std::string& content, const std::string& model = "fake-judge-0613") {
  return nlohmann::json{{"id", "x"},
                        {"object", "chat.completion"},
                        {"model", model},
                        {"choices", {{{"index", 0}, {"message", {{"role", "assistant"}, {"content", content}}}}}}}
      .dump();
}

class FakeServer {
 public:
  using Handler = std::function<Response(const Request&)>;
  explicit FakeServer(Handler h) : handler_(std::move(h)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    EXPECT_EQ(::listen(fd_, 16), 0);
    socklen_t len = sizeof addr;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { loop(); });
  }
  ~FakeServer() {
    stop_ = true;
    thread_.join();
    ::close(fd_);
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/v1"; }
  std::vector<Request> requests() {
    std::lock_guard<std::mutex> g(mu_);
    return requests_;
  }

 private:
  void loop() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 20) <= 0) continue;
      int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) continue;
      serve(c);
      ::close(c);
    }
  }
  void serve(int c) {
    std::string raw;
    char buf[8192];
    size_t head_end = std::string::npos, need = 0;
    while (true) {
      ssize_t n = ::recv(c, buf, sizeof buf, 0);
      if (n <= 0) return;
      raw.append(buf, static_cast<size_t>(n));
      if (head_end == std::string::npos && (head_end = raw.find("\r\n\r\n")) != std::string::npos) {
        std::string lower = raw.substr(0, head_end);
        for (char& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        const size_t cl = lower.find("content-length:");
        need = head_end + 4 + (cl == std::string::npos ? 0 : std::strtoul(lower.c_str() + cl + 15, nullptr, 10));
      }
      if (head_end != std::string::npos && raw.size() >= need) break;
    }
    Request r;
    r.request_line = raw.substr(0, raw.find("\r\n"));
    r.headers = raw.substr(0, head_end);
    r.body = nlohmann::json::parse(raw.substr(head_end + 4), nullptr, false);
    {
      std::lock_guard<std::mutex> g(mu_);
      requests_.push_back(r);
    }
    const Response resp = handler_(r);
    for (int waited = 0; waited < resp.delay_ms && !stop_; waited += 10) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    const std::string out = "HTTP/1.1 " + std::to_string(resp.status) +
                            " X\r\nContent-Type: application/json\r\nContent-Length: " +
                            std::to_string(resp.body.size()) + "\r\nConnection: close\r\n\r\n" + resp.body;
    ::send(c, out.data(), out.size(), MSG_NOSIGNAL);
  }

  Handler handler_;
  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  std::mutex mu_;
  std::vector<Request> requests_;
};

// A fresh, empty cache directory per test under the system temp dir.
std::string temp_dir(const std::string& name) {
  const fs::path p = fs::temp_directory_path() / ("slime-test-judge-" + name + "-" + std::to_string(::getpid()));
  fs::remove_all(p);
  return p.string();
}

JudgeConfig config(const FakeServer& s, const std::string& cache = "") {
  JudgeConfig c;
  c.url = s.url();
  c.model = "fake-judge";
  c.api_key = kSecret;
  c.backoff_s = 0.01;  // keep the retry tests fast; the schedule itself is backoff_s * 2^i
  c.timeout_s = 5.0;
  c.cache_dir = cache;
  return c;
}

std::string read_all(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(OpenAIJudge, RequestFormat) {
  FakeServer server([](const Request&) { return Response{200, completion("8 9\nfine")}; });
  OpenAIJudge j(config(server));
  const auto reply = j.chat({"be precise", "hello?", 0.2, 1024});
  EXPECT_EQ(reply.content, "8 9\nfine");
  EXPECT_EQ(reply.model, "fake-judge-0613");
  EXPECT_FALSE(reply.cached);
  EXPECT_EQ(j.complete("second"), "8 9\nfine");
  const auto reqs = server.requests();
  ASSERT_EQ(reqs.size(), 2u);
  EXPECT_EQ(reqs[0].request_line, "POST /v1/chat/completions HTTP/1.1");
  EXPECT_NE(reqs[0].headers.find(std::string("Authorization: Bearer ") + kSecret), std::string::npos);
  EXPECT_NE(reqs[0].headers.find("Content-Type: application/json"), std::string::npos);
  const nlohmann::json want = {{"model", "fake-judge"},
                               {"messages", {{{"role", "system"}, {"content", "be precise"}},
                                             {{"role", "user"}, {"content", "hello?"}}}},
                               {"temperature", 0.2},
                               {"max_tokens", 1024}};
  EXPECT_EQ(reqs[0].body, want);
  // complete(): user message only, the configured defaults (temperature 0).
  EXPECT_EQ(reqs[1].body["messages"], nlohmann::json::parse(R"([{"role":"user","content":"second"}])"));
  EXPECT_EQ(reqs[1].body["temperature"], 0.0);
  ASSERT_EQ(j.calls().size(), 2u);
  EXPECT_EQ(j.calls()[0].prompt_sha256, judge::prompt_hash("hello?"));
  EXPECT_EQ(j.describe().dump().find(kSecret), std::string::npos);
}

TEST(OpenAIJudge, RetriesOnServerError) {
  std::atomic<int> n{0};
  FakeServer server([&](const Request&) {
    return ++n <= 2 ? Response{500, "busy"} : Response{200, completion("0.7")};
  });
  OpenAIJudge j(config(server));
  EXPECT_EQ(j.complete("q"), "0.7");
  EXPECT_EQ(server.requests().size(), 3u);
}

TEST(OpenAIJudge, GivesUpAndScrubsTheKey) {
  // The server echoes the Authorization header into its error body; the error must not carry it.
  FakeServer server([](const Request& r) { return Response{500, "bad auth: " + r.headers}; });
  auto c = config(server);
  c.retries = 2;
  OpenAIJudge j(c);
  try {
    j.complete("q");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kIo);
    const std::string msg = e.what();
    EXPECT_NE(msg.find("HTTP 500"), std::string::npos) << msg;
    EXPECT_EQ(msg.find(kSecret), std::string::npos) << msg;
  }
  EXPECT_EQ(server.requests().size(), 3u);  // first try + 2 retries
}

TEST(OpenAIJudge, ClientErrorIsNotRetried) {
  FakeServer server([](const Request&) { return Response{400, "bad request"}; });
  OpenAIJudge j(config(server));
  EXPECT_THROW(j.complete("q"), Error);
  EXPECT_EQ(server.requests().size(), 1u);
}

TEST(OpenAIJudge, Timeout) {
  FakeServer server([](const Request&) { return Response{200, completion("late"), 3000}; });
  auto c = config(server);
  c.timeout_s = 0.3;
  c.retries = 0;
  OpenAIJudge j(c);
  const auto t0 = std::chrono::steady_clock::now();
  try {
    j.complete("q");
    FAIL() << "expected a timeout";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kIo);
    EXPECT_NE(std::string(e.what()).find("timeout"), std::string::npos) << e.what();
  }
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), 2.5);
}

TEST(OpenAIJudge, CacheHitMakesNoRequest) {
  FakeServer server([](const Request& r) {
    return Response{200, completion("echo " + r.body["messages"].back()["content"].get<std::string>())};
  });
  const std::string dir = temp_dir("cache");
  {
    OpenAIJudge first(config(server, dir));
    EXPECT_EQ(first.complete("a"), "echo a");
    EXPECT_EQ(first.chat({"", "b", 0.5, 3}).content, "echo b");
  }
  ASSERT_EQ(server.requests().size(), 2u);
  OpenAIJudge second(config(server, dir));
  const auto ra = second.chat({"", "a", {}, {}});
  const auto rb = second.chat({"", "b", 0.5, 3});
  EXPECT_TRUE(ra.cached);
  EXPECT_TRUE(rb.cached);
  EXPECT_EQ(ra.content, "echo a");
  EXPECT_EQ(rb.content, "echo b");
  EXPECT_EQ(server.requests().size(), 2u);  // zero new requests
  // Different parameters are a different key: a miss.
  EXPECT_FALSE(second.chat({"", "b", 1.0, 3}).cached);
  EXPECT_EQ(server.requests().size(), 3u);
  int files = 0;
  for (const auto& e : fs::directory_iterator(dir)) {
    ++files;
    EXPECT_EQ(read_all(e.path()).find(kSecret), std::string::npos) << e.path();
  }
  EXPECT_EQ(files, 3);
  fs::remove_all(dir);
}

TEST(OpenAIJudge, CurlTransportSendsTheKeyInTheHeader) {
  if (std::system("curl --version > /dev/null 2>&1") != 0) GTEST_SKIP() << "no curl binary";
  FakeServer server([](const Request&) { return Response{200, completion("via curl")}; });
  auto c = config(server);
  c.force_curl = true;
  OpenAIJudge j(c);
  EXPECT_EQ(j.chat({"sys", "u", 0.0, 5}).content, "via curl");
  const auto reqs = server.requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_NE(reqs[0].headers.find(std::string("Authorization: Bearer ") + kSecret), std::string::npos);
  EXPECT_EQ(reqs[0].body["max_tokens"], 5);
  EXPECT_EQ(reqs[0].body["messages"][0]["content"], "sys");
}

TEST(OpenAIJudge, BadConfig) {
  JudgeConfig c;
  c.url = "ftp://x/v1";
  c.model = "m";
  EXPECT_THROW(OpenAIJudge{c}, Error);
  c.url = "http://127.0.0.1:1/v1";
  c.model = "";
  EXPECT_THROW(OpenAIJudge{c}, Error);
}

// ---- MM-Vet ----

TEST(MmvetGrader, PromptBytesMatchUpstream) {
  EXPECT_EQ(std::string(judge::kMmvetPrompt).size(), 2290u);
  EXPECT_EQ(judge::prompt_hash(judge::kMmvetPrompt),
            "d1b3e0a5b4e72c888b77164489d705bba4dd149934fff564dfba6443d81afe3f");
  // prompt + "\n" + " | ".join([q, gt with spaced <OR>, pred, ""]) computed in Python.
  EXPECT_EQ(judge::prompt_hash(judge::mmvet_query("What is 2+2?", "4<OR>four", "It is 4.")),
            "d3ca4b5abe1db8d1d943f9c8ef0abccff70b3564b275d9bc152e55d695a40575");
  EXPECT_EQ(judge::mmvet_query("q", "a<AND>b", "p").substr(2290), "\nq | a <AND> b | p | ");
}

TEST(MmvetGrader, Parse) {
  EXPECT_EQ(judge::mmvet_parse("0.5"), 0.5);
  EXPECT_EQ(judge::mmvet_parse("1.0 because"), 1.0);
  EXPECT_EQ(judge::mmvet_parse("0.3\n"), 0.3);
  EXPECT_FALSE(judge::mmvet_parse(" 0.5"));  // split(" ")[0] is "" -> float("") raises
  EXPECT_FALSE(judge::mmvet_parse("1.5"));
  EXPECT_FALSE(judge::mmvet_parse("-0.1"));
  EXPECT_FALSE(judge::mmvet_parse("Correct"));
}

data::Sample mmvet_sample(const std::string& id, const std::string& q, const std::string& a,
                          const std::vector<std::string>& caps) {
  data::Sample s;
  s.task = "mmvet";
  s.id = id;
  s.question = q;
  s.answer = a;
  s.meta["capability"] = caps;
  return s;
}

TEST(MmvetScore, AggregatesLikeTheOfficialEvaluator) {
  // The judge answers by the prediction found in the query row.
  FakeServer server([](const Request& r) {
    const std::string u = r.body["messages"][0]["content"];
    const bool retry = u.find("Predict the correctness of the answer (digit): ") != std::string::npos;
    std::string a = "0";
    if (u.find("| P1 |") != std::string::npos) a = "0.5";
    if (u.find("| It is 4. |") != std::string::npos) a = "1.0 because";
    if (u.find("| P3 |") != std::string::npos) a = retry ? "0.8" : "1.5";  // out of range, then fine
    if (u.find("| P4 |") != std::string::npos) a = "x";                      // never parses
    return Response{200, completion(a)};
  });
  std::vector<data::Sample> samples = {mmvet_sample("1", "q1", "a1", {"rec", "ocr"}),
                                       mmvet_sample("2", "What is 2+2?", "4<OR>four", {"rec"}),
                                       mmvet_sample("3", "q3", "a3", {"ocr", "math"}),
                                       mmvet_sample("4", "q4", "a4", {"rec"}),
                                       mmvet_sample("5", "q5", "a5", {"rec"})};
  OpenAIJudge j(config(server));
  ScoreOptions opt;
  opt.judge = &j;
  const auto out = score_task("mmvet", samples, {{"1", "P1"}, {"2", "It is 4."}, {"3", "P3"}, {"4", "P4"}}, opt);
  ASSERT_TRUE(out.computed);
  EXPECT_EQ(out.counts.scored, 4);
  EXPECT_EQ(out.counts.missing_prediction, 1);
  // Scores 0.5, 1.0, 0.8, 0.0. rec: (0.5+1.0+0.0)/3*100; ocr: (0.5+0.8)/2*100; math: 0.8*100;
  // total (0.5+1.0+0.8+0.0)/4*100; per exact set: ocr_rec 50, rec (1.0+0.0)/2*100, math_ocr 80.
  EXPECT_NEAR(out.metrics["total"].get<double>(), 57.5, kTolerance);
  EXPECT_NEAR(out.metrics["capabilities"]["rec"].get<double>(), 50.0, kTolerance);
  EXPECT_NEAR(out.metrics["capabilities"]["ocr"].get<double>(), 65.0, kTolerance);
  EXPECT_NEAR(out.metrics["capabilities"]["math"].get<double>(), 80.0, kTolerance);
  EXPECT_NEAR(out.metrics["capability_integration"]["ocr_rec"].get<double>(), 50.0, kTolerance);
  EXPECT_NEAR(out.metrics["capability_integration"]["rec"].get<double>(), 50.0, kTolerance);
  EXPECT_NEAR(out.metrics["capability_integration"]["math_ocr"].get<double>(), 80.0, kTolerance);
  // Requests: 1 + 1 + 2 (one retry) + 6 (first + 5 retries, then 0.0).
  const auto reqs = server.requests();
  ASSERT_EQ(reqs.size(), 10u);
  EXPECT_EQ(reqs[1].body["messages"][0]["content"], judge::mmvet_query("What is 2+2?", "4<OR>four", "It is 4."));
  EXPECT_EQ(reqs[1].body["max_tokens"], 3);
  // Retry ladder of sample 4: temperatures 0, 0, 0.5, 1.0, 1.5, 2.0.
  const std::vector<double> temps = {0.0, 0.0, 0.5, 1.0, 1.5, 2.0};
  for (size_t i = 0; i < temps.size(); ++i) EXPECT_EQ(reqs[4 + i].body["temperature"].get<double>(), temps[i]) << i;
  const auto& judge_rec = out.metrics["judge"];
  EXPECT_EQ(judge_rec["model"], "fake-judge");
  EXPECT_EQ(judge_rec["runs"], 1);
  EXPECT_EQ(judge_rec["requests"], 10);
  EXPECT_EQ(judge_rec["prompt_template_sha256"], "d1b3e0a5b4e72c888b77164489d705bba4dd149934fff564dfba6443d81afe3f");
  EXPECT_EQ(out.per_sample[2]["prompt_sha256"].size(), 2u);
  EXPECT_EQ(out.per_sample[3]["score"], 0.0);
  EXPECT_EQ(to_json(out).dump().find(kSecret), std::string::npos);

  // Other profiles send other prompt bytes (benchmarks.md §4.11): refused, not approximated.
  opt.profile = "lmms_eval";
  EXPECT_THROW(score_task("mmvet", samples, {{"1", "P1"}}, opt), Error);
}

TEST(MmvetScore, WithoutJudgeNotComputed) {
  const auto out = score_task("mmvet", {mmvet_sample("1", "q", "a", {"rec"})}, {{"1", "p"}});
  EXPECT_FALSE(out.computed);
  EXPECT_TRUE(out.metrics.empty());
}

// ---- LLaVA-Bench ----

TEST(LlavaBenchReview, ContentAndParse) {
  const std::string rule = judge::llava_bench_rule("conv");
  EXPECT_EQ(rule.size(), 872u);
  EXPECT_EQ(judge::prompt_hash(rule), "2ce22b562d6008864970ea863ac8a4d385ea6f2e64ab1313a23f825202a9529d");
  EXPECT_EQ(judge::llava_bench_rule("complex"), rule);
  EXPECT_THROW(judge::llava_bench_rule("math"), Error);
  EXPECT_EQ(judge::llava_bench_content("detail", "CAP", "Q?", "REF", "MODEL"),
            "[Context]\nCAP\n\n[Question]\nQ?\n\n[Assistant 1]\nREF\n\n[End of Assistant 1]\n\n"
            "[Assistant 2]\nMODEL\n\n[End of Assistant 2]\n\n[System]\n" + rule + "\n\n");
  using P = std::array<double, 2>;
  EXPECT_EQ(judge::llava_bench_parse("8 9\nbecause"), (P{8, 9}));
  EXPECT_EQ(judge::llava_bench_parse("7,6"), (P{7, 6}));
  EXPECT_EQ(judge::llava_bench_parse("7, 6"), (P{-1, -1}));  // "7  6".split(' ') has 3 parts
  EXPECT_EQ(judge::llava_bench_parse("Assistant 1: 8"), (P{-1, -1}));
  EXPECT_EQ(judge::llava_bench_parse("8 nine"), (P{-1, -1}));
}

data::Sample bench_sample(const std::string& id, const std::string& category) {
  data::Sample s;
  s.task = "llava_bench";
  s.id = id;
  s.category = category;
  s.question = "question " + id;
  s.answer = "reference " + id;
  s.meta["caption"] = "caption " + id;
  return s;
}

TEST(LlavaBenchScore, RelativeScoresLikeSummarizeGptReview) {
  FakeServer server([](const Request& r) {
    const std::string u = r.body["messages"][1]["content"];
    const std::map<std::string, std::string> by_answer = {
        {"m1", "8 9\nok"}, {"m2", "7 7\nok"}, {"m3", "7,7"}, {"m4", "garbage"}, {"m5", "6 9\nbetter"}};
    for (const auto& [k, v] : by_answer) {
      if (u.find("[Assistant 2]\n" + k + "\n") != std::string::npos) return Response{200, completion(v)};
    }
    return Response{500, "unexpected"};
  });
  std::vector<data::Sample> samples = {bench_sample("1", "conv"), bench_sample("2", "conv"), bench_sample("3", "conv"),
                                       bench_sample("4", "detail"), bench_sample("5", "complex")};
  OpenAIJudge j(config(server));
  ScoreOptions opt;
  opt.judge = &j;
  const auto out =
      score_task("llava_bench", samples, {{"1", "m1"}, {"2", "m2"}, {"3", "m3"}, {"4", "m4"}, {"5", "m5"}}, opt);
  ASSERT_TRUE(out.computed);
  const auto& m = out.metrics;
  // conv: means (23/3, 22/3)... reference 8,7,7 -> 7.333 (round 3), model 9,7,7 -> 7.667;
  // relative round(7.667/7.333*100, 1) = 104.6 (unrounded means would give 104.5).
  EXPECT_NEAR(m["llava_bench_conv"]["relative"].get<double>(), 104.6, kTolerance);
  EXPECT_NEAR(m["llava_bench_conv"]["reference"].get<double>(), 73.3, kTolerance);
  EXPECT_NEAR(m["llava_bench_conv"]["model"].get<double>(), 76.7, kTolerance);
  // detail: the unparsable review counts as (-1, -1): relative 100.0, both -10.0.
  EXPECT_NEAR(m["llava_bench_detail"]["relative"].get<double>(), 100.0, kTolerance);
  EXPECT_NEAR(m["llava_bench_detail"]["reference"].get<double>(), -10.0, kTolerance);
  // complex: (6, 9) -> 150.0, 60.0, 90.0.
  EXPECT_NEAR(m["llava_bench_complex"]["relative"].get<double>(), 150.0, kTolerance);
  EXPECT_NEAR(m["llava_bench_complex"]["model"].get<double>(), 90.0, kTolerance);
  // all: reference (8+7+7-1+6)/5 = 5.4, model (9+7+7-1+9)/5 = 6.2 -> round(6.2/5.4*100, 1) = 114.8.
  EXPECT_NEAR(m["all"]["relative"].get<double>(), 114.8, kTolerance);
  EXPECT_NEAR(m["all"]["reference"].get<double>(), 54.0, kTolerance);
  EXPECT_NEAR(m["all"]["model"].get<double>(), 62.0, kTolerance);
  EXPECT_EQ(m["judge"]["unparsed_reviews"], 1);
  EXPECT_EQ(m["judge"]["requests"], 5);
  const auto reqs = server.requests();
  ASSERT_EQ(reqs.size(), 5u);
  EXPECT_EQ(reqs[0].body["temperature"], 0.2);
  EXPECT_EQ(reqs[0].body["max_tokens"], 1024);
  EXPECT_EQ(reqs[0].body["messages"][0]["content"], judge::kLlavaBenchSystem);
  EXPECT_EQ(reqs[0].body["messages"][1]["content"],
            judge::llava_bench_content("conv", "caption 1", "question 1", "reference 1", "m1"));
  EXPECT_EQ(to_json(out).dump().find(kSecret), std::string::npos);
}

TEST(LlavaBenchScore, SecondRunIsServedFromTheCache) {
  std::atomic<int> calls{0};
  FakeServer server([&](const Request&) {
    ++calls;
    return Response{200, completion("5 6")};
  });
  const std::string dir = temp_dir("bench");
  std::vector<data::Sample> samples = {bench_sample("1", "conv"), bench_sample("2", "detail")};
  nlohmann::json first, second;
  {
    OpenAIJudge j(config(server, dir));
    ScoreOptions opt;
    opt.judge = &j;
    first = to_json(score_task("llava_bench", samples, {{"1", "a"}, {"2", "b"}}, opt));
  }
  EXPECT_EQ(calls, 2);
  OpenAIJudge j(config(server, dir));
  ScoreOptions opt;
  opt.judge = &j;
  second = to_json(score_task("llava_bench", samples, {{"1", "a"}, {"2", "b"}}, opt));
  EXPECT_EQ(calls, 2);  // no request in the second run
  EXPECT_EQ(second["metrics"]["judge"]["cached_requests"], 2);
  EXPECT_EQ(second["metrics"]["all"], first["metrics"]["all"]);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace slime::eval

// ---- MMBench LLM choice extractor (optional) ----
namespace slime::eval {
namespace {

data::Sample mmb_sample(const std::string& id, const std::string& answer) {
  data::Sample s;
  s.task = "mmbench_dev_en";
  s.id = id;
  s.question = "What is the main object?";
  s.answer = answer;
  s.category = "coarse_perception";
  s.options = {{"A", "teddy bear"}, {"B", "rabbit"}, {"C", "cat"}, {"D", "dog"}};
  return s;
}

TEST(MmbenchJudge, ExtractorOnlyWhereRulesFail) {
  FakeServer server([](const Request& r) {
    const std::string u = r.body["messages"][0]["content"];
    if (u.find("Answer: It looks fluffy and brown.\n") != std::string::npos) return Response{200, completion("A")};
    return Response{200, completion("I cannot tell")};
  });
  OpenAIJudge j(config(server));
  ScoreOptions opt;
  opt.profile = "vlmevalkit";
  opt.judge = &j;
  // Copy 0 (index 1) is resolved by the judge, copy 1 (1000001) by can_infer ("B"), question 2's
  // copy never resolves: three tries, then the seeded fallback.
  const std::vector<data::Sample> samples = {mmb_sample("1", "A"), mmb_sample("1000001", "B"), mmb_sample("2", "C")};
  const std::vector<Prediction> preds = {
      {"1", "  It looks fluffy and brown.  "}, {"1000001", "B"}, {"2", "Something without any option."}};
  const auto out = score_task("mmbench_dev_en", samples, preds, opt);
  const auto reqs = server.requests();
  ASSERT_EQ(reqs.size(), 4u);  // 1 for sample 1, none for the rule-resolved copy, 3 for sample 2
  EXPECT_EQ(reqs[0].body["messages"][0]["content"],
            choice_judge_prompt("What is the main object?", samples[0].options, "It looks fluffy and brown."));
  EXPECT_EQ(out.per_sample[0]["filtered"], "A");
  EXPECT_EQ(out.per_sample[0]["judge_fallback"], false);
  EXPECT_FALSE(out.per_sample[1].contains("judge_answers"));
  EXPECT_EQ(out.per_sample[2]["judge_fallback"], true);
  EXPECT_EQ(out.per_sample[2]["judge_answers"].size(), 3u);
  // Group 1 (both copies right) hits, group 2 cannot be right unless the seeded draw is "C".
  const double g2 = out.per_sample[2]["filtered"] == "C" ? 1.0 : 0.0;
  EXPECT_NEAR(out.metrics["circular_accuracy"].get<double>(), 100.0 * (1.0 + g2) / 2.0, kTolerance);
  EXPECT_EQ(out.metrics["judge"]["extracted_items"], 2);
  EXPECT_EQ(out.metrics["judge"]["seeded_fallbacks"], 1);
  // The fallback is seeded: the same result on a second run.
  const auto again = score_task("mmbench_dev_en", samples, preds, opt);
  EXPECT_EQ(again.per_sample[2]["filtered"], out.per_sample[2]["filtered"]);
  // Without a judge the open copies stay unresolved (exact_matching).
  opt.judge = nullptr;
  const auto plain = score_task("mmbench_dev_en", samples, preds, opt);
  EXPECT_EQ(plain.per_sample[0]["filtered"], "");
  EXPECT_FALSE(plain.metrics.contains("judge"));
}

}  // namespace
}  // namespace slime::eval
