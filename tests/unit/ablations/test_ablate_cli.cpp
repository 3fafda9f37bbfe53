// `slime ablate` end to end: the shipped smoke spec (ablations/specs/smoke.json, its model and data
// paths pointed at a tiny init-model checkpoint and a 3-item hires-detail test split) runs its three
// cells through the real `slime eval` path, the selection knobs reach the engine (fewer local
// tokens kept at γ 0.5 than at 0.9, exactly k at top-k), and a second run skips every finished cell.
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

struct CommandResult {
  int exit_code = -1;
  std::string output;
};

CommandResult run(const std::string& args) {
  CommandResult result;
  const std::string command = std::string("'") + SLIME_BINARY + "' " + args + " 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return result;
  char buffer[4096];
  size_t n;
  while ((n = fread(buffer, 1, sizeof(buffer), pipe)) > 0) result.output.append(buffer, n);
  const int status = pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

json read_json(const fs::path& path) {
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << path;
  return json::parse(in);
}

// visual_tokens.local_after summed over a cell's sample log.
int64_t local_tokens_kept(const fs::path& cell_dir) {
  std::ifstream in(cell_dir / "samples_hires_detail.jsonl");
  EXPECT_TRUE(in.good()) << cell_dir;
  int64_t total = 0;
  std::string line;
  while (std::getline(in, line)) {
    const json record = json::parse(line);
    EXPECT_FALSE(record.contains("error")) << line;
    total += record.at("visual_tokens").at("local_after").get<int64_t>();
  }
  return total;
}

TEST(AblateCli, SmokeSpecRunsEveryCellThenSkipsThem) {
  const fs::path dir = fs::temp_directory_path() / ("slime_test_ablate_cli_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string model = (dir / "model").string(), data = (dir / "data").string();
  CommandResult r = run("init-model --kind slime --preset tiny --seed 0 --out '" + model + "'");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  r = run("hires-detail --out '" + data + "' --train 0 --val 0 --test 3");
  ASSERT_EQ(r.exit_code, 0) << r.output;

  json spec = read_json("ablations/specs/smoke.json");
  spec["model"] = model;
  spec["data"]["hires_detail"] = data;
  const fs::path spec_path = dir / "smoke.json";
  std::ofstream(spec_path) << spec.dump(2);
  const fs::path out = dir / "out";

  r = run("ablate --no-history '" + spec_path.string() + "' --output '" + out.string() + "'");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("3 cells: 3 run, 0 skipped"), std::string::npos) << r.output;
  json report = read_json(out / "ablation.json");
  ASSERT_EQ(report["cells"].size(), 3u);
  for (const json& cell : report["cells"]) {
    EXPECT_EQ(cell["status"], "done") << cell.dump();
    EXPECT_TRUE(fs::exists(out / cell["results"].get<std::string>())) << cell.dump();
    EXPECT_TRUE(cell["metrics"].contains("hires_detail")) << cell.dump();
    EXPECT_FALSE(cell["metrics"]["hires_detail"].empty()) << cell.dump();
    EXPECT_EQ(cell["n_samples"]["total"], 2) << cell.dump();  // the spec's limit
  }
  const fs::path loose = out / "cells" / "topp=0.9", tight = out / "cells" / "topp=0.5";
  const json results = read_json(tight / "results.json");
  const json overrides = results["config"]["overrides"];
  EXPECT_NE(std::find(overrides.begin(), overrides.end(), "mm_resampler_topp=0.5"), overrides.end()) << overrides;
  // The knob reached the selector: γ 0.5 keeps fewer local tokens than γ 0.9 on the same images.
  const int64_t kept_loose = local_tokens_kept(loose), kept_tight = local_tokens_kept(tight);
  EXPECT_GT(kept_tight, 0);
  EXPECT_LT(kept_tight, kept_loose);
  // Fixed top-k keeps exactly k = 8 per sample (a tiny model's crops give L = 16·P > 8 tokens).
  EXPECT_EQ(local_tokens_kept(out / "cells" / "topk=8"), 2 * 8);

  r = run("ablate --no-history '" + spec_path.string() + "' --output '" + out.string() + "'");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("3 cells: 0 run, 3 skipped"), std::string::npos) << r.output;
  report = read_json(out / "ablation.json");
  for (const json& cell : report["cells"]) EXPECT_EQ(cell["status"], "skipped") << cell.dump();

  // Another --limit changes every cell's fingerprint: refused, nothing rerun or mixed.
  r = run("ablate --no-history '" + spec_path.string() + "' --output '" + out.string() + "' --limit 1");
  EXPECT_NE(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("another configuration"), std::string::npos) << r.output;
  fs::remove_all(dir);
}

}  // namespace
