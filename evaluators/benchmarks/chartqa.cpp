// ChartQA test (benchmarks.md §4.13): relaxed accuracy, max over the GT list, on the stripped
// prediction; overall and per source split (human / augmented, from meta "type" or category).
#include <map>

#include <fmt/format.h>

#include "evaluators/benchmarks/benchmarks.h"
#include "evaluators/benchmarks/rule_versions.h"
#include "evaluators/primitives/pystr.h"
#include "evaluators/primitives/relaxed_accuracy.h"

namespace slime::eval {

void score_chartqa(const std::vector<data::Sample>& samples, const std::vector<Prediction>& predictions,
                   Profile profile, const ScoreOptions&, TaskScore& out) {
  out.rule_version = profile == Profile::kLlavaOfficial
                         ? fmt::format("{} llava/eval/model_vqa_chartqa.py relaxed accuracy", rev::kSlime)
                     : profile == Profile::kLmmsEval ? fmt::format("{} tasks/chartqa relaxed_correctness", rev::kLmms)
                                                     : fmt::format("{} relaxed_correctness, max over GT", rev::kVlm);
  const auto items = join_predictions(samples, predictions, out);
  std::vector<double> all;
  std::map<std::string, std::vector<double>> by_type;
  for (const auto& it : items) {
    // SliME/VLMEvalKit strip the prediction and take the max over the GT list; lmms-eval scores
    // the single doc["answer"] against the generation its Task already stripped.
    const std::string pred = py::strip(*it.text);
    const double s = profile == Profile::kLmmsEval ? (relaxed_correctness(it.sample->answer, pred) ? 1.0 : 0.0)
                                                   : relaxed_accuracy(reference_answers(*it.sample), pred);
    out.per_sample[it.index]["filtered"] = pred;
    out.per_sample[it.index]["relaxed_accuracy"] = s;
    all.push_back(s);
    const std::string type = meta_string_or(*it.sample, "type", it.sample->category);
    if (!type.empty()) by_type[type].push_back(s);
  }
  out.metrics["relaxed_overall"] = 100.0 * mean(all);
  for (const auto& [type, v] : by_type) {
    // lmms-eval: type == "human_test" is human, everything else augmented.
    const std::string key = type == "human_test" || type == "human" ? "relaxed_human_split" : "relaxed_augmented_split";
    out.metrics[key] = 100.0 * mean(v);
  }
}

}  // namespace slime::eval
