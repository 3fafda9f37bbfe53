// ANLS (benchmarks.md §3.3; lmms-eval api/metrics.py::anls, VLMEvalKit anls_compute).
#pragma once
#include <string>
#include <vector>

namespace slime::eval {

// Normalised Levenshtein distance of one GT: Levenshtein on whitespace-collapsed lower-cased
// strings, divided by max(len(gt.upper()), len(pred.upper())) of the RAW strings.
double anls_distance(const std::string& gt, const std::string& pred);
// 1 - min over GTs of the distance, zeroed below the 0.5 threshold.
double anls_score(const std::vector<std::string>& gts, const std::string& pred);

}  // namespace slime::eval
