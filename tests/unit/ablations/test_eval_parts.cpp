// The pieces of `slime eval` that need no model: the append-only log (torn last line repair,
// corruption detection), atomic writes, fingerprints, percentiles, ETA text, and the shard taken
// from the launchers' environments.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "ablations/eval/eval_run.h"
#include "ablations/eval/fingerprint.h"
#include "ablations/eval/latency.h"
#include "ablations/eval/progress.h"
#include "ablations/eval/sample_log.h"
#include "engine/common/error.h"

namespace fs = std::filesystem;
using namespace slime::suite;

namespace {

fs::path temp_dir(const std::string& name) {
  const fs::path p = fs::temp_directory_path() / ("slime_eval_parts_" + std::to_string(::getpid()) + "_" + name);
  fs::remove_all(p);
  fs::create_directories(p);
  return p;
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void spit(const fs::path& p, const std::string& text) {
  std::ofstream out(p, std::ios::binary);
  out << text;
}

}  // namespace

TEST(SampleLog, AppendsOneLinePerRecordAndReadsThemBack) {
  const fs::path dir = temp_dir("append");
  const std::string path = (dir / "samples_x.jsonl").string();
  {
    SampleLog log(path);
    EXPECT_TRUE(log.existing().empty());
    EXPECT_FALSE(log.repaired());
    log.append({{"doc_id", "a"}, {"fingerprint", "f1"}});
    log.append({{"doc_id", "b"}, {"fingerprint", "f2"}, {"resps", {{"caf\xc3\xa9"}}}});
  }
  EXPECT_EQ(slurp(path), "{\"doc_id\":\"a\",\"fingerprint\":\"f1\"}\n"
                         "{\"doc_id\":\"b\",\"fingerprint\":\"f2\",\"resps\":[[\"caf\xc3\xa9\"]]}\n");
  SampleLog again(path);
  ASSERT_EQ(again.existing().size(), 2u);
  EXPECT_EQ(again.existing()[1]["doc_id"], "b");
  fs::remove_all(dir);
}

TEST(SampleLog, InvalidUtf8InAnAnswerIsReplacedNotFatal) {
  const fs::path dir = temp_dir("utf8");
  const std::string path = (dir / "log.jsonl").string();
  SampleLog log(path);
  log.append({{"resps", {{std::string("ab\xe4")}}}});  // a byte-level token cut mid-character
  const LogContents c = read_log(path);
  ASSERT_EQ(c.records.size(), 1u);
  EXPECT_EQ(c.records[0]["resps"][0][0], "ab\xef\xbf\xbd");  // U+FFFD
  fs::remove_all(dir);
}

TEST(SampleLog, TornLastLineIsCutOffOnOpen) {
  const fs::path dir = temp_dir("torn");
  const std::string path = (dir / "log.jsonl").string();
  const std::string good = "{\"doc_id\":\"a\",\"fingerprint\":\"f1\"}\n{\"doc_id\":\"b\",\"fingerprint\":\"f2\"}\n";
  // A write cut by kill -9: no newline, not valid JSON.
  spit(path, good + "{\"doc_id\":\"c\",\"finger");
  {
    const LogContents c = read_log(path);
    EXPECT_TRUE(c.torn_tail);
    EXPECT_EQ(c.records.size(), 2u);
    EXPECT_EQ(c.good_bytes, good.size());
  }
  {
    SampleLog log(path);
    EXPECT_TRUE(log.repaired());
    EXPECT_EQ(log.existing().size(), 2u);
    EXPECT_EQ(slurp(path), good);  // repaired before anything is appended
    log.append({{"doc_id", "c"}, {"fingerprint", "f3"}});
  }
  EXPECT_EQ(read_log(path).records.size(), 3u);
  EXPECT_FALSE(read_log(path).torn_tail);

  // A complete JSON object without its newline is torn as well: the write may have stopped just
  // before the '\n', and appending after it would glue two records together.
  spit(path, good + "{\"doc_id\":\"c\"}");
  SampleLog log2(path);
  EXPECT_TRUE(log2.repaired());
  EXPECT_EQ(slurp(path), good);
  fs::remove_all(dir);
}

TEST(SampleLog, ABadLineBeforeTheLastIsCorruptionNotATornWrite) {
  const fs::path dir = temp_dir("corrupt");
  const std::string path = (dir / "log.jsonl").string();
  spit(path, "{\"doc_id\":\"a\"}\nnot json\n{\"doc_id\":\"b\"}\n");
  try {
    SampleLog log(path);
    FAIL() << "expected kFormat";
  } catch (const slime::Error& e) {
    EXPECT_EQ(e.code(), slime::ErrorCode::kFormat);
    EXPECT_NE(std::string(e.what()).find("log.jsonl:2"), std::string::npos) << e.what();
  }
  fs::remove_all(dir);
}

TEST(SampleLog, AtomicWriteReplacesTheWholeFile) {
  const fs::path dir = temp_dir("atomic");
  const std::string path = (dir / "results.json").string();
  write_file_atomic(path, "old contents that are longer\n");
  write_file_atomic(path, "new\n");
  EXPECT_EQ(slurp(path), "new\n");
  EXPECT_FALSE(fs::exists(path + ".tmp"));
  fs::remove_all(dir);
}

TEST(Fingerprint, SampleKeyCoversEveryPartAndIgnoresKeyOrder) {
  const nlohmann::json task = {{"task", "t"}, {"dataset_hash", "h"}};
  const nlohmann::json prompt = {{"doc_id", "1"}, {"input", "q"}};
  const nlohmann::json gen = {{"max_new_tokens", 4}};
  const std::string fp = sample_fingerprint("m", task, prompt, gen);
  EXPECT_EQ(fp.size(), 64u);
  nlohmann::json reordered;
  reordered["dataset_hash"] = "h";
  reordered["task"] = "t";
  EXPECT_EQ(sample_fingerprint("m", reordered, prompt, gen), fp);
  EXPECT_NE(sample_fingerprint("m2", task, prompt, gen), fp);
  EXPECT_NE(sample_fingerprint("m", {{"task", "t"}, {"dataset_hash", "h2"}}, prompt, gen), fp);
  EXPECT_NE(sample_fingerprint("m", task, {{"doc_id", "1"}, {"input", "q2"}}, gen), fp);
  EXPECT_NE(sample_fingerprint("m", task, prompt, {{"max_new_tokens", 5}}), fp);
}

TEST(Fingerprint, ModelFingerprintFollowsTheBytesAndUsesTheCache) {
  const fs::path dir = temp_dir("model");
  const fs::path model = dir / "m";
  fs::create_directories(model);
  spit(model / "config.json", "{\"a\": 1}");
  spit(model / "model.safetensors", "weights-1");
  spit(model / "notes.txt", "not part of the model");
  const std::string cache = (dir / "cache.json").string();
  const std::string fp1 = model_fingerprint(model.string(), cache);
  EXPECT_TRUE(fs::exists(cache));
  EXPECT_EQ(model_fingerprint(model.string()), fp1);  // the cache gives the same answer as hashing
  EXPECT_EQ(model_fingerprint(model.string(), cache), fp1);
  spit(model / "notes.txt", "edited");
  EXPECT_EQ(model_fingerprint(model.string(), cache), fp1);
  spit(model / "model.safetensors", "weights-2 (another size)");
  EXPECT_NE(model_fingerprint(model.string(), cache), fp1);
  EXPECT_THROW(model_fingerprint((dir / "missing").string()), slime::Error);
  fs::remove_all(dir);
}

TEST(Latency, PercentilesInterpolateLikeNumpy) {
  // numpy.percentile([1, 2, 3, 4], [50, 90, 99]) = [2.5, 3.7, 3.97]; exact in binary up to
  // rounding of the interpolation weight.
  constexpr double kTol = 1e-12;
  EXPECT_NEAR(percentile({4, 1, 3, 2}, 50), 2.5, kTol);
  EXPECT_NEAR(percentile({4, 1, 3, 2}, 90), 3.7, kTol);
  EXPECT_NEAR(percentile({4, 1, 3, 2}, 99), 3.97, kTol);
  EXPECT_EQ(percentile({7}, 99), 7);
  EXPECT_THROW(percentile({}, 50), slime::Error);

  const std::vector<nlohmann::json> records = {
      {{"timing_ms", {{"vision", 10.0}, {"decode", 2.0}}}, {"tokens_per_s", 5.0}},
      {{"timing_ms", {{"vision", 30.0}, {"decode", 4.0}}}, {"tokens_per_s", 7.0}},
      {{"error", "format: bad png"}},
  };
  const nlohmann::json s = latency_summary(records);
  EXPECT_EQ(s["vision"]["n"], 2);
  EXPECT_NEAR(s["vision"]["p50"].get<double>(), 20.0, kTol);
  EXPECT_NEAR(s["total"]["p90"].get<double>(), 12.0 + 0.9 * 22.0, kTol);
  EXPECT_NEAR(s["tokens_per_s"]["mean"].get<double>(), 6.0, kTol);
}

TEST(Progress, EtaText) {
  EXPECT_EQ(Progress::format_eta(68), "1:08");
  EXPECT_EQ(Progress::format_eta(3909), "1:05:09");
  EXPECT_EQ(Progress::format_eta(-1), "--");
}

TEST(Progress, DrawsCountRateAndEtaOnlyWhenEnabled) {
  char* buf = nullptr;
  size_t len = 0;
  FILE* f = open_memstream(&buf, &len);
  {
    Progress quiet(false, "t", 10, 0, f);
    quiet.advance(3);
    quiet.finish();
  }
  std::fflush(f);
  EXPECT_EQ(len, 0u);
  {
    Progress p(true, "hires_detail", 10, 4, f);
    p.advance(2);
    p.finish();
  }
  std::fclose(f);
  const std::string out(buf, len);
  std::free(buf);
  EXPECT_NE(out.find("hires_detail  6/10 (4 resumed)"), std::string::npos) << out;
  EXPECT_NE(out.find("samples/s  ETA"), std::string::npos) << out;
  EXPECT_EQ(out.back(), '\n');
}

class ShardEnv : public ::testing::Test {
 protected:
  static constexpr const char* kVars[] = {"SLURM_PROCID", "SLURM_NTASKS", "OMPI_COMM_WORLD_RANK",
                                          "OMPI_COMM_WORLD_SIZE", "RANK", "WORLD_SIZE"};
  void SetUp() override {
    for (const char* v : kVars) ::unsetenv(v);
  }
  void TearDown() override { SetUp(); }
};

TEST_F(ShardEnv, NoneSetIsASingleRun) { EXPECT_EQ(shard_from_environment(), std::make_pair(0, 1)); }

TEST_F(ShardEnv, EachLauncher) {
  ::setenv("SLURM_PROCID", "3", 1);
  ::setenv("SLURM_NTASKS", "4", 1);
  EXPECT_EQ(shard_from_environment(), std::make_pair(3, 4));
  // mpirun inside a Slurm allocation: the process was started by mpirun, whose rank counts.
  ::setenv("OMPI_COMM_WORLD_RANK", "1", 1);
  ::setenv("OMPI_COMM_WORLD_SIZE", "2", 1);
  EXPECT_EQ(shard_from_environment(), std::make_pair(1, 2));
  SetUp();
  ::setenv("RANK", "0", 1);
  ::setenv("WORLD_SIZE", "8", 1);
  EXPECT_EQ(shard_from_environment(), std::make_pair(0, 8));
}

TEST_F(ShardEnv, InconsistentValuesAreErrors) {
  ::setenv("RANK", "2", 1);
  EXPECT_THROW(shard_from_environment(), slime::Error);  // WORLD_SIZE missing
  ::setenv("WORLD_SIZE", "2", 1);
  EXPECT_THROW(shard_from_environment(), slime::Error);  // rank not below size
  ::setenv("RANK", "x", 1);
  EXPECT_THROW(shard_from_environment(), slime::Error);
}
