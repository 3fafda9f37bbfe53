// GQA testdev-balanced (benchmarks.md §4.6): exact-match accuracy after the profile's clean-up.
#include <fmt/format.h>

#include "evaluators/benchmarks/benchmarks.h"
#include "evaluators/benchmarks/rule_versions.h"
#include "evaluators/primitives/exact_match.h"
#include "evaluators/primitives/pystr.h"

namespace slime::eval {

void score_gqa(const std::vector<data::Sample>& samples, const std::vector<Prediction>& predictions, Profile profile,
               const ScoreOptions&, TaskScore& out) {
  out.rule_version = profile == Profile::kLlavaOfficial
                         ? fmt::format("{} convert_gqa_for_eval.py rstrip('.').lower() + GQA eval.py exact", rev::kLlava)
                         : fmt::format("{} exact_match ignore_case+ignore_punctuation", rev::kLmms);
  const auto items = join_predictions(samples, predictions, out);
  std::vector<double> correct;
  for (const auto& it : items) {
    std::string filtered;
    bool ok;
    if (profile == Profile::kLlavaOfficial) {
      filtered = py::lower(py::rstrip_chars(*it.text, "."));
      ok = filtered == it.sample->answer;
    } else {
      const ExactMatchOptions o{true, true, false};
      filtered = exact_match_normalize(*it.text, o);
      ok = filtered == exact_match_normalize(it.sample->answer, o);
    }
    record_correct(out, it, filtered, ok, correct);
  }
  accuracy_metrics(items, correct, out);
}

}  // namespace slime::eval
