// slime merge: combine the shard logs of `slime eval --shard i/n` runs into the single-run
// samples_<task>.jsonl files and results.json (ablations/eval/eval_run.h merge_shards).
#include <memory>
#include <string>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "ablations/eval/eval_run.h"
#include "app/commands.h"

namespace slime::cli {

void register_merge(CLI::App& app) {
  auto dir = std::make_shared<std::string>();
  auto* cmd = app.add_subcommand("merge", "Merge the shard outputs of `slime eval --shard i/n` into results.json");
  cmd->add_option("DIR", *dir, "the --output directory every shard wrote to")->required();
  cmd->callback([dir] {
    const nlohmann::json results = suite::merge_shards(*dir);
    for (const auto& [task, metrics] : results.at("results").items()) fmt::print("{}: {}\n", task, metrics.dump());
    fmt::print("wrote {}/results.json ({} samples)\n", *dir, results.at("n_samples").at("total").get<int64_t>());
  });
}

}  // namespace slime::cli
