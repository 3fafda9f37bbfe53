// RealWorldQA (benchmarks.md §4.15, lmms-eval after #1274): letter GTs through
// extract_mcq_answer(A-D), other GTs by lower/strip/rstrip('.') equality.
#include <fmt/format.h>

#include "evaluators/benchmarks/benchmarks.h"
#include "evaluators/benchmarks/rule_versions.h"
#include "evaluators/primitives/mcq_extract.h"
#include "evaluators/primitives/pystr.h"

namespace slime::eval {

void score_realworldqa(const std::vector<data::Sample>& samples, const std::vector<Prediction>& predictions,
                       Profile, const ScoreOptions&, TaskScore& out) {
  out.rule_version = fmt::format("{} tasks/realworldqa (post-#1274)", rev::kLmms);
  const auto items = join_predictions(samples, predictions, out);
  std::vector<double> correct;
  for (const auto& it : items) {
    const std::string gt = py::strip(it.sample->answer);
    const std::string gt_upper = py::upper(gt);
    std::string filtered;
    bool ok;
    if (gt_upper == "A" || gt_upper == "B" || gt_upper == "C" || gt_upper == "D") {
      filtered = mcq_lmms_extract(*it.text, letters(4));
      ok = filtered == gt_upper;
    } else {
      filtered = py::rstrip_chars(py::strip(py::lower(*it.text)), ".");
      ok = filtered == py::lower(gt);
    }
    record_correct(out, it, filtered, ok, correct);
  }
  accuracy_metrics(items, correct, out);
}

}  // namespace slime::eval
