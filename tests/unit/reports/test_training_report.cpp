// Training logs in reports (reports/training.h): reading train_log.jsonl (a torn last line skipped,
// a bad middle line named), the training table, the HTML curves, and the three ways a report
// finds a log (a training dir, ablation.json "training", an evaluated model's dir).
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "engine/common/error.h"
#include "reports/report.h"
#include "reports/run_data.h"
#include "reports/training.h"

namespace {

namespace fs = std::filesystem;
namespace rp = slime::reports;
using nlohmann::json;

fs::path fresh(const std::string& name) {
  const fs::path d = fs::temp_directory_path() / ("slime_test_training_report_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

void write(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << text;
}

std::string step_line(const std::string& stage, int step, double loss, double lr) {
  return json{{"stage", stage}, {"step", step}, {"global_step", step}, {"loss", loss}, {"lr", lr}, {"grad_norm", 1.0},
              {"tokens", 2}, {"samples", 1}, {"elapsed_s", 0.1 * step}}.dump() + "\n";
}

// Two stages of 10 steps, loss falling from 3.0 by 0.1 per step.
fs::path write_training_dir(const fs::path& dir, bool torn_tail) {
  std::string log;
  for (int i = 1; i <= 20; ++i) log += step_line(i <= 10 ? "1a" : "3", i, 3.0 - 0.1 * (i - 1), 1e-3);
  if (torn_tail) log += R"({"stage":"3","step":21,"glo)";
  write(dir / "train_log.jsonl", log);
  write(dir / "train_summary.json", json{{"stages", {{{"stage", "1a"}, {"seconds", 12.5}}, {{"stage", "3"}, {"seconds", 30.0}}}}}.dump());
  return dir;
}

TEST(TrainingReport, ReadsTheLogSkippingATornTailAndNamingABadLine) {
  const fs::path d = write_training_dir(fresh("read") / "run", true);
  ASSERT_TRUE(rp::is_training_dir(d.string()));
  const rp::TrainingLog log = rp::load_training_log(d.string());
  EXPECT_EQ(log.name, "run");
  ASSERT_EQ(log.steps.size(), 20u);
  EXPECT_EQ(log.steps[10].stage, "3");
  EXPECT_DOUBLE_EQ(log.steps[19].loss, 3.0 - 0.1 * 19);
  // A malformed line that is not the last one is an error naming file and line.
  std::string bad = step_line("1a", 1, 2.0, 1e-3) + "{oops\n" + step_line("1a", 3, 2.0, 1e-3);
  write(d / "train_log.jsonl", bad);
  try {
    rp::load_training_log(d.string());
    FAIL() << "no error";
  } catch (const slime::Error& e) {
    EXPECT_NE(std::string(e.what()).find("train_log.jsonl:2"), std::string::npos) << e.what();
  }
  fs::remove_all(d.parent_path());
}

TEST(TrainingReport, TableHasOneRowPerStageAndHtmlHasTheCurves) {
  const fs::path root = fresh("table");
  const fs::path d = write_training_dir(root / "e2e", false);
  rp::LoadedInputs inputs = rp::load_inputs({d.string()});
  ASSERT_EQ(inputs.training.size(), 1u);
  const rp::Report report = rp::build_report(inputs, {});
  ASSERT_EQ(report.tables.size(), 1u);
  const rp::Table& t = report.tables[0];
  EXPECT_EQ(t.id, "training");
  ASSERT_EQ(t.rows.size(), 2u);
  EXPECT_EQ(t.rows[0][1].text, "1a");
  EXPECT_EQ(t.rows[0][2].text, "10");
  EXPECT_DOUBLE_EQ(*t.rows[0][3].value, 3.0);             // first loss
  EXPECT_NEAR(*t.rows[1][4].value, 3.0 - 0.1 * 19, 1e-9);  // last loss of stage 3
  EXPECT_DOUBLE_EQ(*t.rows[1][7].value, 30.0);            // seconds from the summary
  const std::string html = rp::render_html(report);
  EXPECT_NE(html.find("id=\"plot-train-loss\""), std::string::npos);
  EXPECT_NE(html.find("id=\"plot-train-lr\""), std::string::npos);
  EXPECT_NE(html.find("<polyline class=\"line\""), std::string::npos);
  fs::remove_all(root);
}

TEST(TrainingReport, FoundThroughAblationJsonAndThroughAnEvaluatedModel) {
  const fs::path root = fresh("found");
  const fs::path model = write_training_dir(root / "models" / "variant=e2e", false);
  // An evaluated run whose results.json names the trained model.
  const fs::path run = root / "cells" / "variant=e2e";
  write(run / "results.json",
        json{{"results", {{"hires_detail", {{"accuracy", 40.0}}}}}, {"config", {{"model", {{"path", model.string()}}}}}}.dump());
  write(run / "samples_hires_detail.jsonl", "");
  rp::LoadedInputs from_run = rp::load_inputs({run.string()});
  ASSERT_EQ(from_run.training.size(), 1u);
  EXPECT_EQ(from_run.training[0].steps.size(), 20u);
  // ablation.json lists it under "training" (and its cell's run names it again: one log, not two).
  write(root / "ablation.json",
        json{{"cells", {{{"name", "variant=e2e"}, {"dir", "cells/variant=e2e"}}}},
             {"training", {{{"label", "variant=e2e"}, {"model_dir", model.string()}}}}}.dump());
  rp::LoadedInputs from_ablation = rp::load_inputs({root.string()});
  ASSERT_EQ(from_ablation.training.size(), 1u);
  EXPECT_EQ(from_ablation.training[0].name, "variant=e2e");
  fs::remove_all(root);
}

}  // namespace
