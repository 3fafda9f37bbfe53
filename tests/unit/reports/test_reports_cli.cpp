// `slime report` and `slime compare` end to end (the binary, spawned): files written, the exit
// status of the regression gate on an unchanged run, an injected accuracy drop and an injected
// latency increase, and history ids.
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "reports/history.h"
#include "tests/unit/cli/run_command.h"
#include "tests/unit/reports/test_util.h"

namespace slime::reports {
namespace {

using slime::test::run_command;
using slime::test::slime_binary;
using testing::ScratchDir;

std::string edited_copy(const ScratchDir& dir, const std::string& name, const std::string& key, double factor) {
  const auto target = dir.path() / name;
  std::filesystem::copy(testing::kKeepAll, target, std::filesystem::copy_options::recursive);
  nlohmann::json j = nlohmann::json::parse(testing::read_text(target / "results.json"));
  if (key == "accuracy") j["results"]["hires_detail"]["accuracy"] = j["results"]["hires_detail"]["accuracy"].get<double>() * factor;
  if (key == "latency") j["latency"]["total"]["p50"] = j["latency"]["total"]["p50"].get<double>() * factor;
  std::ofstream(target / "results.json") << j.dump(1);
  return target.string();
}

TEST(ReportsCli, ReportWritesRequestedFormats) {
  ScratchDir out("cli-report");
  const auto r = run_command(slime_binary() + " report " + testing::kAblation +
                             " --format md,html,csv,tex,json --paper table3:Final --out " + out.str() + " 2>&1");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  for (const char* f : {"report.md", "report.html", "report.tex", "report.json", "metrics.csv", "deltas.csv", "paper_vs_ours.csv"}) {
    EXPECT_TRUE(std::filesystem::exists(out.path() / f)) << f << "\n" << r.output;
  }
  const auto bad = run_command(slime_binary() + " report " + testing::kAblation + " --format pdf --out " + out.str() + " 2>&1");
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_NE(bad.output.find("pdf"), std::string::npos) << bad.output;
}

TEST(ReportsCli, CompareGateExitStatus) {
  ScratchDir dir("cli-compare");
  const std::string gates = " --max-accuracy-drop 1 --max-latency-increase 10% --db " + (dir.path() / "runs.db").string();
  auto r = run_command(slime_binary() + " compare " + testing::kKeepAll + " " + testing::kKeepAll + gates + " 2>&1");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("slime compare: ok"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("metric   hires_detail  accuracy"), std::string::npos) << r.output;

  const std::string drop = edited_copy(dir, "drop", "accuracy", 0.9);  // 62.5 -> 56.25
  r = run_command(slime_binary() + " compare " + testing::kKeepAll + " " + drop + gates + " 2>&1");
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("FAIL hires_detail / accuracy"), std::string::npos) << r.output;

  const std::string slow = edited_copy(dir, "slow", "latency", 1.25);
  r = run_command(slime_binary() + " compare " + testing::kKeepAll + " " + slow + gates + " 2>&1");
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("FAIL latency total p50: +25.0%"), std::string::npos) << r.output;
  // Without thresholds the same pair only prints.
  r = run_command(slime_binary() + " compare " + testing::kKeepAll + " " + slow + " 2>&1");
  EXPECT_EQ(r.exit_code, 0) << r.output;
}

TEST(ReportsCli, CompareHistoryIds) {
  ScratchDir dir("cli-history");
  const std::string db = (dir.path() / "runs.db").string();
  record_run(db, testing::kKeepAll);
  record_run(db, testing::kTopp075);
  auto r = run_command(slime_binary() + " compare 1 2 --max-accuracy-drop 5 --db " + db + " 2>&1");
  EXPECT_EQ(r.exit_code, 1) << r.output;  // topp_075 is 12.5 points below keep_all
  EXPECT_NE(r.output.find("#1 keep_all -> #2 topp_075"), std::string::npos) << r.output;
  r = run_command(slime_binary() + " compare 2 1 --max-accuracy-drop 5 --db " + db + " 2>&1");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  r = run_command(slime_binary() + " compare 1 9 --db " + db + " 2>&1");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("no run with id 9"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace slime::reports
