#include "evaluators/primitives/anls.h"

#include <algorithm>

#include "evaluators/primitives/pystr.h"

namespace slime::eval {

// ANLS threshold of the DocVQA protocol: scores below it count as 0.
constexpr double kAnlsThreshold = 0.5;

double anls_distance(const std::string& gt, const std::string& pred) {
  const std::string g = py::join(py::split_ws(py::lower(py::strip(gt))), " ");
  const std::string p = py::join(py::split_ws(py::lower(py::strip(pred))), " ");
  const size_t d = py::levenshtein(g, p);
  const size_t length = std::max(py::len(py::upper(gt)), py::len(py::upper(pred)));
  return length == 0 ? 0.0 : static_cast<double>(d) / static_cast<double>(length);
}

double anls_score(const std::vector<std::string>& gts, const std::string& pred) {
  if (gts.empty()) return 0.0;
  double best = 1e300;
  for (const auto& g : gts) best = std::min(best, anls_distance(g, pred));
  const double s = 1.0 - best;
  return s < kAnlsThreshold ? 0.0 : s;
}

}  // namespace slime::eval
