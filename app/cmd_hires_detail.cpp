// slime hires-detail: generate the built-in high-resolution detail benchmark (seeded, same seed
// -> same bytes) in the slime jsonl layout; `slime ... --task hires_detail --data DIR` reads it.
#include <cstdint>
#include <memory>
#include <string>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "app/commands.h"
#include "datasets/dataset.h"
#include "datasets/hires_detail/generator.h"
#include "datasets/registry.h"

namespace slime::cli {
namespace {

struct HiresDetailFlags {
  std::string out;
  uint64_t seed = 0;
  int train = data::hires::HiresDetailConfig{}.train;
  int val = data::hires::HiresDetailConfig{}.val;
  int test = data::hires::HiresDetailConfig{}.test;
  std::string sizes;
};

void run_hires_detail(const HiresDetailFlags& f) {
  data::hires::HiresDetailConfig cfg;
  cfg.seed = f.seed;
  cfg.train = f.train;
  cfg.val = f.val;
  cfg.test = f.test;
  if (!f.sizes.empty()) cfg.sizes = data::hires::parse_sizes(f.sizes);
  data::hires::write_hires_detail(f.out, cfg);
  // Read the test split back through the registry: what a run will see, and its content hash.
  data::LoadOptions opt;
  opt.path = f.out;
  opt.split = "test";
  data::DatasetInfo info;
  data::load_task_all("hires_detail", opt, &info);
  const nlohmann::json out = {{"out", f.out}, {"seed", f.seed},
                              {"splits", {{"train", f.train}, {"val", f.val}, {"test", f.test}}},
                              {"test_content_hash", info.content_hash}, {"test_errors", info.errors}};
  fmt::print("{}\n", out.dump(2));
}

}  // namespace

void register_hires_detail(CLI::App& app) {
  auto flags = std::make_shared<HiresDetailFlags>();
  auto* cmd = app.add_subcommand("hires-detail", "Generate the hires-detail benchmark (small details in high-resolution images)");
  cmd->add_option("--out", flags->out, "output directory (created)")->required();
  cmd->add_option("--seed", flags->seed, "generator seed (same seed -> same bytes)");
  cmd->add_option("--train", flags->train, "train items")->check(CLI::NonNegativeNumber);
  cmd->add_option("--val", flags->val, "validation items")->check(CLI::NonNegativeNumber);
  cmd->add_option("--test", flags->test, "test items")->check(CLI::NonNegativeNumber);
  cmd->add_option("--sizes", flags->sizes, "image sizes WxH,WxH,... (default 1344x1008,1008x1344,1344x672,672x1344,1008x1008)");
  cmd->callback([flags] { run_hires_detail(*flags); });
}

}  // namespace slime::cli
