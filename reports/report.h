// `slime report`: runs (or ablation cells) -> tables (metrics per task, bootstrap intervals, deltas
// and paired tests against a baseline, latency, paper vs ours) -> files in the chosen formats.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "reports/paper.h"
#include "reports/run_data.h"
#include "reports/stats.h"
#include "reports/table.h"
#include "reports/training.h"

namespace slime::reports {

struct ReportOptions {
  std::string paper;     // load_paper_table spec; "" = no paper comparison
  std::string baseline;  // run/cell name or run directory; "" = ablation.json's, else the first run
  int bootstrap = kDefaultBootstrap;
  uint64_t seed = 0;
  size_t html_samples = 20;  // sample rows shown per run and task in the HTML page
};

struct Report {
  std::vector<RunData> runs;
  std::string baseline;  // name of the baseline run
  std::optional<PaperTable> paper;
  std::vector<TrainingLog> training;  // training runs shown (table + loss/lr curves)
  std::vector<Table> tables;
  size_t html_samples = 20;
};

Report build_report(LoadedInputs inputs, const ReportOptions& options);

// Formats: md, html, csv, json, tex. Writes OUT_DIR/report.{md,html,json,tex} and one
// OUT_DIR/<table id>.csv per table; returns the paths written. Throws kInvalidArgument for an
// unknown format, kIo when a file cannot be written.
std::vector<std::string> write_report(const Report& report, const std::string& out_dir,
                                      const std::vector<std::string>& formats);

// The self-contained HTML page (reports/html.cpp): tables, four inline SVG plots, sample rows.
std::string render_html(const Report& report);

// Table builders, exposed for tests.
Table metrics_table(const std::vector<RunData>& runs);
Table ci_table(const std::vector<RunData>& runs, int bootstrap, uint64_t seed);
Table delta_table(const std::vector<RunData>& runs, const std::string& baseline, int bootstrap, uint64_t seed);
Table latency_table(const std::vector<RunData>& runs);
Table latency_percentile_table(const std::vector<RunData>& runs);
Table paper_table(const PaperTable& paper);
Table paper_vs_ours_table(const PaperTable& paper, const std::vector<RunData>& runs);

}  // namespace slime::reports
