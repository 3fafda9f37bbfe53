// slime compare BASE NEW [--max-accuracy-drop X] [--max-latency-increase P%] [--db PATH]: prints
// the differences between two runs (run directories or run-history ids) and exits 1 when a
// threshold is broken, so CI can gate on it.
#include <memory>
#include <optional>
#include <string>

#include <fmt/format.h>

#include "app/commands.h"
#include "reports/compare.h"
#include "reports/history.h"
#include "reports/writers.h"

namespace slime::cli {
namespace {

struct CompareArgs {
  std::string base, now, db;
  std::optional<double> max_drop;
  std::string max_latency;
};

}  // namespace

void register_compare(CLI::App& app) {
  auto args = std::make_shared<CompareArgs>();
  auto* cmd = app.add_subcommand("compare", "Differences between two runs; exit 1 when a threshold is broken");
  cmd->add_option("base", args->base, "Baseline: run directory or run-history id")->required();
  cmd->add_option("new", args->now, "New run: run directory or run-history id")->required();
  cmd->add_option("--max-accuracy-drop", args->max_drop, "Largest allowed drop of a quality metric, in points");
  cmd->add_option("--max-latency-increase", args->max_latency,
                  "Largest allowed p50/p90 stage latency increase, in percent (e.g. 10%)");
  cmd->add_option("--db", args->db, "Run-history database (default ~/.local/share/slime/runs.db)");
  cmd->callback([args] {
    const std::string db = args->db.empty() ? reports::default_history_db() : args->db;
    reports::CompareOptions options;
    options.max_accuracy_drop = args->max_drop;
    if (!args->max_latency.empty()) options.max_latency_increase_pct = reports::parse_percent(args->max_latency);
    std::string base_label, new_label;
    const auto base = reports::resolve_results(args->base, db, &base_label);
    const auto now = reports::resolve_results(args->now, db, &new_label);
    const reports::CompareResult result = reports::compare_results(base, now, options);
    fmt::print("{}", reports::to_text(reports::compare_table(result, base_label, new_label)));
    for (const auto& f : result.failures) fmt::print(stderr, "slime compare: FAIL {}\n", f);
    if (result.failed()) throw CLI::RuntimeError(1);  // CLI11 exits with 1, printing nothing more
    fmt::print("slime compare: ok\n");
  });
}

}  // namespace slime::cli
