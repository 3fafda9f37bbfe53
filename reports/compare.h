// The regression gate behind `slime compare BASE NEW`: metric and latency differences between two
// runs, and whether a threshold is broken (accuracy drop in points, latency increase in percent).
#pragma once
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "reports/table.h"

namespace slime::reports {

// Latency stages whose base percentile is below this are shown but not gated: at sub-millisecond
// scale a percent change measures timer and scheduler noise, not the code.
constexpr double kLatencyGateFloorMs = 1.0;

struct CompareOptions {
  std::optional<double> max_accuracy_drop;         // points (percent metrics), e.g. 1.0
  std::optional<double> max_latency_increase_pct;  // percent, e.g. 10.0
};

struct CompareRow {
  std::string kind;    // "metric" or "latency"
  std::string group;   // task or stage
  std::string name;    // metric name or percentile (p50, p90, p99)
  double base = 0, value = 0;
  double delta = 0;      // value - base, in points for metrics (see is_quality_metric), ms for latency
  double delta_pct = 0;  // 100 (value - base) / base; 0 when base is 0
  bool gated = false;    // a threshold applies to this row
  bool broken = false;
};

struct CompareResult {
  std::vector<CompareRow> rows;
  std::vector<std::string> failures;  // one line per broken threshold
  bool failed() const { return !failures.empty(); }
};

// Whether a results.json metric is a "higher is better" quality score the accuracy gate applies
// to (accuracy, F1, ANLS, MME sums ...); counts and ratios like gt_yes_ratio are not.
bool is_quality_metric(const std::string& name);
// Latency entries that are rates (tokens_per_s): higher is better, so the gate applies to a drop.
bool is_throughput_stage(const std::string& stage);
// Factor bringing a metric to points: 100 for 0-1 F1 metrics (POPE's mean_f1), else 1.
double points_scale(const std::string& name);

// BASE/NEW: results.json objects. Gated metrics: top-level numeric quality metrics of every task
// in BASE (a task or metric missing from NEW breaks the accuracy gate). Gated latency: p50 and p90
// of every stage in both (p99 is shown only: on shared machines it is too noisy to gate); for a
// throughput entry (tokens_per_s) a drop of more than the percentage fails.
CompareResult compare_results(const nlohmann::json& base, const nlohmann::json& now, const CompareOptions& options);

Table compare_table(const CompareResult& result, const std::string& base_label, const std::string& new_label);

// "10%", "10 %" or "10" -> 10. Throws kInvalidArgument otherwise.
double parse_percent(const std::string& text);

// REF is a run directory (its results.json) or, when it is all digits and no such directory
// exists, a run id in the history database DB. LABEL receives a printable name.
nlohmann::json resolve_results(const std::string& ref, const std::string& db, std::string* label);

}  // namespace slime::reports
