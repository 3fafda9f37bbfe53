// slime merge: combine the shard logs of `slime eval --shard i/n` runs into the single-run
// samples_<task>.jsonl files and results.json (ablations/eval/eval_run.h merge_shards).
#include <memory>
#include <string>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "ablations/eval/eval_run.h"
#include "app/commands.h"
#include "reports/history.h"

namespace slime::cli {

void register_merge(CLI::App& app) {
  auto dir = std::make_shared<std::string>();
  auto db = std::make_shared<std::string>(reports::default_history_db());
  auto no_history = std::make_shared<bool>(false);
  auto* cmd = app.add_subcommand("merge", "Merge the shard outputs of `slime eval --shard i/n` into results.json");
  cmd->add_option("DIR", *dir, "the --output directory every shard wrote to")->required();
  cmd->add_option("--db", *db, "run-history database the merged run is recorded in");
  cmd->add_flag("--no-history", *no_history, "do not record the run in the history");
  cmd->callback([dir, db, no_history] {
    const nlohmann::json results = suite::merge_shards(*dir, *no_history ? "" : *db);
    for (const auto& [task, metrics] : results.at("results").items()) fmt::print("{}: {}\n", task, metrics.dump());
    fmt::print("wrote {}/results.json ({} samples)\n", *dir, results.at("n_samples").at("total").get<int64_t>());
  });
}

}  // namespace slime::cli
