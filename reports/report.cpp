#include "reports/report.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <set>

#include <fmt/format.h>

#include "engine/common/error.h"
#include "reports/writers.h"

namespace fs = std::filesystem;

namespace slime::reports {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

std::set<std::string> all_tasks(const std::vector<RunData>& runs) {
  std::set<std::string> tasks;
  for (const auto& r : runs) {
    for (const auto& [t, v] : r.results["results"].items()) tasks.insert(t);
  }
  return tasks;
}

double metric_value(const RunData& run, const std::string& task, const std::string& metric) {
  const auto& res = run.results["results"];
  if (!res.contains(task) || !res[task].is_object() || !res[task].contains(metric)) return kNaN;
  const auto& v = res[task][metric];
  return v.is_number() ? v.get<double>() : kNaN;
}

const RunData* find_run(const std::vector<RunData>& runs, const std::string& name) {
  for (const auto& r : runs) {
    if (r.name == name) return &r;
  }
  return nullptr;
}

void write_file(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  if (!out || !(out << text)) throw_error(ErrorCode::kIo, "{}: cannot write", path.string());
}

}  // namespace

Table metrics_table(const std::vector<RunData>& runs) {
  Table t{"metrics", "Metrics per task", {"Run"}, {}, "Task metrics as written in results.json (percent unless the metric is a sum or a 0-1 F1)."};
  std::vector<std::pair<std::string, std::string>> keys;  // (task, metric), primary metric first
  for (const auto& task : all_tasks(runs)) {
    std::vector<std::string> metrics;
    for (const auto& r : runs) {
      const auto& res = r.results["results"];
      if (!res.contains(task) || !res[task].is_object()) continue;
      const std::string primary = primary_metric(res[task]);
      if (!primary.empty() && std::find(metrics.begin(), metrics.end(), primary) == metrics.end()) {
        metrics.insert(metrics.begin(), primary);
      }
      for (const auto& [m, v] : res[task].items()) {
        if (v.is_number() && std::find(metrics.begin(), metrics.end(), m) == metrics.end()) metrics.push_back(m);
      }
    }
    for (const auto& m : metrics) keys.emplace_back(task, m), t.columns.push_back(task + " / " + m);
  }
  t.columns.push_back("scored");
  t.columns.push_back("errors");
  for (const auto& r : runs) {
    std::vector<Cell> row{text_cell(r.name)};
    for (const auto& [task, m] : keys) {
      // 0-1 metrics (POPE's mean_f1) would lose their digits at 2 decimals.
      const double v = metric_value(r, task, m);
      row.push_back(number_cell(v, std::abs(v) < 1 && v != 0 ? 4 : 2));
    }
    const auto& ns = r.results.contains("n_samples") ? r.results["n_samples"] : nlohmann::json::object();
    row.push_back(ns.contains("scored") && ns["scored"].is_number() ? number_cell(ns["scored"].get<double>(), 0) : text_cell("-"));
    double errors = 0;
    if (ns.contains("errors") && ns["errors"].is_object()) {
      for (const auto& [k, v] : ns["errors"].items()) errors += v.is_number() ? v.get<double>() : 0;
    }
    row.push_back(number_cell(errors, 0));
    t.rows.push_back(row);
  }
  return t;
}

Table ci_table(const std::vector<RunData>& runs, int bootstrap, uint64_t seed) {
  Table t{"ci", "Accuracy with 95% bootstrap intervals",
          {"Run", "Task", "Score", "n", "Mean (%)", "CI low (%)", "CI high (%)"}, {},
          fmt::format("Percentile bootstrap over per-sample scores, B = {}, seed {}; samples with an error are left out.",
                      bootstrap, seed)};
  for (const auto& r : runs) {
    for (const auto& [task, samples] : r.samples) {
      const std::string key = sample_score_key(r, task);
      if (key.empty()) continue;
      std::vector<double> scores;
      for (const auto& [id, v] : sample_scores(r, task, key)) scores.push_back(v);
      if (scores.empty()) continue;
      const Interval ci = bootstrap_ci(scores, bootstrap, seed);
      t.rows.push_back({text_cell(r.name), text_cell(task), text_cell(key), number_cell(static_cast<double>(ci.n), 0),
                        number_cell(100 * ci.mean), number_cell(100 * ci.lo), number_cell(100 * ci.hi)});
    }
  }
  return t;
}

Table delta_table(const std::vector<RunData>& runs, const std::string& baseline, int bootstrap, uint64_t seed) {
  Table t{"deltas", fmt::format("Differences against the baseline '{}'", baseline),
          {"Run", "Task", "Metric", "Baseline", "Value", "Delta", "Paired n", "Delta per sample (pp)", "CI low", "CI high", "p", "Test"},
          {},
          fmt::format("Paired over samples present in both runs (by doc_id): McNemar exact test for 0/1 scores, "
                      "paired bootstrap otherwise; intervals from the paired bootstrap (B = {}, seed {}).",
                      bootstrap, seed)};
  const RunData* base = find_run(runs, baseline);
  if (!base) return t;
  for (const auto& r : runs) {
    if (&r == base) continue;
    for (const auto& task : all_tasks(runs)) {
      const auto& res = r.results["results"];
      if (!res.contains(task)) continue;
      const std::string metric = primary_metric(res[task]);
      const double b = metric_value(*base, task, metric), v = metric_value(r, task, metric);
      std::vector<Cell> row{text_cell(r.name), text_cell(task), text_cell(metric), number_cell(b), number_cell(v),
                            number_cell(v - b, 2, true)};
      const std::string key = sample_score_key(r, task);
      std::vector<double> xa, xb;
      if (!key.empty()) {
        const auto sa = sample_scores(*base, task, key), sb = sample_scores(r, task, key);
        for (const auto& [id, s] : sa) {
          auto it = sb.find(id);
          if (it != sb.end()) xa.push_back(s), xb.push_back(it->second);
        }
      }
      if (xa.empty()) {
        for (int i = 0; i < 6; ++i) row.push_back(text_cell("-"));
      } else {
        const PairedResult p = paired_test(xa, xb, bootstrap, seed);
        row.push_back(number_cell(static_cast<double>(p.n), 0));
        row.push_back(number_cell(100 * p.delta, 2, true));
        row.push_back(number_cell(100 * p.lo, 2, true));
        row.push_back(number_cell(100 * p.hi, 2, true));
        row.push_back(number_cell(p.p_value, 4));
        row.push_back(text_cell(p.method));
      }
      t.rows.push_back(row);
    }
  }
  return t;
}

Table latency_table(const std::vector<RunData>& runs) {
  Table t{"latency", "Visual tokens and mean latency per sample", {"Run", "Visual tokens / image", "Total (ms)"}, {},
          "Means over scored samples of timing_ms; visual tokens = global + local kept after selection."};
  const std::vector<std::string> stages = stage_names(runs);
  for (const auto& s : stages) t.columns.push_back(s + " (ms)");
  for (const auto& r : runs) {
    const double vt = mean_visual_tokens(r);
    std::vector<Cell> row{text_cell(r.name), number_cell(vt < 0 ? kNaN : vt, 1), number_cell(mean_total_ms(r), 2)};
    for (const auto& s : stages) row.push_back(number_cell(mean_stage_ms(r, s), 2));
    t.rows.push_back(row);
  }
  return t;
}

Table latency_percentile_table(const std::vector<RunData>& runs) {
  Table t{"latency_percentiles", "Latency percentiles per stage (results.json)", {"Run", "Stage", "p50", "p90", "p99"}, {},
          "Milliseconds, except rates such as tokens_per_s."};
  for (const auto& r : runs) {
    if (!r.results.contains("latency") || !r.results["latency"].is_object()) continue;
    for (const auto& [stage, p] : r.results["latency"].items()) {
      if (!p.is_object()) continue;
      const auto& q = p;  // a lambda cannot capture a structured binding before C++20 (clang refuses)
      auto get = [&q](const char* k) { return q.contains(k) && q[k].is_number() ? q[k].get<double>() : kNaN; };
      t.rows.push_back({text_cell(r.name), text_cell(stage), number_cell(get("p50")), number_cell(get("p90")),
                        number_cell(get("p99"))});
    }
  }
  return t;
}

Table paper_table(const PaperTable& paper) {
  Table t{fmt::format("paper_table{}", paper.number), fmt::format("Paper Table {}: {}", paper.number, paper.caption),
          {paper.row_header}, {}, fmt::format("Cells as printed; (best) / (second) mark bold / underline. Source: {}.", paper.source)};
  const bool has_llm = !paper.rows.empty() && !paper.rows[0].llm.empty();
  if (has_llm) t.columns.push_back("LLM");
  for (const auto& c : paper.columns) t.columns.push_back(c.name);
  for (const auto& r : paper.rows) {
    std::vector<Cell> row{text_cell(r.group.empty() ? r.label : r.label + " [" + r.group + "]")};
    if (has_llm) row.push_back(text_cell(r.llm));
    for (const auto& c : r.cells) {
      const std::string mark = c.mark == "best" ? " (best)" : c.mark == "second" ? " (second)" : "";
      row.push_back(Cell{c.printed + mark, mark.empty() ? c.value : std::nullopt});
    }
    t.rows.push_back(row);
  }
  return t;
}

Table paper_vs_ours_table(const PaperTable& paper, const std::vector<RunData>& runs) {
  const PaperRow* ref = paper.find_row(paper.reference_row);
  Table t{"paper_vs_ours", fmt::format("Paper Table {} ({}) vs ours", paper.number, ref ? ref->label : "?"),
          {"Column", "Task / metric", fmt::format("Paper: {}", ref ? ref->label : "?")}, {},
          "Paper cells as printed; ours scaled to the paper's unit; Delta = ours - paper."};
  for (const auto& r : runs) t.columns.push_back(r.name), t.columns.push_back("Delta " + r.name);
  for (size_t ci = 0; ci < paper.columns.size(); ++ci) {
    const PaperColumn& col = paper.columns[ci];
    // The first mapped task any run has.
    std::string task;
    TaskMetric tm;
    for (const auto& [tk, m] : col.tasks) {
      for (const auto& r : runs) {
        if (task.empty() && !std::isnan(metric_value(r, tk, m.metric))) task = tk, tm = m;
      }
    }
    if (task.empty()) continue;
    const PaperCell* cell = ref ? &ref->cells[ci] : nullptr;
    std::vector<Cell> row{text_cell(col.name), text_cell(task + " / " + tm.metric),
                          cell ? Cell{cell->printed, cell->value} : text_cell("-")};
    for (const auto& r : runs) {
      const double ours = metric_value(r, task, tm.metric) * tm.scale;
      row.push_back(number_cell(ours));
      row.push_back(number_cell(cell && cell->value ? ours - *cell->value : kNaN, 2, true));
    }
    t.rows.push_back(row);
  }
  if (t.rows.empty()) t.note = fmt::format("No task of these runs maps to a column of paper Table {}.", paper.number);
  return t;
}

Report build_report(LoadedInputs inputs, const ReportOptions& options) {
  Report report;
  report.html_samples = options.html_samples;
  report.runs = std::move(inputs.runs);
  std::string baseline = options.baseline.empty() ? inputs.baseline : options.baseline;
  if (!baseline.empty() && !find_run(report.runs, baseline)) {
    // A run directory: one of the inputs, or an extra run to compare against.
    if (!is_run_dir(baseline)) throw_error(ErrorCode::kNotFound, "baseline '{}': neither a run/cell name nor a run directory", baseline);
    std::string name;
    for (const auto& r : report.runs) {
      std::error_code ec;
      if (fs::equivalent(r.dir, baseline, ec)) name = r.name;
    }
    if (name.empty()) {
      report.runs.insert(report.runs.begin(), load_run(baseline));
      name = report.runs.front().name;
    }
    baseline = name;
  }
  report.training = std::move(inputs.training);
  if (report.runs.empty() && report.training.empty()) throw_error(ErrorCode::kInvalidArgument, "report: no runs");
  if (report.runs.empty()) {  // training logs only: their table (and curves in HTML)
    report.tables.push_back(training_table(report.training));
    return report;
  }
  report.baseline = baseline.empty() ? report.runs.front().name : baseline;
  report.tables.push_back(metrics_table(report.runs));
  report.tables.push_back(ci_table(report.runs, options.bootstrap, options.seed));
  if (report.runs.size() > 1) {
    report.tables.push_back(delta_table(report.runs, report.baseline, options.bootstrap, options.seed));
  }
  report.tables.push_back(latency_table(report.runs));
  report.tables.push_back(latency_percentile_table(report.runs));
  if (!options.paper.empty()) {
    report.paper = load_paper_table(options.paper);
    report.tables.push_back(paper_vs_ours_table(*report.paper, report.runs));
    report.tables.push_back(paper_table(*report.paper));
  }
  if (!report.training.empty()) report.tables.push_back(training_table(report.training));
  return report;
}

std::vector<std::string> write_report(const Report& report, const std::string& out_dir,
                                      const std::vector<std::string>& formats) {
  for (const auto& f : formats) {
    if (f != "md" && f != "html" && f != "csv" && f != "json" && f != "tex") {
      throw_error(ErrorCode::kInvalidArgument, "report format '{}': expected md, html, csv, json or tex", f);
    }
  }
  std::error_code ec;
  fs::create_directories(out_dir, ec);
  if (ec) throw_error(ErrorCode::kIo, "{}: cannot create: {}", out_dir, ec.message());
  const fs::path out(out_dir);
  std::vector<std::string> written;
  for (const auto& f : formats) {
    if (f == "md") {
      std::string md = "# slime-bench report\n\n";
      for (const auto& t : report.tables) md += to_markdown(t);
      write_file(out / "report.md", md);
      written.push_back((out / "report.md").string());
    } else if (f == "tex") {
      std::string tex;
      for (const auto& t : report.tables) tex += to_latex(t) + "\n";
      write_file(out / "report.tex", tex);
      written.push_back((out / "report.tex").string());
    } else if (f == "json") {
      nlohmann::json j = {{"baseline", report.baseline}, {"runs", nlohmann::json::array()}, {"tables", nlohmann::json::array()}};
      for (const auto& r : report.runs) j["runs"].push_back({{"name", r.name}, {"dir", r.dir}});
      for (const auto& t : report.tables) j["tables"].push_back(to_json(t));
      write_file(out / "report.json", j.dump(1) + "\n");
      written.push_back((out / "report.json").string());
    } else if (f == "csv") {
      for (const auto& t : report.tables) {
        write_file(out / (t.id + ".csv"), to_csv(t));
        written.push_back((out / (t.id + ".csv")).string());
      }
    } else {
      write_file(out / "report.html", render_html(report));
      written.push_back((out / "report.html").string());
    }
  }
  return written;
}

}  // namespace slime::reports
