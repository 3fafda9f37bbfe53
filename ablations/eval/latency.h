// Latency percentiles per stage over the samples of a run (results.json "latency").
#pragma once
#include <vector>

#include <nlohmann/json.hpp>

namespace slime::suite {

// The q-th percentile (0..100) of VALUES with linear interpolation between closest ranks
// (numpy.percentile's default), so reports computed in Python agree. kInvalidArgument when empty.
double percentile(std::vector<double> values, double q);

// RECORDS: sample-log lines. For every stage in their `timing_ms` (and `total`, their sum, and
// `tokens_per_s` where present): {p50, p90, p99, mean, n}. Records with an `error` are skipped.
nlohmann::json latency_summary(const std::vector<nlohmann::json>& records);

}  // namespace slime::suite
