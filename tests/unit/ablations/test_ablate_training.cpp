// Specs that train their models (issue 7): recipe parsing and merging, model dirs under OUT/models,
// the trainer called once per value before the cells, its summary in ablation.json, and the
// fingerprint of a trained cell following its recipe. The trainer is a fake here; the real one
// (ablations/train_job.cpp) runs in test_ablate_cli / the training tests.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ablations/ablate.h"
#include "ablations/spec.h"
#include "engine/common/error.h"

namespace {

namespace fs = std::filesystem;
namespace ab = slime::ablations;
using nlohmann::json;

json training_spec() {
  return json::parse(R"({
    "name": "t4",
    "tasks": ["hires_detail"],
    "data": {"hires_detail": "data/hires"},
    "train": {"base": {"preset": "tiny", "seed": 0}, "data": "data/hires", "split": "train",
              "variant": "alternating", "args": {"steps": 4, "lr": 0.001}},
    "axes": {
      "variant": [{"name": "e2e", "train": {"variant": "e2e", "args": {"steps": 16}}},
                  {"name": "alternating", "train": {}}],
      "branches": ["full", "global_only"]
    }
  })");
}

std::string error_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const slime::Error& e) {
    return e.what();
  }
  return "";
}

TEST(AblationTraining, RecipesMergeOverTheSharedOneAndGetModelDirs) {
  ab::Spec spec = ab::parse_spec(training_spec(), "t4.json");
  const std::vector<ab::TrainJob> jobs = ab::resolve_training(spec, "OUT");
  ASSERT_EQ(jobs.size(), 2u);
  EXPECT_EQ(jobs[0].label, "variant=e2e");
  EXPECT_EQ(jobs[0].model_dir, (fs::path("OUT") / "models" / "variant=e2e").string());
  EXPECT_EQ(jobs[0].recipe["variant"], "e2e");
  EXPECT_EQ(jobs[0].recipe["args"]["steps"], 16);   // the value's own
  EXPECT_EQ(jobs[0].recipe["args"]["lr"], 0.001);   // the shared one's
  EXPECT_EQ(jobs[1].recipe["variant"], "alternating");
  EXPECT_EQ(jobs[1].recipe["args"]["steps"], 4);
  const std::vector<ab::Cell> cells = ab::expand_cells(spec);
  ASSERT_EQ(cells.size(), 4u);
  EXPECT_EQ(cells[0].model_dir, jobs[0].model_dir);
  EXPECT_EQ(cells[3].model_dir, jobs[1].model_dir);
  // Another recipe is another cell, even for the same model dir.
  ab::Spec other = ab::parse_spec([] {
    json j = training_spec();
    j["train"]["args"]["lr"] = 0.002;
    return j;
  }(), "t4.json");
  ab::resolve_training(other, "OUT");
  EXPECT_NE(ab::cell_fingerprint(spec, cells[0]), ab::cell_fingerprint(other, ab::expand_cells(other)[0]));
}

TEST(AblationTraining, BadRecipesNameTheKey) {
  json j = training_spec();
  j["axes"]["variant"][0]["model"] = "somewhere";
  EXPECT_NE(error_of([&] { ab::parse_spec(j, "t4.json"); }).find("both model and train"), std::string::npos);
  j = training_spec();
  j["train"].erase("base");
  EXPECT_NE(error_of([&] { ab::parse_spec(j, "t4.json"); }).find("needs \"base\""), std::string::npos);
  j = training_spec();
  j["train"]["epoch"] = 1;
  EXPECT_NE(error_of([&] { ab::parse_spec(j, "t4.json"); }).find("key 'train.epoch'"), std::string::npos);
  j = training_spec();
  j["axes"]["variant"][1] = json::parse(R"({"name": "x"})");
  EXPECT_NE(error_of([&] { ab::parse_spec(j, "t4.json"); }).find("\"train\" recipe"), std::string::npos);
}

TEST(AblationTraining, TrainsEachModelOnceBeforeItsCellsAndRecordsIt) {
  const fs::path out = fs::temp_directory_path() / ("slime_test_ablate_training_" + std::to_string(::getpid()));
  fs::remove_all(out);
  const ab::Spec spec = ab::parse_spec(training_spec(), "t4.json");
  ab::AblateOptions options;
  options.output_dir = out.string();
  std::vector<std::string> trained, evaluated;
  const ab::TrainRunner trainer = [&](const ab::TrainJob& job) {
    EXPECT_TRUE(evaluated.empty()) << "a cell ran before its model was trained";
    trained.push_back(job.label);
    return json{{"fake", job.recipe["variant"]}};
  };
  const ab::EvalRunner runner = [&](const slime::suite::EvalOptions& o) {
    evaluated.push_back(o.model_dir);
    return json{{"results", {{"hires_detail", {{"accuracy", 50.0}}}}}};
  };
  const ab::AblateReport r = ab::run_ablation(spec, options, runner, trainer);
  EXPECT_EQ(trained, (std::vector<std::string>{"variant=e2e", "variant=alternating"}));
  ASSERT_EQ(evaluated.size(), 4u);
  EXPECT_EQ(evaluated[0], (out / "models" / "variant=e2e").string());
  ASSERT_EQ(r.ablation["training"].size(), 2u);
  EXPECT_EQ(r.ablation["training"][0]["summary"]["fake"], "e2e");
  EXPECT_EQ(r.ablation["training"][1]["model_dir"], (out / "models" / "variant=alternating").string());
  // Without a trainer a training spec is refused, naming the spec.
  EXPECT_NE(error_of([&] { ab::run_ablation(spec, options, runner); }).find("no trainer"), std::string::npos);
  // A failing trainer stops the grid with the job's label.
  const std::string msg = error_of([&] {
    ab::run_ablation(spec, options, runner, [](const ab::TrainJob&) -> json {
      throw slime::Error(slime::ErrorCode::kInvalidArgument, "bad lr");
    });
  });
  EXPECT_NE(msg.find("training variant=e2e: bad lr"), std::string::npos) << msg;
  fs::remove_all(out);
}

}  // namespace

// A killed training or cell can leave a torn summary; an outside file can hold any bytes. Both the
// cell runner and the train-job runner read them with read_json_or_null, which must answer null
// (an unfinished run) rather than throw: 1e400 is nlohmann's out_of_range, not a parse_error.
TEST(AblationTraining, ReadJsonOrNullTreatsBadFilesAsUnfinished) {
  const fs::path dir = fs::temp_directory_path() / ("slime_read_json_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  auto write = [&](const std::string& name, const std::string& text) {
    std::ofstream(dir / name, std::ios::binary) << text;
    return dir / name;
  };
  EXPECT_TRUE(ab::read_json_or_null(dir / "absent.json").is_null());
  EXPECT_TRUE(ab::read_json_or_null(write("torn.json", R"({"steps": 4, "final_lo)")).is_null());
  EXPECT_TRUE(ab::read_json_or_null(write("huge.json", R"({"final_loss": 1e400})")).is_null());
  EXPECT_TRUE(ab::read_json_or_null(write("empty.json", "")).is_null());
  const json ok = ab::read_json_or_null(write("ok.json", R"({"steps": 4})"));
  ASSERT_TRUE(ok.is_object());
  EXPECT_EQ(ok.at("steps").get<int>(), 4);
  fs::remove_all(dir);
}
