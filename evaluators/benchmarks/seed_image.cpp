// SEED-Bench image dimensions (benchmarks.md §4.3): letter accuracy, overall and per question type.
#include <fmt/format.h>

#include "evaluators/benchmarks/benchmarks.h"
#include "evaluators/benchmarks/rule_versions.h"
#include "evaluators/primitives/mcq_extract.h"
#include "evaluators/primitives/pystr.h"

namespace slime::eval {

void score_seed_image(const std::vector<data::Sample>& samples, const std::vector<Prediction>& predictions,
                      Profile profile, const ScoreOptions&, TaskScore& out) {
  out.rule_version = profile == Profile::kLlavaOfficial
                         ? fmt::format("{} scripts/convert_seed_for_submission.py (raw text == answer)", rev::kLlava)
                     : profile == Profile::kLmmsEval ? fmt::format("{} tasks/seedbench (first character)", rev::kLmms)
                                                     : fmt::format("{} can_infer, exact_matching", rev::kVlm);
  const auto items = join_predictions(samples, predictions, out);
  std::vector<double> correct;
  for (const auto& it : items) {
    std::string filtered;
    bool ok;
    if (profile == Profile::kLlavaOfficial) {
      filtered = *it.text;
      ok = filtered == it.sample->answer;
    } else if (profile == Profile::kLmmsEval) {
      filtered = mcq_lmms_seed(*it.text);
      ok = py::strip(py::lower(filtered)) == py::strip(py::lower(it.sample->answer));
    } else {
      filtered = mcq_vlmevalkit_can_infer(*it.text, it.sample->options);
      ok = !filtered.empty() && filtered == it.sample->answer;
    }
    record_correct(out, it, filtered, ok, correct);
  }
  accuracy_metrics(items, correct, out);
}

}  // namespace slime::eval
