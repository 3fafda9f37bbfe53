#include "ablations/eval/latency.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <string>

#include "engine/common/error.h"

namespace slime::suite {

double percentile(std::vector<double> values, double q) {
  if (values.empty()) throw_error(ErrorCode::kInvalidArgument, "percentile of an empty list");
  if (q < 0 || q > 100) throw_error(ErrorCode::kInvalidArgument, "percentile {} outside [0, 100]", q);
  std::sort(values.begin(), values.end());
  const double rank = q / 100.0 * static_cast<double>(values.size() - 1);
  const auto lo = static_cast<size_t>(std::floor(rank));
  const size_t hi = std::min(lo + 1, values.size() - 1);
  return values[lo] + (values[hi] - values[lo]) * (rank - static_cast<double>(lo));
}

nlohmann::json latency_summary(const std::vector<nlohmann::json>& records) {
  std::map<std::string, std::vector<double>> by_stage;
  for (const auto& r : records) {
    if (r.contains("error") || !r.contains("timing_ms") || !r["timing_ms"].is_object()) continue;
    double total = 0;
    for (const auto& [stage, ms] : r["timing_ms"].items()) {
      if (!ms.is_number()) continue;
      by_stage[stage].push_back(ms.get<double>());
      total += ms.get<double>();
    }
    by_stage["total"].push_back(total);
    if (r.contains("tokens_per_s") && r["tokens_per_s"].is_number()) by_stage["tokens_per_s"].push_back(r["tokens_per_s"]);
  }
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [stage, v] : by_stage) {
    double sum = 0;
    for (double x : v) sum += x;
    out[stage] = {{"p50", percentile(v, 50)}, {"p90", percentile(v, 90)}, {"p99", percentile(v, 99)},
                  {"mean", sum / static_cast<double>(v.size())}, {"n", v.size()}};
  }
  return out;
}

}  // namespace slime::suite
