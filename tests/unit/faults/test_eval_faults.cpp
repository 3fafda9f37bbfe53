// Faults during `slime eval`, as real processes on a tiny random model (`slime init-model`) and a
// small hires-detail set: a write that fails half way (a file size limit, which fails like a full
// disk), an output path that cannot be created, SIGTERM and SIGINT mid-run, a log whose last line
// was torn by a power cut. Each leaves a per-sample log of whole JSON lines, exits non-zero with a
// message naming the file or signal, and a rerun resumes to the results of an uninterrupted run.
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "datasets/hires_detail/generator.h"
#include "tests/unit/faults/child_process.h"

namespace fs = std::filesystem;
using nlohmann::json;
using slime::test::ChildOptions;
using slime::test::ChildResult;
using slime::test::run_slime;
using slime::test::slurp;
using slime::test::spawn_slime;

namespace {

// Enough samples that a signal lands mid-run, few enough for a fast test; short answers.
constexpr int kSamples = 8;
constexpr int kBatch = 2;
constexpr int kMaxNewTokens = 4;

fs::path root() { return fs::temp_directory_path() / ("slime_faults_" + std::to_string(::getpid())); }
std::string out_file(const std::string& name) { return (root() / (name + ".txt")).string(); }

std::vector<std::string> eval_args(const fs::path& out) {
  return {"eval", "--model", (root() / "model").string(), "--tasks", "hires_detail", "--data",
          "hires_detail=" + (root() / "hires").string(), "--split", "test", "--limit", std::to_string(kSamples),
          "--max-new-tokens", std::to_string(kMaxNewTokens), "--batch-size", std::to_string(kBatch),
          "--output", out.string(), "--no-history"};
}

// Every line of the log, which must be whole JSON objects each ending in a newline.
std::vector<json> whole_lines(const fs::path& log) {
  const std::string text = slurp(log.string());
  EXPECT_TRUE(text.empty() || text.back() == '\n') << "torn last line in " << log << ": ..."
                                                   << text.substr(text.size() > 80 ? text.size() - 80 : 0);
  std::vector<json> out;
  size_t pos = 0;
  while (pos < text.size()) {
    const size_t nl = std::min(text.find('\n', pos), text.size());
    json j = json::parse(text.substr(pos, nl - pos), nullptr, false);
    EXPECT_TRUE(j.is_object()) << log << " line " << out.size() + 1 << " is not a JSON object";
    out.push_back(std::move(j));
    pos = nl + 1;
  }
  return out;
}

json comparable(const fs::path& results) {
  json j = json::parse(slurp(results.string()));
  for (const char* k : {"date", "total_seconds", "latency"}) j.erase(k);
  return j;
}

std::vector<json> answers(const fs::path& log) {
  std::vector<json> out;
  for (const json& r : whole_lines(log)) out.push_back({r.value("doc_id", json()), r.value("resps", json())});
  return out;
}

// Polls until LOG holds a whole line (the child is then past its first batch) or 300 s passed;
// true when the child PID exited first, so a signal sent now would not land mid-run.
bool exited_before_first_line(pid_t pid, const fs::path& log) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(300);
  int status = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    const std::string text = fs::exists(log) ? slurp(log.string()) : "";
    if (std::count(text.begin(), text.end(), '\n') >= 1) return false;
    if (::waitpid(pid, &status, WNOHANG) == pid) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return false;
}

class EvalFaults : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    fs::remove_all(root());
    fs::create_directories(root());
    const ChildResult m = run_slime({"init-model", "--kind", "slime", "--preset", "tiny", "--seed", "0", "--out",
                                     (root() / "model").string()}, out_file("init"));
    ASSERT_EQ(m.exit_code, 0) << m.output;
    slime::data::hires::HiresDetailConfig cfg;
    cfg.train = 0, cfg.val = 0, cfg.test = kSamples;
    slime::data::hires::write_hires_detail((root() / "hires").string(), cfg);
    const ChildResult r = run_slime(eval_args(reference()), out_file("reference"));
    ASSERT_EQ(r.exit_code, 0) << r.output;
  }
  static void TearDownTestSuite() { fs::remove_all(root()); }
  static fs::path reference() { return root() / "reference"; }

  // A rerun of OUT without any fault finishes it with the reference's answers and results.
  static void expect_resumes_to_reference(const fs::path& out, const std::string& name) {
    const ChildResult r = run_slime(eval_args(out), out_file(name + "_resume"));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_EQ(answers(out / "samples_hires_detail.jsonl"), answers(reference() / "samples_hires_detail.jsonl"));
    EXPECT_EQ(comparable(out / "results.json"), comparable(reference() / "results.json"));
  }
};

TEST_F(EvalFaults, DiskFullMidLineLeavesWholeLinesAndResumes) {
  // The limit falls in the middle of the third log line: the first batch (2 lines) fits, the
  // second batch's first write is cut short, as on a disk that fills up.
  const std::string ref_log = slurp((reference() / "samples_hires_detail.jsonl").string());
  const size_t end2 = ref_log.find('\n', ref_log.find('\n') + 1) + 1;
  const size_t line3 = ref_log.find('\n', end2) + 1 - end2;
  ChildOptions limited;
  limited.max_file_bytes = static_cast<long long>(end2 + line3 / 2);
  const fs::path out = root() / "disk_full";
  const ChildResult r = run_slime(eval_args(out), out_file("disk_full"), limited);
  EXPECT_EQ(r.exit_code, 4) << r.output;  // kIo
  EXPECT_NE(r.output.find("samples_hires_detail.jsonl: write failed: File too large"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("rerun"), std::string::npos) << r.output;
  const auto lines = whole_lines(out / "samples_hires_detail.jsonl");
  EXPECT_EQ(lines.size(), 2u);
  EXPECT_FALSE(fs::exists(out / "results.json"));
  for (const auto& e : fs::directory_iterator(out))
    EXPECT_EQ(e.path().filename().string().find(".tmp."), std::string::npos) << "temporary left behind: " << e.path();
  expect_resumes_to_reference(out, "disk_full");
}

TEST_F(EvalFaults, AnOutputPathThatCannotBeCreatedIsNamed) {
  const fs::path file = root() / "a_file";
  std::ofstream(file) << "x";
  const ChildResult r = run_slime(eval_args(file / "out"), out_file("bad_output"));
  EXPECT_NE(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.signal, 0);
  EXPECT_NE(r.output.find((file / "out").string()), std::string::npos) << r.output;
}

TEST_F(EvalFaults, OversizedRequestsAreRefusedNamingTheLimit) {
  // A generation budget beyond the tiny model's context (max_position_embeddings 4096): refused
  // before any sample, by eval and by generate.
  std::vector<std::string> args = eval_args(root() / "too_long");
  args[12] = "5000";  // --max-new-tokens
  ASSERT_EQ(args[11], "--max-new-tokens");
  ChildResult r = run_slime(args, out_file("too_long"));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("max_new_tokens 5000 leaves no room for a prompt in the model's context of 4096 tokens"),
            std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(root() / "too_long" / "samples_hires_detail.jsonl"));
  r = run_slime({"generate", "--model", (root() / "model").string(), "--prompt", "hi", "--max-new-tokens", "5000"},
                out_file("generate_too_long"));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("exceeds the model's context of 4096 tokens (max_position_embeddings"), std::string::npos)
      << r.output;

  // Images over --max-image-pixels: each sample's error names the limit, the run goes on.
  args = eval_args(root() / "pixels");
  args.insert(args.end(), {"--max-image-pixels", "1000"});
  r = run_slime(args, out_file("pixels"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto lines = whole_lines(root() / "pixels" / "samples_hires_detail.jsonl");
  ASSERT_EQ(lines.size(), static_cast<size_t>(kSamples));
  for (const json& l : lines)
    EXPECT_NE(l.value("error", "").find("exceeds the limit of 1000 pixels (--max-image-pixels"), std::string::npos)
        << l.dump();

  // --max-kv-cache-mb through the CLI. A batch of 8 over the limit (8 x ~730 positions x 512 B of
  // fp32 K+V = 2.9 MiB > 1 MiB) is refused before allocating and its samples are retried one by
  // one (0.36 MiB each): every answer is still produced. A single sample over it (3000 new tokens:
  // ~1.8 MiB) is refused with the limit named, recorded per sample, and the run goes on.
  args = eval_args(root() / "kv_batch");
  ASSERT_EQ(args[13], "--batch-size");
  args[14] = "8";
  args.insert(args.end(), {"--max-kv-cache-mb", "1"});
  r = run_slime(args, out_file("kv_batch"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(answers(root() / "kv_batch" / "samples_hires_detail.jsonl"), answers(reference() / "samples_hires_detail.jsonl"));
  EXPECT_NE(r.output.find("a batch of 8 failed (invalid_argument: generate: the KV cache of 8 sequence(s)"),
            std::string::npos) << r.output;
  EXPECT_NE(r.output.find("its samples run one by one"), std::string::npos) << r.output;
  args = eval_args(root() / "kv_one");
  args[10] = "2", args[12] = "3000";  // --limit, --max-new-tokens
  args.insert(args.end(), {"--max-kv-cache-mb", "1"});
  r = run_slime(args, out_file("kv_one"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto kv_lines = whole_lines(root() / "kv_one" / "samples_hires_detail.jsonl");
  ASSERT_EQ(kv_lines.size(), 2u);
  for (const json& l : kv_lines)
    EXPECT_NE(l.value("error", "").find("MiB, over the limit of 1.0 MiB (max_cache_bytes); lower the batch size"),
              std::string::npos) << l.dump();
}

// `slime ablate` runs each cell through the same eval: a SIGTERM inside a cell exits 143 (not 1), with
// ablation.json whole and the cell pending; the same command then resumes the cell and runs the rest.
TEST_F(EvalFaults, AblateInterruptedInACellExitsWith128PlusSignalAndResumes) {
  const fs::path dir = root() / "ablate";
  fs::create_directories(dir);
  const json spec = {{"name", "interrupt"},
                     {"model", (root() / "model").string()},
                     {"tasks", {"hires_detail"}},
                     {"data", {{"hires_detail", (root() / "hires").string()}}},
                     {"split", "test"},
                     {"limit", kSamples},
                     {"max_new_tokens", kMaxNewTokens},
                     {"axes", {{"selection", {{"topp", {0.9, 0.5}}}}}}};
  std::ofstream(dir / "spec.json") << spec.dump(2);
  const std::vector<std::string> args = {"ablate", "--no-history", (dir / "spec.json").string(), "--output",
                                         (dir / "out").string()};
  const fs::path log = dir / "out" / "cells" / "topp=0.9" / "samples_hires_detail.jsonl";
  const std::string output = out_file("ablate_signal");
  const pid_t pid = spawn_slime(args, output);
  ASSERT_FALSE(exited_before_first_line(pid, log)) << "slime ablate ended before the signal: " << slurp(output);
  ASSERT_EQ(::kill(pid, SIGTERM), 0);
  const ChildResult r = slime::test::wait_child(pid, output);
  EXPECT_EQ(r.signal, 0) << r.output;
  EXPECT_EQ(r.exit_code, 128 + SIGTERM) << r.output;
  EXPECT_NE(r.output.find("interrupted by SIGTERM"), std::string::npos) << r.output;
  const json report = json::parse(slurp((dir / "out" / "ablation.json").string()));
  ASSERT_EQ(report["cells"].size(), 2u);
  EXPECT_EQ(report["cells"][0]["status"], "pending") << report["cells"][0].dump();
  EXPECT_EQ(report["summary"]["pending"], 2) << report["summary"].dump();
  ASSERT_LT(whole_lines(log).size(), static_cast<size_t>(kSamples)) << "the signal came too late to test a resume";

  const ChildResult resumed = run_slime(args, out_file("ablate_resume"));
  ASSERT_EQ(resumed.exit_code, 0) << resumed.output;
  EXPECT_NE(resumed.output.find("2 cells: 2 run, 0 skipped (finished earlier), 0 failed"), std::string::npos) << resumed.output;
  EXPECT_EQ(whole_lines(log).size(), static_cast<size_t>(kSamples));
}

class EvalSignals : public EvalFaults, public ::testing::WithParamInterface<int> {};

TEST_P(EvalSignals, FinishTheBatchExitWith128PlusSignalAndResume) {
  const int sig = GetParam();
  const fs::path out = root() / ("signal_" + std::to_string(sig));
  const fs::path log = out / "samples_hires_detail.jsonl";
  const std::string output = out_file("signal_" + std::to_string(sig));
  const pid_t pid = spawn_slime(eval_args(out), output);
  // Signal as soon as a first batch is on disk: the run is then inside a later batch.
  ASSERT_FALSE(exited_before_first_line(pid, log)) << "slime eval ended before the signal: " << slurp(output);
  ASSERT_EQ(::kill(pid, sig), 0);
  const ChildResult r = slime::test::wait_child(pid, output);
  EXPECT_EQ(r.signal, 0) << "killed by the signal instead of stopping cleanly: " << r.output;
  EXPECT_EQ(r.exit_code, 128 + sig) << r.output;
  const std::string name = sig == SIGTERM ? "SIGTERM" : "SIGINT";
  EXPECT_NE(r.output.find("interrupted by " + name), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("rerun the same command to resume"), std::string::npos) << r.output;
  const auto lines = whole_lines(log);
  EXPECT_EQ(lines.size() % kBatch, 0u) << "a batch was logged in part";
  ASSERT_LT(lines.size(), static_cast<size_t>(kSamples)) << "the signal came too late to test a resume";
  EXPECT_FALSE(fs::exists(out / "results.json"));

  // Then the power goes out in the middle of a write: a torn last line, cut on resume.
  { std::ofstream(log, std::ios::app) << "{\"doc_id\":\"test_00"; }
  const ChildResult resumed = run_slime(eval_args(out), out_file("signal_resume_" + std::to_string(sig)));
  ASSERT_EQ(resumed.exit_code, 0) << resumed.output;
  EXPECT_NE(resumed.output.find("cut a torn last line"), std::string::npos) << resumed.output;
  EXPECT_EQ(answers(log), answers(reference() / "samples_hires_detail.jsonl"));
  EXPECT_EQ(comparable(out / "results.json"), comparable(reference() / "results.json"));
}

INSTANTIATE_TEST_SUITE_P(TermAndInt, EvalSignals, ::testing::Values(SIGTERM, SIGINT),
                         [](const auto& info) { return std::string(info.param == SIGTERM ? "SIGTERM" : "SIGINT"); });

}  // namespace
