// MMStar (benchmarks.md §4.9). lmms-eval: extract_mcq_answer over A-D and a MACRO average (each
// core category = mean of its l2 means; "average" = mean of all l2 means). VLMEvalKit: can_infer
// (options parsed by the adapter into Sample::options) and micro accuracy.
#include <map>

#include <fmt/format.h>

#include "evaluators/benchmarks/benchmarks.h"
#include "evaluators/benchmarks/rule_versions.h"
#include "evaluators/primitives/mcq_extract.h"
#include "evaluators/primitives/pystr.h"

namespace slime::eval {

void score_mmstar(const std::vector<data::Sample>& samples, const std::vector<Prediction>& predictions,
                  Profile profile, const ScoreOptions&, TaskScore& out) {
  out.rule_version = profile == Profile::kLmmsEval
                         ? fmt::format("{} tasks/mmstar (extract_mcq_answer A-D, post-#1274), macro", rev::kLmms)
                         : fmt::format("{} can_infer, exact_matching, micro", rev::kVlm);
  const auto items = join_predictions(samples, predictions, out);
  std::vector<double> correct;
  std::map<std::string, std::map<std::string, std::vector<double>>> cat_l2;
  for (const auto& it : items) {
    const data::Sample& s = *it.sample;
    const std::string letter = profile == Profile::kLmmsEval ? mcq_lmms_extract(*it.text, letters(4))
                                                             : mcq_vlmevalkit_can_infer(*it.text, s.options);
    // lmms-eval compares with gt.strip().upper(); VLMEvalKit with the answer column as is.
    const std::string gt = profile == Profile::kLmmsEval ? py::upper(py::strip(s.answer)) : s.answer;
    const double ok = !letter.empty() && letter == gt ? 1.0 : 0.0;
    out.per_sample[it.index]["filtered"] = letter;
    out.per_sample[it.index]["correct"] = ok;
    correct.push_back(ok);
    cat_l2[s.category][meta_string_or(s, "l2_category", meta_string_or(s, "l2-category", ""))].push_back(ok);
  }
  if (profile == Profile::kVlmEvalKit) {
    accuracy_metrics(items, correct, out);
    return;
  }
  std::vector<double> all_l2;
  nlohmann::json cats = nlohmann::json::object();
  for (const auto& [cat, l2s] : cat_l2) {
    std::vector<double> means;
    for (const auto& [l2, v] : l2s) {
      means.push_back(mean(v));
      all_l2.push_back(mean(v));
    }
    cats[cat] = 100.0 * mean(means);
  }
  out.metrics["by_category"] = cats;
  out.metrics["average"] = 100.0 * mean(all_l2);
  out.metrics["micro_accuracy"] = 100.0 * mean(correct);
}

}  // namespace slime::eval
