// DocVQA val (benchmarks.md §4.14): ANLS x 100; identical in lmms-eval and VLMEvalKit.
#include <fmt/format.h>

#include "evaluators/benchmarks/benchmarks.h"
#include "evaluators/benchmarks/rule_versions.h"
#include "evaluators/primitives/anls.h"

namespace slime::eval {

void score_docvqa(const std::vector<data::Sample>& samples, const std::vector<Prediction>& predictions,
                  Profile profile, const ScoreOptions&, TaskScore& out) {
  out.rule_version = profile == Profile::kLmmsEval ? fmt::format("{} api/metrics.py::anls", rev::kLmms)
                                                   : fmt::format("{} vqa_eval.anls_compute", rev::kVlm);
  const auto items = join_predictions(samples, predictions, out);
  std::vector<double> scores;
  for (const auto& it : items) {
    const double s = anls_score(reference_answers(*it.sample), *it.text);
    out.per_sample[it.index]["filtered"] = *it.text;
    out.per_sample[it.index]["anls"] = s;
    scores.push_back(s);
  }
  out.metrics["anls"] = 100.0 * mean(scores);
}

}  // namespace slime::eval
