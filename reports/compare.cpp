#include "reports/compare.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>

#include <fmt/format.h>

#include "engine/common/error.h"
#include "reports/history.h"
#include "reports/run_data.h"

namespace fs = std::filesystem;

namespace slime::reports {

bool is_quality_metric(const std::string& name) {
  if (name.rfind("n_", 0) == 0) return false;  // n_scored, ...: counts
  for (const char* bad : {"count", "groups", "ratio", "samples"}) {
    if (name.find(bad) != std::string::npos) return false;
  }
  for (const char* good : {"acc", "f1", "anls", "relaxed", "average", "perception", "cognition", "hallucination",
                           "score", "exact_match"}) {
    if (name.find(good) != std::string::npos) return true;
  }
  return false;
}

bool is_throughput_stage(const std::string& stage) { return stage.find("per_s") != std::string::npos; }

double points_scale(const std::string& name) { return name == "mean_f1" || name == "f1" ? 100.0 : 1.0; }

namespace {

double pct(double base, double value) { return base != 0 ? 100.0 * (value - base) / base : 0.0; }

}  // namespace

CompareResult compare_results(const nlohmann::json& base, const nlohmann::json& now, const CompareOptions& options) {
  CompareResult out;
  const auto& br = base.at("results");
  const nlohmann::json nr = now.contains("results") ? now["results"] : nlohmann::json::object();
  for (const auto& [task, metrics] : br.items()) {
    if (!metrics.is_object()) continue;
    for (const auto& [name, v] : metrics.items()) {
      if (!v.is_number()) continue;
      CompareRow row{"metric", task, name, v.get<double>(), std::nan(""), std::nan(""), std::nan(""), false, false};
      const bool present = nr.contains(task) && nr[task].is_object() && nr[task].contains(name) && nr[task][name].is_number();
      if (present) {
        row.value = nr[task][name].get<double>();
        row.delta = (row.value - row.base) * points_scale(name);
        row.delta_pct = pct(row.base, row.value);
      }
      if (options.max_accuracy_drop && is_quality_metric(name)) {
        row.gated = true;
        if (!present) {
          row.broken = true;
          out.failures.push_back(fmt::format("{} / {}: missing from the new run", task, name));
        } else if (-row.delta > *options.max_accuracy_drop) {
          row.broken = true;
          out.failures.push_back(fmt::format("{} / {}: dropped {:.3f} points ({:.4g} -> {:.4g}), more than {:.3g}", task,
                                             name, -row.delta, row.base, row.value, *options.max_accuracy_drop));
        }
      }
      out.rows.push_back(row);
    }
  }
  if (base.contains("latency") && base["latency"].is_object() && now.contains("latency") && now["latency"].is_object()) {
    for (const auto& [stage, p] : base["latency"].items()) {
      if (!p.is_object() || !now["latency"].contains(stage) || !now["latency"][stage].is_object()) continue;
      const auto& q = now["latency"][stage];
      for (const char* k : {"p50", "p90", "p99"}) {
        if (!p.contains(k) || !q.contains(k) || !p[k].is_number() || !q[k].is_number()) continue;
        const double b = p[k].get<double>(), v = q[k].get<double>();
        CompareRow row{"latency", stage, k, b, v, v - b, pct(b, v), false, false};
        const bool throughput = is_throughput_stage(stage);
        if (options.max_latency_increase_pct && std::string(k) != "p99" && (throughput ? b > 0 : b >= kLatencyGateFloorMs)) {
          row.gated = true;
          // Slower means more ms, or fewer tokens per second: -P % of throughput is +P/(1-P) of time,
          // and gating the throughput drop at P % is the stricter, simpler reading.
          const double worse_pct = throughput ? -row.delta_pct : row.delta_pct;
          if (worse_pct > *options.max_latency_increase_pct) {
            row.broken = true;
            out.failures.push_back(fmt::format("latency {} {}: {:+.1f}% ({:.4g} -> {:.4g}{}), more than {:.3g}% slower", stage,
                                               k, row.delta_pct, b, v, throughput ? "" : " ms",
                                               *options.max_latency_increase_pct));
          }
        }
        out.rows.push_back(row);
      }
    }
  }
  return out;
}

Table compare_table(const CompareResult& result, const std::string& base_label, const std::string& new_label) {
  Table t{"compare", fmt::format("{} -> {}", base_label, new_label),
          {"Kind", "Task / stage", "Metric", "Base", "New", "Delta", "Delta %", "Gate"}, {},
          "Metric deltas in points (0-1 F1 scaled by 100); latency in ms."};
  for (const auto& r : result.rows) {
    t.rows.push_back({text_cell(r.kind), text_cell(r.group), text_cell(r.name), number_cell(r.base, 3),
                      number_cell(r.value, 3), number_cell(r.delta, 3, true), number_cell(r.delta_pct, 1, true),
                      text_cell(r.broken ? "FAIL" : r.gated ? "ok" : "")});
  }
  return t;
}

double parse_percent(const std::string& text) {
  std::string s;
  for (char c : text) {
    if (!std::isspace(static_cast<unsigned char>(c))) s += c;
  }
  if (!s.empty() && s.back() == '%') s.pop_back();
  size_t used = 0;
  double v = 0;
  try {
    v = std::stod(s, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (s.empty() || used != s.size() || !std::isfinite(v)) {
    throw_error(ErrorCode::kInvalidArgument, "'{}': expected a percentage like 10% or 10", text);
  }
  return v;
}

nlohmann::json resolve_results(const std::string& ref, const std::string& db, std::string* label) {
  const bool digits = !ref.empty() && std::all_of(ref.begin(), ref.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); });
  if (is_run_dir(ref) || !digits) {
    RunData run = load_run(ref);
    if (label) *label = run.name;
    return run.results;
  }
  HistoryEntry e = load_history_run(db, std::stoll(ref));
  if (label) *label = fmt::format("#{} {}", e.id, e.name);
  return e.results;
}

}  // namespace slime::reports
