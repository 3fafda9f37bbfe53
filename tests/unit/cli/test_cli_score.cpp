// `slime score` for every benchmark: each task's committed fixture (tests/data/datasets) scored
// from a LLaVA answer file whose answers are the targets. Scorer rules themselves are pinned by
// tests/unit/evaluators; this checks that the command works for each task and accounts for every
// sample.
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "datasets/registry.h"
#include "tests/unit/cli/run_command.h"

namespace fs = std::filesystem;
using slime::test::run_command;
using slime::test::slime_binary;

namespace {

struct Case {
  std::string task, path, split;
};

const std::vector<Case> kCases = {
    {"mme", "tsv/MME.tsv", ""},
    {"mme", "llava/mme", ""},
    {"pope_adversarial", "llava/pope", ""},
    {"pope_random", "tsv/POPE.tsv", ""},
    {"textvqa_val_ocr", "llava/textvqa", ""},
    {"textvqa_val", "tsv/TextVQA_VAL.tsv", ""},
    {"gqa", "llava/gqa", ""},
    {"vqav2_val", "slime_jsonl/vqav2_val", "validation"},
    {"mmbench_dev_en", "tsv/MMBench_DEV_EN.tsv", ""},
    {"mmbench_dev_cn", "tsv/MMBench_DEV_CN.tsv", ""},
    {"seed_image", "tsv/SEEDBench_IMG.tsv", ""},
    {"scienceqa_img", "scienceqa", ""},
    {"mmstar", "tsv/MMStar.tsv", ""},
    {"ai2d", "tsv/AI2D_TEST.tsv", ""},
    {"chartqa", "tsv/ChartQA_TEST.tsv", ""},
    {"docvqa_val", "tsv/DocVQA_VAL.tsv", ""},
    {"realworldqa", "tsv/RealWorldQA.tsv", ""},
    {"mmmu_val", "tsv/MMMU_DEV_VAL.tsv", ""},
    {"mathvista_testmini", "tsv/MathVista_MINI.tsv", ""},
    {"hallusionbench", "tsv/HallusionBench.tsv", ""},
    {"amber_d", "tsv/AMBER.tsv", ""},
    {"mmvet", "llava/mmvet", ""},
    {"llava_bench", "llava/llava_bench", ""},
};

}  // namespace

TEST(CliScore, EveryTaskScoresItsFixture) {
  const fs::path data = fs::path(SLIME_SOURCE_DIR) / "tests/data/datasets";
  const fs::path dir = fs::temp_directory_path() / ("slime_cli_score_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::vector<std::string> covered;
  for (const Case& c : kCases) {
    SCOPED_TRACE(c.task + " from " + c.path);
    slime::data::LoadOptions load;
    load.path = (data / c.path).string();
    load.split = c.split;
    const auto samples = slime::data::load_task_all(c.task, load);
    ASSERT_FALSE(samples.empty());
    const fs::path preds = dir / (c.task + ".jsonl");
    {
      std::ofstream out(preds);
      for (const auto& s : samples) {
        const std::string answer = !s.answer.empty() ? s.answer : s.answers.empty() ? "" : s.answers[0];
        out << nlohmann::json{{"question_id", s.id}, {"text", answer}}.dump() << "\n";
      }
    }
    std::string cmd = slime_binary() + " score --task " + c.task + " --data '" + load.path + "' --predictions '" +
                      preds.string() + "' --json";
    if (!c.split.empty()) cmd += " --split " + c.split;
    const auto r = run_command(cmd + " 2>&1");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    const auto j = nlohmann::json::parse(r.output);
    EXPECT_EQ(j.at("predictions").at("format"), "llava_answers");
    const auto& counts = j.at("counts");
    EXPECT_EQ(counts.at("samples").get<size_t>(), samples.size());
    EXPECT_EQ(counts.at("missing_prediction"), 0);
    EXPECT_EQ(counts.at("unknown_prediction"), 0);
    if (c.task == "mmvet" || c.task == "llava_bench") {
      EXPECT_FALSE(j.at("computed").get<bool>()) << "judge-only without a judge";
    } else {
      EXPECT_TRUE(j.at("computed").get<bool>());
      EXPECT_GT(counts.at("scored").get<int64_t>(), 0);
      EXPECT_FALSE(j.at("metrics").empty());
    }
    covered.push_back(c.task);
  }
  fs::remove_all(dir);
  // Every registered task that has a scorer and a fixture format appears above (hires_detail is
  // scored by its own tests through slime eval).
  for (const auto& t : slime::data::all_tasks()) {
    if (t.name == "hires_detail" || t.name.rfind("pope_", 0) == 0) continue;
    EXPECT_NE(std::find(covered.begin(), covered.end(), t.name), covered.end()) << t.name << " not scored here";
  }
}
