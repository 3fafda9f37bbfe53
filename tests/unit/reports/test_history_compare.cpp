// Run history (SQLite, always a temp database) and the regression gate: compare must fail on an
// injected accuracy drop and on an injected latency increase, and pass on an unchanged run.
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "engine/common/error.h"
#include "reports/compare.h"
#include "reports/history.h"
#include "reports/run_data.h"
#include "tests/unit/reports/test_util.h"

namespace slime::reports {
namespace {

using testing::ScratchDir;

// A copy of a fixture run whose results.json is edited by EDIT.
template <typename F>
std::string edited_copy(const ScratchDir& dir, const std::string& name, const std::string& run, F edit) {
  const auto target = dir.path() / name;
  std::filesystem::copy(run, target, std::filesystem::copy_options::recursive);
  nlohmann::json j = nlohmann::json::parse(testing::read_text(target / "results.json"));
  edit(j);
  std::ofstream(target / "results.json") << j.dump(1);
  return target.string();
}

nlohmann::json results_of(const std::string& dir) { return load_run(dir).results; }

TEST(History, RecordsAndReadsBack) {
  ScratchDir dir("history");
  const std::string db = (dir.path() / "sub/runs.db").string();  // parent folder created on demand
  record_run(db, testing::kKeepAll);
  const int64_t id = record_run_id(db, testing::kTopp075);
  EXPECT_EQ(id, 2);
  const auto all = list_history(db);
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].name, "keep_all");
  EXPECT_EQ(all[0].commit, "abc1234");
  EXPECT_EQ(all[0].fingerprint, "sha256:0f1e2d3c");
  EXPECT_EQ(all[0].device, "cpu");
  EXPECT_TRUE(std::filesystem::path(all[0].run_dir).is_absolute());
  const HistoryEntry e = load_history_run(db, id);
  EXPECT_EQ(e.results, results_of(testing::kTopp075));
  EXPECT_THROW(load_history_run(db, 99), Error);
  EXPECT_THROW(list_history((dir.path() / "missing.db").string()), Error);
  EXPECT_THROW(record_run(db, "tests/data/reports/no-such-run"), Error);
  EXPECT_EQ(list_history(db).size(), 2u);  // the failed record left nothing behind
}

TEST(History, DefaultPathUnderXdgDataHome) {
  const std::string path = default_history_db();
  EXPECT_NE(path.find("slime/runs.db"), std::string::npos) << path;
}

TEST(Compare, UnchangedRunPasses) {
  CompareOptions opt{0.5, 5.0};
  const CompareResult r = compare_results(results_of(testing::kKeepAll), results_of(testing::kKeepAll), opt);
  EXPECT_FALSE(r.failed());
  bool any_gated_latency = false, any_gated_metric = false;
  for (const auto& row : r.rows) {
    any_gated_latency = any_gated_latency || (row.kind == "latency" && row.gated);
    any_gated_metric = any_gated_metric || (row.kind == "metric" && row.gated);
  }
  EXPECT_TRUE(any_gated_latency);
  EXPECT_TRUE(any_gated_metric);
}

TEST(Compare, FailsOnInjectedAccuracyDrop) {
  ScratchDir dir("drop");
  const std::string drop = edited_copy(dir, "drop", testing::kKeepAll,
                                       [](nlohmann::json& j) { j["results"]["hires_detail"]["accuracy"] = 62.5 - 1.25; });
  CompareOptions opt;
  opt.max_accuracy_drop = 1.0;
  CompareResult r = compare_results(results_of(testing::kKeepAll), results_of(drop), opt);
  ASSERT_TRUE(r.failed());
  ASSERT_EQ(r.failures.size(), 1u);
  EXPECT_NE(r.failures[0].find("hires_detail / accuracy"), std::string::npos) << r.failures[0];
  // Within the threshold: passes.
  opt.max_accuracy_drop = 1.5;
  EXPECT_FALSE(compare_results(results_of(testing::kKeepAll), results_of(drop), opt).failed());
  // A 0-1 F1 metric is gated in points: 0.02 -> 2 points.
  const std::string f1 = edited_copy(dir, "f1", testing::kKeepAll, [](nlohmann::json& j) {
    j["results"]["pope"]["mean_f1"] = j["results"]["pope"]["mean_f1"].get<double>() - 0.02;
  });
  opt.max_accuracy_drop = 1.0;
  r = compare_results(results_of(testing::kKeepAll), results_of(f1), opt);
  ASSERT_EQ(r.failures.size(), 1u);
  EXPECT_NE(r.failures[0].find("pope / mean_f1: dropped 2.000 points"), std::string::npos) << r.failures[0];
  // A task missing from the new run fails the gate.
  const std::string gone = edited_copy(dir, "gone", testing::kKeepAll, [](nlohmann::json& j) { j["results"].erase("pope"); });
  EXPECT_TRUE(compare_results(results_of(testing::kKeepAll), results_of(gone), opt).failed());
  // An improvement never fails.
  EXPECT_FALSE(compare_results(results_of(testing::kTopp075), results_of(testing::kKeepAll), opt).failed());
  // No threshold, no gate.
  EXPECT_FALSE(compare_results(results_of(testing::kKeepAll), results_of(drop), CompareOptions{}).failed());
}

TEST(Compare, FailsOnInjectedLatencyIncrease) {
  ScratchDir dir("slow");
  const std::string slow = edited_copy(dir, "slow", testing::kKeepAll, [](nlohmann::json& j) {
    j["latency"]["prefill"]["p50"] = j["latency"]["prefill"]["p50"].get<double>() * 1.20;
  });
  CompareOptions opt;
  opt.max_latency_increase_pct = 10.0;
  CompareResult r = compare_results(results_of(testing::kKeepAll), results_of(slow), opt);
  ASSERT_EQ(r.failures.size(), 1u);
  EXPECT_NE(r.failures[0].find("latency prefill p50: +20.0%"), std::string::npos) << r.failures[0];
  opt.max_latency_increase_pct = 25.0;
  EXPECT_FALSE(compare_results(results_of(testing::kKeepAll), results_of(slow), opt).failed());
  // p99 and sub-millisecond stages are shown, not gated.
  const std::string noisy = edited_copy(dir, "noisy", testing::kKeepAll, [](nlohmann::json& j) {
    j["latency"]["prefill"]["p99"] = j["latency"]["prefill"]["p99"].get<double>() * 3;
    j["latency"]["select"]["p50"] = 0.9;  // keep_all selects nothing: base 0 ms
  });
  opt.max_latency_increase_pct = 10.0;
  EXPECT_FALSE(compare_results(results_of(testing::kKeepAll), results_of(noisy), opt).failed());
  // Throughput is gated on a drop: 20 % fewer tokens/s fails, 20 % more passes.
  for (const double factor : {0.8, 1.2}) {
    const std::string tps = edited_copy(dir, "tps" + std::to_string(factor), testing::kKeepAll, [factor](nlohmann::json& j) {
      j["latency"]["tokens_per_s"]["p50"] = j["latency"]["tokens_per_s"]["p50"].get<double>() * factor;
    });
    r = compare_results(results_of(testing::kKeepAll), results_of(tps), opt);
    EXPECT_EQ(r.failed(), factor < 1) << factor;
    if (r.failed()) {
      EXPECT_NE(r.failures[0].find("latency tokens_per_s p50: -20.0%"), std::string::npos) << r.failures[0];
    }
  }
  // The faster run against the slower one passes.
  EXPECT_FALSE(compare_results(results_of(testing::kKeepAll), results_of(testing::kTopp075), opt).failed());
}

TEST(Compare, ResolvesRunDirsAndHistoryIds) {
  ScratchDir dir("resolve");
  const std::string db = (dir.path() / "runs.db").string();
  record_run(db, testing::kKeepAll);
  std::string label;
  EXPECT_EQ(resolve_results("1", db, &label), results_of(testing::kKeepAll));
  EXPECT_EQ(label, "#1 keep_all");
  EXPECT_EQ(resolve_results(testing::kTopp090, db, &label), results_of(testing::kTopp090));
  EXPECT_EQ(label, "topp_090");
  EXPECT_THROW(resolve_results("7", db, &label), Error);
  const Table t = compare_table(compare_results(results_of(testing::kKeepAll), results_of(testing::kTopp075), CompareOptions{1.0, 10.0}), "a", "b");
  bool fail_marked = false;
  for (const auto& row : t.rows) fail_marked = fail_marked || row.back().text == "FAIL";
  EXPECT_TRUE(fail_marked);
}

TEST(Compare, ParsePercent) {
  EXPECT_DOUBLE_EQ(parse_percent("10%"), 10.0);
  EXPECT_DOUBLE_EQ(parse_percent(" 2.5 % "), 2.5);
  EXPECT_DOUBLE_EQ(parse_percent("7"), 7.0);
  EXPECT_THROW(parse_percent("ten"), Error);
  EXPECT_THROW(parse_percent("10%%"), Error);
  EXPECT_THROW(parse_percent(""), Error);
}

TEST(Compare, QualityMetrics) {
  for (const char* m : {"accuracy", "mean_f1", "anls", "circular_accuracy", "avg_acc", "perception", "relaxed_overall"}) {
    EXPECT_TRUE(is_quality_metric(m)) << m;
  }
  for (const char* m : {"circular_groups", "lmms_gt_yes_ratio", "count"}) EXPECT_FALSE(is_quality_metric(m)) << m;
}

}  // namespace
}  // namespace slime::reports
