// The self-contained HTML report: inline CSS, inline SVG plots (reports/svg.cpp), no script, no
// external resource. Every string from a run (names, tasks, predictions, targets) goes through
// html_escape, so a prediction holding markup is shown as text and never parsed.
#include <cmath>
#include <limits>
#include <set>

#include <fmt/format.h>

#include "reports/report.h"
#include "reports/svg.h"
#include "reports/writers.h"

namespace slime::reports {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

std::string html_table(const Table& t) {
  std::string out = fmt::format("<h2 id=\"{}\">{}</h2>\n<table class=\"data\"><thead><tr>", html_escape(t.id), html_escape(t.title));
  for (const auto& c : t.columns) out += "<th>" + html_escape(c) + "</th>";
  out += "</tr></thead><tbody>\n";
  for (const auto& row : t.rows) {
    out += "<tr>";
    for (const auto& cell : row) out += fmt::format("<td{}>{}</td>", cell.value ? " class=\"num\"" : "", html_escape(cell.text));
    out += "</tr>\n";
  }
  out += "</tbody></table>\n";
  if (!t.note.empty()) out += "<p class=\"note\">" + html_escape(t.note) + "</p>\n";
  return out;
}

double task_primary(const RunData& r, const std::string& task) {
  const auto& res = r.results["results"];
  if (!res.contains(task)) return kNaN;
  const std::string m = primary_metric(res[task]);
  return m.empty() ? kNaN : res[task][m].get<double>();
}

std::set<std::string> tasks_of(const std::vector<RunData>& runs) {
  std::set<std::string> tasks;
  for (const auto& r : runs) {
    for (const auto& [t, v] : r.results["results"].items()) tasks.insert(t);
  }
  return tasks;
}

std::string plots(const Report& report) {
  const auto tasks = tasks_of(report.runs);
  std::vector<PlotSeries> by_tokens;
  for (const auto& task : tasks) {
    PlotSeries tok{task, {}};
    for (const auto& r : report.runs) {
      const double y = task_primary(r, task);
      const double vt = mean_visual_tokens(r);
      if (!std::isnan(y) && vt >= 0) tok.points.push_back({vt, y, r.name});
    }
    if (!tok.points.empty()) by_tokens.push_back(tok);
  }
  std::string out = "<h2 id=\"plots\">Plots</h2>\n<div class=\"plots\">\n";
  out += scatter_svg("plot-accuracy-tokens", "Accuracy vs visual tokens per image", "visual tokens per image (mean)",
                     "headline metric", by_tokens, false);
  // The Pareto front needs one trade-off per run: the mean of the headline metrics over tasks.
  // Runs without timings have no x and are left out.
  PlotSeries mean_series{"mean over tasks", {}};
  for (const auto& r : report.runs) {
    double sum = 0;
    int n = 0;
    for (const auto& task : tasks) {
      const double y = task_primary(r, task);
      if (!std::isnan(y)) sum += y, ++n;
    }
    if (n && mean_total_ms(r) > 0) mean_series.points.push_back({mean_total_ms(r), sum / n, r.name});
  }
  std::vector<PlotSeries> lat_series{mean_series};
  out += scatter_svg("plot-accuracy-latency", "Accuracy vs latency (Pareto front marked)", "mean latency per sample (ms)",
                     "headline metric, mean over tasks", lat_series, true);
  std::vector<std::string> names;
  std::vector<std::vector<double>> stage_values;
  const std::vector<std::string> stages = stage_names(report.runs);
  for (const auto& r : report.runs) {
    names.push_back(r.name);
    std::vector<double> row;
    for (const auto& s : stages) row.push_back(mean_stage_ms(r, s));
    stage_values.push_back(row);
  }
  out += stacked_bars_svg("plot-latency-stages", "Latency breakdown per stage", "mean ms per sample", names, stages,
                          stage_values);
  std::vector<std::string> groups(tasks.begin(), tasks.end());
  std::vector<std::vector<double>> task_values;
  for (const auto& task : groups) {
    std::vector<double> row;
    for (const auto& r : report.runs) row.push_back(task_primary(r, task));
    task_values.push_back(row);
  }
  out += grouped_bars_svg("plot-tasks", "Headline metric per task", "headline metric", groups, names, task_values);
  return out + "</div>\n";
}

std::string samples_section(const Report& report) {
  std::string out = "<h2 id=\"samples\">Samples</h2>\n";
  for (const auto& r : report.runs) {
    for (const auto& [task, samples] : r.samples) {
      out += fmt::format("<details><summary>{} / {} (first {} of {})</summary>\n<table class=\"data\"><thead><tr>"
                         "<th>doc_id</th><th>target</th><th>response</th><th>filtered</th><th>scores</th><th>error</th>"
                         "</tr></thead><tbody>\n",
                         html_escape(r.name), html_escape(task), std::min(report.html_samples, samples.size()), samples.size());
      for (size_t i = 0; i < samples.size() && i < report.html_samples; ++i) {
        const auto& s = samples[i];
        std::string scores;
        for (const auto& [k, v] : s.scores) scores += fmt::format("{}={:.4g} ", k, v);
        out += fmt::format("<tr><td>{}</td><td>{}</td><td class=\"pred\">{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
                           html_escape(s.doc_id), html_escape(s.target), html_escape(s.response),
                           html_escape(s.filtered), html_escape(scores), html_escape(s.error));
      }
      out += "</tbody></table></details>\n";
    }
  }
  return out;
}

}  // namespace

std::string render_html(const Report& report) {
  std::string out =
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
      // No script may run and nothing may load: the page is data only.
      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">\n"
      "<title>slime-bench report</title>\n<style>\n"
      "body{font-family:sans-serif;margin:2em;max-width:1400px}table.data{border-collapse:collapse;margin:.5em 0}"
      "table.data th,table.data td{border:1px solid #ccc;padding:2px 6px;font-size:13px}"
      "td.num{text-align:right;font-variant-numeric:tabular-nums}td.pred{font-family:monospace}"
      "p.note{color:#555;font-size:12px}.plots svg{margin:.5em;border:1px solid #eee}\n"
      "</style></head><body>\n<h1>slime-bench report</h1>\n";
  out += "<p>Runs: ";
  for (size_t i = 0; i < report.runs.size(); ++i) {
    out += (i ? ", " : "") + std::string("<code>") + html_escape(report.runs[i].name) + "</code>";
  }
  out += fmt::format(". Baseline: <code>{}</code>.</p>\n", html_escape(report.baseline));
  if (!report.runs.empty()) out += plots(report);
  if (!report.training.empty())
    out += "<h2 id=\"training-curves\">Training curves</h2>\n<div class=\"plots\">\n" + training_loss_svg(report.training) +
           training_lr_svg(report.training) + "</div>\n";
  for (const auto& t : report.tables) out += html_table(t);
  out += samples_section(report);
  return out + "</body></html>\n";
}

}  // namespace slime::reports
