// scripts/perf_gate.sh on hand-made Google Benchmark JSON files: threshold arithmetic, time-unit
// conversion, the median aggregate preferred over the mean, errors, missing benchmarks, exit codes.
// Needs bash and python3 (standard library only), as the gate itself does.
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>


namespace {

namespace fs = std::filesystem;
using nlohmann::json;

struct CommandResult {
  int exit_code = -1;
  std::string output;
};

// Runs a shell command from the repository root (the test's working directory), capturing stdout.
CommandResult run_command(const std::string& command) {
  CommandResult result;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return result;
  char buffer[4096];
  size_t n;
  while ((n = fread(buffer, 1, sizeof(buffer), pipe)) > 0) result.output.append(buffer, n);
  const int status = pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

// One iteration row as Google Benchmark 1.7 writes it.
json row(const std::string& name, double real, const std::string& unit = "ms", double cpu = -1) {
  return {{"name", name},       {"run_name", name}, {"run_type", "iteration"}, {"iterations", 10},
          {"real_time", real}, {"cpu_time", cpu < 0 ? real : cpu},          {"time_unit", unit}};
}

json aggregate(const std::string& name, const std::string& kind, double real, const std::string& unit = "ms") {
  return {{"name", name + "_" + kind}, {"run_name", name}, {"run_type", "aggregate"}, {"aggregate_name", kind},
          {"real_time", real},         {"cpu_time", real}, {"time_unit", unit}};
}

class PerfGate : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("slime_test_perf_gate_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string write(const std::string& name, const std::vector<json>& rows) {  // a vector: {one} stays a list
    const fs::path path = dir_ / name;
    std::ofstream(path) << json{{"context", {{"library_build_type", "release"}}}, {"benchmarks", rows}}.dump(1);
    return path.string();
  }
  CommandResult gate(const std::string& base, const std::string& next, const std::string& flags = "") {
    return run_command("scripts/perf_gate.sh '" + base + "' '" + next + "' " + flags + " 2>&1");
  }

  fs::path dir_;
};

TEST_F(PerfGate, PassesWithinThresholdAndFailsBeyondIt) {
  const std::string base = write("base.json", {row("BM_a", 10.0), row("BM_b", 2.0)});
  // +9 % and -50 %: within a 10 % threshold.
  const std::string ok = write("ok.json", {row("BM_a", 10.9), row("BM_b", 1.0)});
  auto r = gate(base, ok, "--threshold 10%");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("PASS"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("faster"), std::string::npos) << r.output;
  // +11 % on BM_a: a regression at 10 %, not at 20 % (the % sign is optional).
  const std::string slow = write("slow.json", {row("BM_a", 11.1), row("BM_b", 2.0)});
  r = gate(base, slow, "--threshold 10%");
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("REGRESSION"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("FAIL: 1 regression(s) beyond +10%: BM_a"), std::string::npos) << r.output;
  EXPECT_EQ(gate(base, slow, "--threshold 20").exit_code, 0);
  EXPECT_EQ(gate(base, slow).exit_code, 1);  // the default threshold is 10 %
}

TEST_F(PerfGate, ConvertsTimeUnitsAndChoosesTheMetric) {
  // 10 ms baseline vs 10500 us (+5 %) and vs 0.012 s (+20 %).
  const std::string base = write("base.json", {row("BM_a", 10.0, "ms", 10.0)});
  EXPECT_EQ(gate(base, write("us.json", {row("BM_a", 10500.0, "us", 10500.0)})).exit_code, 0);
  EXPECT_EQ(gate(base, write("s.json", {row("BM_a", 0.012, "s", 0.012)})).exit_code, 1);
  // Only the CPU time grew: real_time (default) passes, cpu_time fails.
  const std::string cpu = write("cpu.json", {row("BM_a", 10.0, "ms", 13.0)});
  EXPECT_EQ(gate(base, cpu).exit_code, 0);
  EXPECT_EQ(gate(base, cpu, "--metric cpu_time").exit_code, 1);
}

TEST_F(PerfGate, UsesTheMedianOfRepetitions) {
  // Repetitions 10, 10, 10 ms: baseline median 10 ms. NEW has one 30 ms outlier: its mean is
  // +67 %, its median +2 %: the gate must pass.
  const std::string base =
      write("base.json", {row("BM_a", 10.0), row("BM_a", 10.0), row("BM_a", 10.0), aggregate("BM_a", "mean", 10.0),
                          aggregate("BM_a", "median", 10.0)});
  const std::string next =
      write("new.json", {row("BM_a", 10.2), row("BM_a", 30.0), row("BM_a", 10.0), aggregate("BM_a", "mean", 16.7),
                         aggregate("BM_a", "median", 10.2)});
  auto r = gate(base, next);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  // Without aggregates, the median of the iteration rows is used the same way.
  const std::string bare = write("bare.json", {row("BM_a", 10.2), row("BM_a", 30.0), row("BM_a", 10.0)});
  r = gate(base, bare);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  const std::string slow = write("slow.json", {row("BM_a", 12.0), row("BM_a", 30.0), row("BM_a", 12.0)});
  EXPECT_EQ(gate(base, slow).exit_code, 1);
}

TEST_F(PerfGate, MissingErroredAndNewBenchmarks) {
  const std::string base = write("base.json", {row("BM_a", 10.0), row("BM_b", 10.0), row("BM_c", 10.0)});
  json errored = row("BM_c", 99.0);
  errored["error_occurred"] = true;
  errored["error_message"] = "no GPU";
  const std::string next = write("new.json", {row("BM_a", 10.0), errored, row("BM_d", 1.0)});
  auto r = gate(base, next);
  EXPECT_EQ(r.exit_code, 0) << r.output;  // BM_b missing is a warning by default
  EXPECT_NE(r.output.find("missing"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("skipped (error: no GPU)"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("new (no baseline)"), std::string::npos) << r.output;
  EXPECT_EQ(gate(base, next, "--fail-on-missing").exit_code, 1);
}

TEST_F(PerfGate, BadInputExitsTwo) {
  const std::string base = write("base.json", {row("BM_a", 10.0)});
  std::ofstream(dir_ / "broken.json") << "{\"benchmarks\": [";
  auto r = gate(base, (dir_ / "broken.json").string());
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("broken.json: not valid JSON"), std::string::npos) << r.output;
  EXPECT_EQ(gate(base, (dir_ / "absent.json").string()).exit_code, 2);
  EXPECT_EQ(gate(base, base, "--threshold ten").exit_code, 2);
  EXPECT_EQ(gate(base, base, "--metric wall").exit_code, 2);
  std::ofstream(dir_ / "other.json") << "{\"results\": {}}";
  EXPECT_EQ(gate(base, (dir_ / "other.json").string()).exit_code, 2);
  EXPECT_EQ(run_command("scripts/perf_gate.sh '" + base + "' 2>&1").exit_code, 2);
}

}  // namespace
