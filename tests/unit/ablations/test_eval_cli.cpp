// `slime eval` and `slime merge` end to end, as real processes, on a tiny random model
// (`slime init-model`) and a small hires-detail set (the generator library): a run killed with
// SIGKILL and rerun gives the same results as an uninterrupted one with no sample lost or
// duplicated; two shards (one from --shard, one from the launcher's environment) merge into the
// single run's results; bad input is reported, and a bad sample is recorded while the run goes on.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "datasets/hires_detail/generator.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

using Env = std::vector<std::pair<std::string, std::string>>;

// Samples per run: enough that a kill lands mid-run, few enough for a fast test (--limit).
constexpr int kSamples = 8;
// Short answers keep each sample fast; the pipeline (vision, selection, prefill, decode) is the same.
constexpr int kMaxNewTokens = 4;
constexpr const char* kBatch = "2";

fs::path root() { return fs::temp_directory_path() / ("slime_eval_cli_" + std::to_string(::getpid())); }
std::string model_dir() { return (root() / "model").string(); }
std::string data_dir() { return (root() / "hires").string(); }

// Starts SLIME_BINARY ARGS with extra environment ENV; stdout+stderr go to OUTPUT_FILE.
pid_t spawn(const std::vector<std::string>& args, const Env& env, const std::string& output_file) {
  const pid_t pid = ::fork();
  if (pid != 0) return pid;
  for (const auto& [k, v] : env) ::setenv(k.c_str(), v.c_str(), 1);
  const int fd = ::open(output_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  ::dup2(fd, 1);
  ::dup2(fd, 2);
  std::vector<char*> argv;
  std::string bin = SLIME_BINARY;
  argv.push_back(bin.data());
  std::vector<std::string> copy = args;
  for (auto& a : copy) argv.push_back(a.data());
  argv.push_back(nullptr);
  ::execv(bin.c_str(), argv.data());
  ::_exit(127);
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct Proc {
  int exit_code = -1;
  std::string output;
};

Proc run(const std::vector<std::string>& args, const Env& env = {}) {
  static int counter = 0;
  const std::string out = (root() / ("out_" + std::to_string(counter++) + ".txt")).string();
  const pid_t pid = spawn(args, env, out);
  int status = 0;
  ::waitpid(pid, &status, 0);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, slurp(out)};
}

std::vector<std::string> eval_args(const std::string& out, const std::string& data = data_dir()) {
  return {"eval", "--model", model_dir(), "--tasks", "hires_detail", "--data", "hires_detail=" + data,
          "--split", "test", "--limit", std::to_string(kSamples), "--max-new-tokens", std::to_string(kMaxNewTokens),
          "--batch-size", kBatch, "--output", out, "--no-history"};
}

std::vector<json> log_lines(const fs::path& path) {
  std::vector<json> out;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) out.push_back(json::parse(line));
  return out;
}

size_t complete_lines(const fs::path& path) {
  const std::string text = slurp(path);
  return static_cast<size_t>(std::count(text.begin(), text.end(), '\n'));
}

// results.json without what legitimately differs between two runs of the same command.
json comparable(json results) {
  for (const char* k : {"date", "total_seconds", "latency"}) results.erase(k);
  return results;
}

void expect_same_results(const fs::path& a, const fs::path& b) {
  const json ja = comparable(json::parse(slurp(a))), jb = comparable(json::parse(slurp(b)));
  EXPECT_EQ(ja, jb) << "diff: " << json::diff(ja, jb).dump(1);
}

// The answers of a log, by doc_id, with the order they appear in.
std::vector<std::pair<std::string, json>> answers(const fs::path& log) {
  std::vector<std::pair<std::string, json>> out;
  for (const json& r : log_lines(log)) out.emplace_back(r["doc_id"], r.value("resps", json()));
  return out;
}

class EvalCli : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    fs::remove_all(root());
    fs::create_directories(root());
    const Proc m = run({"init-model", "--kind", "slime", "--preset", "tiny", "--seed", "0", "--out", model_dir()});
    ASSERT_EQ(m.exit_code, 0) << m.output;
    slime::data::hires::HiresDetailConfig cfg;
    cfg.train = 0, cfg.val = 0, cfg.test = kSamples + 2;
    slime::data::hires::write_hires_detail(data_dir(), cfg);
    // The reference: one uninterrupted run.
    const Proc r = run(eval_args((root() / "reference").string()));
    ASSERT_EQ(r.exit_code, 0) << r.output;
  }
  static void TearDownTestSuite() { fs::remove_all(root()); }
  static fs::path reference() { return root() / "reference"; }
};

}  // namespace

TEST_F(EvalCli, ReferenceRunLogsEverySampleWithTheRecordFields) {
  const auto lines = log_lines(reference() / "samples_hires_detail.jsonl");
  ASSERT_EQ(lines.size(), static_cast<size_t>(kSamples));
  std::set<std::string> ids;
  for (const json& r : lines) {
    ids.insert(r["doc_id"].get<std::string>());
    for (const char* k : {"doc_id", "input", "target", "resps", "filtered_resps", "correct", "visual_tokens",
                          "timing_ms", "output_tokens", "tokens_per_s", "fingerprint"})
      EXPECT_TRUE(r.contains(k)) << k << " missing in " << r.dump();
    EXPECT_FALSE(r.contains("error")) << r.dump();
    EXPECT_GT(r["visual_tokens"]["global"].get<int64_t>(), 0);
    EXPECT_LE(r["output_tokens"].get<int64_t>(), kMaxNewTokens);
    for (const char* stage : {"preprocess", "vision", "prefill", "decode"}) EXPECT_TRUE(r["timing_ms"].contains(stage)) << stage;
  }
  EXPECT_EQ(ids.size(), static_cast<size_t>(kSamples));
  const json res = json::parse(slurp(reference() / "results.json"));
  EXPECT_TRUE(res["results"]["hires_detail"].contains("accuracy")) << res["results"].dump();
  EXPECT_EQ(res["n_samples"]["total"], kSamples);
  EXPECT_EQ(res["n_samples"]["scored"], kSamples);
  EXPECT_EQ(res["config"]["model"]["fingerprint"].get<std::string>().size(), 64u);
  EXPECT_EQ(res["config"]["tasks"]["hires_detail"]["dataset"]["content_hash"].get<std::string>().size(), 64u);
  EXPECT_EQ(res["config"]["scorers"]["hires_detail"]["profile"], "slime");
  EXPECT_FALSE(res["config"]["scorers"]["hires_detail"]["rule_version"].get<std::string>().empty());
  for (const char* p : {"p50", "p90", "p99"}) EXPECT_TRUE(res["latency"]["vision"].contains(p)) << res["latency"].dump();

  // Accuracy as recomputed from the log's per-sample scores.
  double correct = 0;
  for (const json& r : lines) correct += r["correct"].get<double>();
  constexpr double kTol = 1e-9;  // a mean of 0/1 values times 100
  EXPECT_NEAR(res["results"]["hires_detail"]["accuracy"].get<double>(), 100.0 * correct / kSamples, kTol);

  // A rerun of a finished run generates nothing and rewrites the same results.
  const Proc again = run(eval_args(reference().string()));
  ASSERT_EQ(again.exit_code, 0) << again.output;
  EXPECT_EQ(log_lines(reference() / "samples_hires_detail.jsonl").size(), static_cast<size_t>(kSamples));
}

TEST_F(EvalCli, KilledRunResumesWithNoSampleLostOrDuplicated) {
  const fs::path out = root() / "killed";
  const fs::path log = out / "samples_hires_detail.jsonl";
  const pid_t pid = spawn(eval_args(out.string()), {}, (root() / "killed_output.txt").string());
  // Kill as soon as a first sample is on disk: the process is then mid-run, between or inside writes.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  int status = 0;
  bool exited = false;
  while (std::chrono::steady_clock::now() < deadline) {
    if (fs::exists(log) && complete_lines(log) >= 1) break;
    if (::waitpid(pid, &status, WNOHANG) == pid) {
      exited = true;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  ASSERT_FALSE(exited) << "slime eval ended before it could be killed: " << slurp(root() / "killed_output.txt");
  ASSERT_EQ(::kill(pid, SIGKILL), 0);
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
  const size_t before = complete_lines(log);
  ASSERT_GE(before, 1u);
  ASSERT_LT(before, static_cast<size_t>(kSamples)) << "the kill came too late to test a resume";
  EXPECT_FALSE(fs::exists(out / "results.json"));
  // And a write torn by the kill, as a crash in the middle of a line leaves it.
  { std::ofstream(log, std::ios::app) << "{\"doc_id\":\"test_0000"; }

  const Proc resumed = run(eval_args(out.string()));
  ASSERT_EQ(resumed.exit_code, 0) << resumed.output;
  const auto got = answers(log), want = answers(reference() / "samples_hires_detail.jsonl");
  ASSERT_EQ(got.size(), static_cast<size_t>(kSamples));
  std::set<std::string> ids;
  for (const auto& [id, resps] : got) ids.insert(id);
  EXPECT_EQ(ids.size(), static_cast<size_t>(kSamples)) << "a sample was logged twice";
  EXPECT_EQ(got, want);  // same samples, same order, same greedy answers
  expect_same_results(out / "results.json", reference() / "results.json");
}

TEST_F(EvalCli, TwoShardsMergeIntoTheSingleRunResults) {
  const fs::path out = root() / "sharded";
  // Shard 0 from the flag, shard 1 from Open MPI's environment, side by side.
  const std::string o0 = (root() / "shard0.txt").string(), o1 = (root() / "shard1.txt").string();
  std::vector<std::string> a0 = eval_args(out.string());
  a0.insert(a0.end(), {"--shard", "0/2"});
  const pid_t p0 = spawn(a0, {}, o0);
  const pid_t p1 = spawn(eval_args(out.string()), {{"OMPI_COMM_WORLD_RANK", "1"}, {"OMPI_COMM_WORLD_SIZE", "2"}}, o1);
  int s0 = 0, s1 = 0;
  ::waitpid(p0, &s0, 0);
  ::waitpid(p1, &s1, 0);
  ASSERT_TRUE(WIFEXITED(s0) && WEXITSTATUS(s0) == 0) << slurp(o0);
  ASSERT_TRUE(WIFEXITED(s1) && WEXITSTATUS(s1) == 0) << slurp(o1);
  const size_t n0 = log_lines(out / "samples_hires_detail.shard-0-of-2.jsonl").size();
  const size_t n1 = log_lines(out / "samples_hires_detail.shard-1-of-2.jsonl").size();
  EXPECT_EQ(n0, static_cast<size_t>((kSamples + 1) / 2));
  EXPECT_EQ(n1, static_cast<size_t>(kSamples / 2));
  EXPECT_TRUE(fs::exists(out / "results.shard-1-of-2.json"));
  EXPECT_FALSE(fs::exists(out / "results.json"));

  // The merged run (not the shards) goes to the run history.
  const fs::path db = root() / "history.db";
  const Proc merged = run({"merge", out.string(), "--db", db.string()});
  ASSERT_EQ(merged.exit_code, 0) << merged.output;
  EXPECT_NE(merged.output.find("recorded in " + db.string() + " as #1"), std::string::npos) << merged.output;
  EXPECT_EQ(answers(out / "samples_hires_detail.jsonl"), answers(reference() / "samples_hires_detail.jsonl"));
  expect_same_results(out / "results.json", reference() / "results.json");
}

TEST_F(EvalCli, MergeRefusesAnUnfinishedShardSet) {
  const fs::path out = root() / "half";
  std::vector<std::string> a = eval_args(out.string());
  a.insert(a.end(), {"--shard", "1/2"});
  ASSERT_EQ(run(a).exit_code, 0);
  const Proc merged = run({"merge", out.string(), "--no-history"});
  EXPECT_EQ(merged.exit_code, 3) << merged.output;  // kNotFound
  EXPECT_NE(merged.output.find("results.shard-0-of-2.json"), std::string::npos) << merged.output;
  EXPECT_NE(run({"merge", (root() / "nowhere").string(), "--no-history"}).exit_code, 0);
}

TEST_F(EvalCli, BadInputIsReportedClearly) {
  const std::string out = (root() / "bad").string();
  std::vector<std::string> a = eval_args(out);
  a[4] = "no_such_task";
  Proc r = run(a);
  EXPECT_EQ(r.exit_code, 3) << r.output;  // kNotFound
  EXPECT_NE(r.output.find("unknown task 'no_such_task'"), std::string::npos) << r.output;

  r = run(eval_args(out, (root() / "missing_dataset").string()));
  EXPECT_EQ(r.exit_code, 3) << r.output;
  EXPECT_NE(r.output.find("missing_dataset"), std::string::npos) << r.output;

  a = eval_args(out);
  a[6] = "mme=" + data_dir();  // data for another task only
  r = run(a);
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("no dataset for task hires_detail"), std::string::npos) << r.output;

  a = eval_args(out);
  a.insert(a.end(), {"--shard", "2/2"});
  EXPECT_EQ(run(a).exit_code, 2);
}

TEST_F(EvalCli, SampleErrorsAreRecordedAndTheRunGoesOn) {
  // A copy of the data with one image that is not a PNG and one image that is gone.
  const fs::path data = root() / "hires_broken";
  fs::copy(data_dir(), data, fs::copy_options::recursive);
  const auto rows = log_lines(data / "test.jsonl");
  const fs::path garbage = data / rows[1]["image"].get<std::string>();
  const fs::path missing = data / rows[3]["image"].get<std::string>();
  { std::ofstream(garbage, std::ios::binary | std::ios::trunc) << "this is not an image"; }
  fs::remove(missing);

  const fs::path out = root() / "broken";
  const Proc r = run(eval_args(out.string(), data.string()));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const json res = json::parse(slurp(out / "results.json"));
  EXPECT_EQ(res["n_samples"]["total"], kSamples);
  EXPECT_EQ(res["n_samples"]["scored"], kSamples - 2);
  const json errors = res["n_samples"]["errors"];
  int64_t n_errors = 0;
  for (const auto& [code, n] : errors.items()) n_errors += n.get<int64_t>();
  EXPECT_EQ(n_errors, 2) << errors.dump();
  EXPECT_TRUE(errors.contains("missing_image")) << errors.dump();
  const auto lines = log_lines(out / "samples_hires_detail.jsonl");
  ASSERT_EQ(lines.size(), static_cast<size_t>(kSamples));
  EXPECT_TRUE(lines[1].contains("error")) << lines[1].dump();
  EXPECT_NE(lines[1]["error"].get<std::string>().find(garbage.filename().string()), std::string::npos) << lines[1].dump();
  EXPECT_EQ(lines[3]["error"].get<std::string>().rfind("missing_image:", 0), 0u) << lines[3].dump();
  EXPECT_FALSE(lines[2].contains("error"));
  // The good samples got the same answers as in the clean run.
  const auto clean = log_lines(reference() / "samples_hires_detail.jsonl");
  EXPECT_EQ(lines[2]["resps"], clean[2]["resps"]);

  // --strict turns the first error into a failed run.
  std::vector<std::string> strict = eval_args((root() / "broken_strict").string(), data.string());
  strict.push_back("--strict");
  const Proc s = run(strict);
  EXPECT_NE(s.exit_code, 0) << s.output;
  EXPECT_NE(s.output.find("--strict"), std::string::npos) << s.output;
}

// --attention / --decode reach generation and are recorded in results.json's config; on the CPU the
// static decode gives the reference's answers (the same math over a fixed-shape cache).
TEST_F(EvalCli, FastPathFlagsAreRecordedAndKeepTheAnswers) {
  const fs::path out = root() / "fast_paths";
  std::vector<std::string> a = eval_args(out.string());
  a.insert(a.end(), {"--attention", "eager", "--decode", "static"});
  const Proc r = run(a);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(answers(out / "samples_hires_detail.jsonl"), answers(reference() / "samples_hires_detail.jsonl"));
  const json res = json::parse(slurp(out / "results.json"));
  EXPECT_EQ(res["config"]["attention"], "eager");
  EXPECT_EQ(res["config"]["decode"], "static");
  const json ref = json::parse(slurp(reference() / "results.json"));
  EXPECT_EQ(ref["config"]["attention"], "auto");
  EXPECT_EQ(ref["config"]["decode"], "auto");
  a = eval_args((root() / "bad_decode").string());
  a.insert(a.end(), {"--decode", "warp"});
  const Proc bad = run(a);
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_NE(bad.output.find("--decode: warp not in {auto,reference,static,graph}"), std::string::npos) << bad.output;
}
