#include "evaluators/primitives/relaxed_accuracy.h"

#include <cmath>
#include <optional>

#include "evaluators/primitives/pystr.h"

namespace slime::eval {

// pix2struct's max_relative_change.
constexpr double kMaxRelativeChange = 0.05;

static std::optional<double> to_float_pct(const std::string& t) {
  if (!t.empty() && t.back() == '%') {
    auto v = py::to_float(py::rstrip_chars(t, "%"));
    if (!v) return std::nullopt;
    return *v / 100.0;
  }
  return py::to_float(t);
}

bool relaxed_correctness(const std::string& target, const std::string& prediction) {
  const auto p = to_float_pct(prediction);
  const auto t = to_float_pct(target);
  // `if prediction_float is not None and target_float:` -- NaN is truthy, 0.0 is not.
  if (p && t && *t != 0.0) {
    const double change = std::fabs(*p - *t) / std::fabs(*t);
    return change <= kMaxRelativeChange;
  }
  return py::lower(prediction) == py::lower(target);
}

double relaxed_accuracy(const std::vector<std::string>& targets, const std::string& prediction) {
  double best = 0.0;
  for (const auto& t : targets) best = std::max(best, relaxed_correctness(t, prediction) ? 1.0 : 0.0);
  return best;
}

}  // namespace slime::eval
