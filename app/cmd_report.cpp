// slime report RUN_DIR... [--format md,html,csv,json,tex] [--paper TABLE] [--baseline RUN_OR_CELL]
// [--out DIR]: tables, intervals, paired tests, plots and paper deltas for runs / ablation cells.
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "app/commands.h"
#include "reports/report.h"

namespace slime::cli {
namespace {

struct ReportArgs {
  std::vector<std::string> inputs;
  std::string formats = "md,html";
  std::string out = "report";
  reports::ReportOptions options;
};

std::vector<std::string> split_commas(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream s(text);
  for (std::string item; std::getline(s, item, ',');) {
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

}  // namespace

void register_report(CLI::App& app) {
  auto args = std::make_shared<ReportArgs>();
  auto* cmd = app.add_subcommand("report", "Tables, intervals, paired tests and plots for eval runs or ablation cells");
  cmd->add_option("runs", args->inputs, "Run directories (results.json + samples_*.jsonl) or ablation directories")
      ->required();
  cmd->add_option("--format", args->formats, "Comma-separated: md, html, csv, json, tex (default md,html)");
  cmd->add_option("--paper", args->options.paper,
                  "Paper table to set beside ours: table1..table4, optionally :ROW (e.g. table3:Final)");
  cmd->add_option("--baseline", args->options.baseline, "Run/cell name or run directory the deltas refer to");
  cmd->add_option("--out", args->out, "Output directory (default ./report)");
  cmd->add_option("--bootstrap", args->options.bootstrap, "Bootstrap resamples (default 1000)");
  cmd->add_option("--seed", args->options.seed, "Bootstrap seed (default 0)");
  cmd->callback([args] {
    const reports::Report report = reports::build_report(reports::load_inputs(args->inputs), args->options);
    for (const auto& path : reports::write_report(report, args->out, split_commas(args->formats))) {
      fmt::print("{}\n", path);
    }
  });
}

}  // namespace slime::cli
