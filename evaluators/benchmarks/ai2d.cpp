// AI2D test (benchmarks.md §4.12): letter accuracy.
#include <fmt/format.h>

#include "evaluators/benchmarks/benchmarks.h"
#include "evaluators/benchmarks/rule_versions.h"
#include "evaluators/primitives/exact_match.h"
#include "evaluators/primitives/mcq_extract.h"

namespace slime::eval {

void score_ai2d(const std::vector<data::Sample>& samples, const std::vector<Prediction>& predictions, Profile profile,
                const ScoreOptions&, TaskScore& out) {
  out.rule_version = profile == Profile::kLmmsEval
                         ? fmt::format("{} tasks/ai2d MultiChoiceRegexFilter + exact_match(ignore case, punctuation)", rev::kLmms)
                         : fmt::format("{} can_infer, exact_matching", rev::kVlm);
  const auto items = join_predictions(samples, predictions, out);
  std::vector<double> correct;
  for (const auto& it : items) {
    std::string filtered;
    bool ok;
    if (profile == Profile::kLmmsEval) {
      filtered = mcq_lmms_ai2d_filter(*it.text);
      ok = exact_match(filtered, it.sample->answer, ExactMatchOptions{true, true, false});
    } else {
      filtered = mcq_vlmevalkit_can_infer(*it.text, it.sample->options);
      ok = !filtered.empty() && filtered == it.sample->answer;
    }
    record_correct(out, it, filtered, ok, correct);
  }
  accuracy_metrics(items, correct, out);
}

}  // namespace slime::eval
