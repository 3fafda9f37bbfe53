// Ablation specs (parse, validate, expand) and the grid runner with a fake evaluation injected:
// knob mapping, cell names, resume/skip by fingerprint, the ablation.json report.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>
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

json base_spec() {
  return json::parse(R"({
    "model": "models/base",
    "tasks": ["hires_detail"],
    "data": {"hires_detail": "data/hires"},
    "limit": 4
  })");
}

// The message of the slime::Error FN throws (empty when it throws none).
template <typename Fn>
std::string error_of(Fn fn, slime::ErrorCode* code = nullptr) {
  try {
    fn();
  } catch (const slime::Error& e) {
    if (code != nullptr) *code = e.code();
    return e.what();
  }
  return "";
}

fs::path fresh_dir(const std::string& name) {
  const fs::path dir = fs::temp_directory_path() / ("slime_test_ablate_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

TEST(AblationSpec, SelectionAndSoftmaxExpandToNamedCellsWithKnobs) {
  json j = base_spec();
  j["axes"] = json::parse(R"({"softmax": ["double", "single"], "selection": {"topp": [0.9, 0.75], "topk": [64], "all": true}})");
  const ab::Spec spec = ab::parse_spec(j, "t.json");
  const std::vector<ab::Cell> cells = ab::expand_cells(spec);
  ASSERT_EQ(cells.size(), 8u);
  // Fixed axis order (selection before softmax) whatever the file's order; last axis fastest.
  const std::vector<std::string> names = {"topp=0.9,softmax=double",  "topp=0.9,softmax=single",
                                          "topp=0.75,softmax=double", "topp=0.75,softmax=single",
                                          "topk=64,softmax=double",   "topk=64,softmax=single",
                                          "keep=all,softmax=double",  "keep=all,softmax=single"};
  for (size_t i = 0; i < cells.size(); ++i) EXPECT_EQ(cells[i].name, names[i]);
  EXPECT_EQ(cells[2].overrides,
            (std::vector<std::string>{"mm_resampler_topp=0.75", "selector_mode=topp", "selector_softmax=double"}));
  EXPECT_EQ(cells[5].overrides,
            (std::vector<std::string>{"selector_topk=64", "selector_mode=topk", "selector_softmax=single"}));
  EXPECT_EQ(cells[6].overrides, (std::vector<std::string>{"selector_mode=all", "selector_softmax=double"}));
  EXPECT_EQ(cells[0].model_dir, "models/base");
  EXPECT_EQ(cells[0].axes.at("selection"), "topp=0.9");
}

TEST(AblationSpec, AdaptersBranchesAndSpecSetMapToConfigKeys) {
  json j = base_spec();
  j["set"] = {{"selector_impl", "fused"}};
  j["axes"] = json::parse(R"({"adapters": ["mlp", "resampler", "gated"], "branches": ["full", "global_only", "local_only"]})");
  const std::vector<ab::Cell> cells = ab::expand_cells(ab::parse_spec(j, "t.json"));
  ASSERT_EQ(cells.size(), 9u);
  EXPECT_EQ(cells[0].name, "adapters=mlp,branches=full");
  EXPECT_EQ(cells[0].overrides, (std::vector<std::string>{"selector_impl=fused", "mm_learnable_gated=0",
                                                          "use_global_only=false", "use_local_only=false"}));
  EXPECT_EQ(cells[4].name, "adapters=resampler,branches=global_only");
  EXPECT_EQ(cells[4].overrides, (std::vector<std::string>{"selector_impl=fused", "mm_learnable_gated=1",
                                                          "use_global_only=true", "use_local_only=false"}));
  EXPECT_EQ(cells[8].name, "adapters=gated,branches=local_only");
  EXPECT_EQ(cells[8].overrides, (std::vector<std::string>{"selector_impl=fused", "mm_learnable_gated=-1",
                                                          "use_global_only=false", "use_local_only=true"}));
}

TEST(AblationSpec, ModelAxesPickDirsAndRunAxesPickDtypeDevice) {
  json j = base_spec();
  j.erase("model");  // every cell gets its dir from the queries axis
  j["axes"] = json::parse(R"({"queries": [{"nq": 64, "model": "m/nq64"}, {"nq": 144, "model": "m/nq144"}],
                              "dtype": ["fp32", "bf16"]})");
  const std::vector<ab::Cell> cells = ab::expand_cells(ab::parse_spec(j, "t.json"));
  ASSERT_EQ(cells.size(), 4u);
  EXPECT_EQ(cells[1].name, "nq=64,dtype=bf16");
  EXPECT_EQ(cells[1].model_dir, "m/nq64");
  EXPECT_EQ(cells[1].dtype, "bf16");
  EXPECT_EQ(cells[2].model_dir, "m/nq144");
  EXPECT_EQ(cells[2].dtype, "fp32");
  EXPECT_TRUE(cells[2].overrides.empty());

  json v = base_spec();
  v["axes"] = json::parse(R"({"variant": [{"name": "e2e", "model": "m/e2e"}, {"name": "alternating", "model": "m/alt",
                                            "set": {"mm_resampler_topp": 0.95}}]})");
  const std::vector<ab::Cell> variants = ab::expand_cells(ab::parse_spec(v, "t.json"));
  ASSERT_EQ(variants.size(), 2u);
  EXPECT_EQ(variants[0].name, "variant=e2e");
  EXPECT_EQ(variants[1].model_dir, "m/alt");
  EXPECT_EQ(variants[1].overrides, (std::vector<std::string>{"mm_resampler_topp=0.95"}));
}

TEST(AblationSpec, NoAxesIsOneBaseCell) {
  const std::vector<ab::Cell> cells = ab::expand_cells(ab::parse_spec(base_spec(), "t.json"));
  ASSERT_EQ(cells.size(), 1u);
  EXPECT_EQ(cells[0].name, "base");
  EXPECT_EQ(cells[0].device, "cpu");
  EXPECT_EQ(cells[0].dtype, "fp32");
}

// Every validation error names the file and the offending key.
TEST(AblationSpec, ValidationErrorsNameFileAndKey) {
  struct Case {
    std::string patch;  // merged into the base spec
    std::string key;    // expected in the message
  };
  const std::vector<Case> cases = {
      {R"({"axes": {"selection": {"topp": [0.9, 1.5]}}})", "axes.selection.topp[1]"},
      {R"({"axes": {"selection": {"topk": [0]}}})", "axes.selection.topk[0]"},
      {R"({"axes": {"selection": {"top": [1]}}})", "axes.selection.top"},
      {R"({"axes": {"softmax": ["triple"]}})", "axes.softmax[0]"},
      {R"({"axes": {"adapters": ["moe"]}})", "axes.adapters[0]"},
      {R"({"axes": {"branches": ["both"]}})", "axes.branches[0]"},
      {R"({"axes": {"queries": [{"nq": 64}]}})", "axes.queries[0].model"},
      {R"({"axes": {"variant": [{"name": "a/b", "model": "m"}]}})", "axes.variant[0].name"},
      {R"({"axes": {"gamma": [1]}})", "axes.gamma"},
      {R"({"axes": {"dtype": ["fp8"]}})", "axes.dtype[0]"},
      {R"({"axes": {"softmax": ["double", "double"]}})", "axes.softmax"},
      {R"({"limit": 0})", "limit"},
      {R"({"tasks": []})", "tasks"},
      {R"({"data": {"other": "x"}})", "data.other"},
      {R"({"set": {"selector_topk": [1, 2]}})", "set.selector_topk"},
      {R"({"modle": "x"})", "modle"},
  };
  for (const Case& c : cases) {
    json j = base_spec();
    j.merge_patch(json::parse(c.patch));
    slime::ErrorCode code = slime::ErrorCode::kInternal;
    const std::string message = error_of([&] { ab::parse_spec(j, "specs/x.json"); }, &code);
    EXPECT_NE(message.find("specs/x.json"), std::string::npos) << c.patch << " -> " << message;
    EXPECT_NE(message.find("'" + c.key + "'"), std::string::npos) << c.patch << " -> " << message;
    EXPECT_EQ(code, slime::ErrorCode::kInvalidArgument) << c.patch;
  }
}

TEST(AblationSpec, ExpansionErrors) {
  json two_models = base_spec();
  two_models["axes"] = json::parse(R"({"variant": [{"name": "a", "model": "m/a"}],
                                       "queries": [{"nq": 64, "model": "m/q"}]})");
  EXPECT_NE(error_of([&] { ab::expand_cells(ab::parse_spec(two_models, "t.json")); }).find("axes.queries"),
            std::string::npos);
  json no_model = base_spec();
  no_model.erase("model");
  EXPECT_NE(error_of([&] { ab::expand_cells(ab::parse_spec(no_model, "t.json")); }).find("'model'"), std::string::npos);
  json bad_baseline = base_spec();
  bad_baseline["baseline"] = "topp=0.5";
  bad_baseline["axes"] = json::parse(R"({"selection": {"topp": [0.9]}})");
  EXPECT_NE(error_of([&] { ab::expand_cells(ab::parse_spec(bad_baseline, "t.json")); }).find("'baseline'"),
            std::string::npos);
}

TEST(AblationSpec, LoadSpecNamesFileAndDefaultsName) {
  const fs::path dir = fresh_dir("load");
  const fs::path path = dir / "my_grid.json";
  std::ofstream(path) << base_spec().dump();
  EXPECT_EQ(ab::load_spec(path.string()).name, "my_grid");
  std::ofstream(dir / "broken.json") << "{\"model\": ";
  slime::ErrorCode code = slime::ErrorCode::kInternal;
  const std::string message = error_of([&] { ab::load_spec((dir / "broken.json").string()); }, &code);
  EXPECT_EQ(code, slime::ErrorCode::kFormat);
  EXPECT_NE(message.find("broken.json"), std::string::npos);
  EXPECT_EQ(error_of([&] { ab::load_spec((dir / "absent.json").string()); }, &code).find("absent.json") != std::string::npos,
            true);
  EXPECT_EQ(code, slime::ErrorCode::kNotFound);
  fs::remove_all(dir);
}

TEST(AblationSpec, FingerprintChangesWithEveryInputThatDefinesACell) {
  const ab::Spec spec = ab::parse_spec(base_spec(), "t.json");
  const ab::Cell cell = ab::expand_cells(spec).front();
  const std::string fp = ab::cell_fingerprint(spec, cell);
  EXPECT_EQ(fp.size(), 32u);
  EXPECT_EQ(fp, ab::cell_fingerprint(spec, cell));  // deterministic
  std::set<std::string> seen = {fp};
  ab::Cell c = cell;
  c.overrides.push_back("selector_topk=3");
  EXPECT_TRUE(seen.insert(ab::cell_fingerprint(spec, c)).second);
  c = cell;
  c.model_dir = "models/other";
  EXPECT_TRUE(seen.insert(ab::cell_fingerprint(spec, c)).second);
  c = cell;
  c.dtype = "bf16";
  EXPECT_TRUE(seen.insert(ab::cell_fingerprint(spec, c)).second);
  ab::Spec s = spec;
  s.limit = 5;
  EXPECT_TRUE(seen.insert(ab::cell_fingerprint(s, cell)).second);
  s = spec;
  s.data["hires_detail"] = "data/other";
  EXPECT_TRUE(seen.insert(ab::cell_fingerprint(s, cell)).second);
}

// A fake evaluation: records the options it got and returns a results.json whose metric encodes
// the cell's overrides, so the report's metrics can be traced back to the cell that produced them.
struct FakeEval {
  std::vector<slime::suite::EvalOptions> calls;
  std::string fail_on;  // a cell dir name whose run throws

  json operator()(const slime::suite::EvalOptions& o) {
    calls.push_back(o);
    if (!fail_on.empty() && fs::path(o.output_dir).filename() == fail_on)
      slime::throw_error(slime::ErrorCode::kNotFound, "{}: fake model missing", o.model_dir);
    double topp = 1.0;
    for (const std::string& kv : o.overrides)
      if (kv.rfind("mm_resampler_topp=", 0) == 0) topp = std::stod(kv.substr(18));
    return {{"results", {{"hires_detail", {{"accuracy", topp / 2}, {"alias", "hires"}, {"sub", {{"x", 1}}}}}}},
            {"n_samples", {{"total", o.limit}, {"scored", o.limit}, {"errors", json::object()}}},
            {"latency", {{"prefill", {{"p50", 1.5}, {"p90", 2.0}, {"p99", 3.0}}}}}};
  }
};

ab::Spec grid_spec() {
  json j = base_spec();
  j["baseline"] = "topp=0.9";
  j["axes"] = json::parse(R"({"selection": {"topp": [0.9, 0.5]}})");
  return ab::parse_spec(j, "grid.json");
}

TEST(AblationRun, RunsEveryCellIntoItsDirAndWritesTheReport) {
  const fs::path out = fresh_dir("run");
  FakeEval fake;
  ab::AblateOptions options;
  options.output_dir = out.string();
  const ab::AblateReport report = ab::run_ablation(grid_spec(), options, std::ref(fake));
  ASSERT_EQ(fake.calls.size(), 2u);
  EXPECT_EQ(fake.calls[0].output_dir, (out / "cells" / "topp=0.9").string());
  EXPECT_EQ(fake.calls[1].model_dir, "models/base");
  EXPECT_EQ(fake.calls[1].limit, 4);
  EXPECT_EQ(fake.calls[1].tasks, std::vector<std::string>{"hires_detail"});
  EXPECT_EQ(fake.calls[1].data.at("hires_detail"), "data/hires");
  EXPECT_EQ(fake.calls[1].overrides, (std::vector<std::string>{"mm_resampler_topp=0.5", "selector_mode=topp"}));
  EXPECT_EQ(report.done, 2);

  std::ifstream in(out / "ablation.json");
  const json doc = json::parse(in);
  EXPECT_EQ(doc, report.ablation);
  EXPECT_EQ(doc["format"], "slime-ablation/1");
  EXPECT_EQ(doc["baseline"], "topp=0.9");
  EXPECT_EQ(doc["axes"][0]["values"], json::parse(R"(["topp=0.9", "topp=0.5"])"));
  ASSERT_EQ(doc["cells"].size(), 2u);
  const json& cell = doc["cells"][1];
  EXPECT_EQ(cell["name"], "topp=0.5");
  EXPECT_EQ(cell["status"], "done");
  EXPECT_EQ(cell["results"], "cells/topp=0.5/results.json");
  EXPECT_DOUBLE_EQ(cell["metrics"]["hires_detail"]["accuracy"].get<double>(), 0.25);
  EXPECT_FALSE(cell["metrics"]["hires_detail"].contains("alias"));  // numbers only
  EXPECT_EQ(cell["latency_p50"]["prefill"], 1.5);
  EXPECT_EQ(cell["n_samples"]["total"], 4);
  EXPECT_EQ(doc["summary"]["done"], 2);
  EXPECT_TRUE(fs::exists(out / "cells" / "topp=0.5" / "results.json"));
  EXPECT_TRUE(fs::exists(out / "cells" / "topp=0.5" / "cell.json"));
  fs::remove_all(out);
}

TEST(AblationRun, SecondRunSkipsFinishedCellsAndRerunsUnfinishedOnes) {
  const fs::path out = fresh_dir("resume");
  ab::AblateOptions options;
  options.output_dir = out.string();
  FakeEval first;
  ab::run_ablation(grid_spec(), options, std::ref(first));
  // Cell topp=0.5 "was killed": its results.json is gone, its cell.json (and samples) remain.
  fs::remove(out / "cells" / "topp=0.5" / "results.json");
  FakeEval second;
  const ab::AblateReport report = ab::run_ablation(grid_spec(), options, std::ref(second));
  ASSERT_EQ(second.calls.size(), 1u);
  EXPECT_EQ(fs::path(second.calls[0].output_dir).filename(), "topp=0.5");
  EXPECT_EQ(report.skipped, 1);
  EXPECT_EQ(report.done, 1);
  EXPECT_EQ(report.ablation["cells"][0]["status"], "skipped");
  EXPECT_DOUBLE_EQ(report.ablation["cells"][0]["metrics"]["hires_detail"]["accuracy"].get<double>(), 0.45);
  FakeEval third;
  EXPECT_EQ(ab::run_ablation(grid_spec(), options, std::ref(third)).skipped, 2);
  EXPECT_TRUE(third.calls.empty());
  fs::remove_all(out);
}

TEST(AblationRun, ChangedConfigurationIsRefusedNotMixed) {
  const fs::path out = fresh_dir("stale");
  ab::AblateOptions options;
  options.output_dir = out.string();
  FakeEval first;
  ab::run_ablation(grid_spec(), options, std::ref(first));
  options.limit = 8;  // same cell names, other results
  FakeEval second;
  const std::string message =
      error_of([&] { ab::run_ablation(ab::apply_cli_overrides(grid_spec(), options), options, std::ref(second)); });
  EXPECT_NE(message.find("topp=0.9"), std::string::npos) << message;
  EXPECT_NE(message.find("another configuration"), std::string::npos) << message;
  EXPECT_TRUE(second.calls.empty());
  fs::remove_all(out);
}

TEST(AblationRun, FailedCellIsRecordedAndTheGridContinues) {
  const fs::path out = fresh_dir("fail");
  ab::AblateOptions options;
  options.output_dir = out.string();
  FakeEval fake;
  fake.fail_on = "topp=0.9";
  const ab::AblateReport report = ab::run_ablation(grid_spec(), options, std::ref(fake));
  EXPECT_EQ(report.failed, 1);
  EXPECT_EQ(report.done, 1);
  EXPECT_EQ(report.ablation["cells"][0]["status"], "failed");
  EXPECT_NE(report.ablation["cells"][0]["error"].get<std::string>().find("fake model missing"), std::string::npos);
  EXPECT_TRUE(report.ablation["cells"][0]["results"].is_null());
  // A failed cell has no results.json, so the next run retries it.
  FakeEval retry;
  ab::run_ablation(grid_spec(), options, std::ref(retry));
  ASSERT_EQ(retry.calls.size(), 1u);
  EXPECT_EQ(fs::path(retry.calls[0].output_dir).filename(), "topp=0.9");
  options.keep_going = false;
  fs::remove_all(out);
  FakeEval strict;
  strict.fail_on = "topp=0.9";
  EXPECT_NE(error_of([&] { ab::run_ablation(grid_spec(), options, std::ref(strict)); }).find("cell 'topp=0.9'"),
            std::string::npos);
  EXPECT_EQ(strict.calls.size(), 1u);
  fs::remove_all(out);
}

TEST(AblationRun, CliFlagsReplaceSpecValuesAndConflictWithAxes) {
  ab::AblateOptions options;
  options.limit = 7;
  options.device = "cuda";
  options.dtype = "bf16";
  const ab::Spec spec = ab::apply_cli_overrides(grid_spec(), options);
  EXPECT_EQ(spec.limit, 7);
  const ab::Cell cell = ab::expand_cells(spec).front();
  EXPECT_EQ(cell.device, "cuda");
  EXPECT_EQ(cell.dtype, "bf16");
  json j = base_spec();
  j["axes"] = json::parse(R"({"dtype": ["fp32", "bf16"]})");
  EXPECT_NE(error_of([&] { ab::apply_cli_overrides(ab::parse_spec(j, "d.json"), options); }).find("axes.dtype"),
            std::string::npos);
}

TEST(AblationRun, QueriesAxisIsCheckedAgainstTheCheckpointConfig) {
  const fs::path dir = fresh_dir("nq");
  fs::create_directories(dir / "nq64");
  std::ofstream(dir / "nq64" / "config.json") << R"({"mm_resampler_dim": 144})";
  json j = base_spec();
  j["axes"] = {{"queries", {{{"nq", 64}, {"model", (dir / "nq64").string()}}}}};
  ab::AblateOptions options;
  options.output_dir = (dir / "out").string();
  FakeEval fake;
  const std::string message = error_of([&] { ab::run_ablation(ab::parse_spec(j, "q.json"), options, std::ref(fake)); });
  EXPECT_NE(message.find("axes.queries"), std::string::npos) << message;
  EXPECT_NE(message.find("144"), std::string::npos) << message;
  EXPECT_TRUE(fake.calls.empty());
  fs::remove_all(dir);
}

// Every shipped spec parses and expands, with the grid sizes the README promises.
TEST(AblationSpecs, ShippedSpecsParseAndExpand) {
  const std::vector<std::pair<std::string, size_t>> specs = {
      {"ablations/specs/table3_gamma.json", 3},   {"ablations/specs/table3_nq.json", 3},
      {"ablations/specs/table4_branches.json", 6}, {"ablations/specs/topk_sweep.json", 6},
      {"ablations/specs/smoke.json", 3},         {"ablations/specs/table3_adapters.json", 3},
      {"ablations/specs/table4_training.json", 6}, {"ablations/specs/table3_nq_trained.json", 3},
  };
  for (const auto& [path, n] : specs) {
    ab::Spec spec = ab::load_spec(path);
    ab::resolve_training(spec, "out/ablations/" + spec.name);  // trained values get their model dirs
    const std::vector<ab::Cell> cells = ab::expand_cells(spec);
    EXPECT_EQ(cells.size(), n) << path;
    EXPECT_EQ(spec.tasks, std::vector<std::string>{"hires_detail"}) << path;
  }
}

}  // namespace
