// ScienceQA-IMG (benchmarks.md §4.4): IMG-Accuracy, i.e. accuracy over the image questions.
#include <fmt/format.h>

#include "evaluators/benchmarks/benchmarks.h"
#include "evaluators/benchmarks/rule_versions.h"
#include "evaluators/primitives/mcq_extract.h"

namespace slime::eval {

void score_scienceqa_img(const std::vector<data::Sample>& samples, const std::vector<Prediction>& predictions,
                         Profile profile, const ScoreOptions&, TaskScore& out) {
  out.rule_version = profile == Profile::kLlavaOfficial
                         ? fmt::format("{} llava/eval/eval_science_qa.py (IMG-Accuracy)", rev::kLlava)
                         : fmt::format("{} tasks/scienceqa (strip/lower or 'X.')", rev::kLmms);
  const auto items = join_predictions(samples, predictions, out);
  std::vector<double> correct;
  for (const auto& it : items) {
    std::string filtered;
    bool ok;
    if (profile == Profile::kLlavaOfficial) {
      filtered = mcq_llava_scienceqa(*it.text, it.sample->options.size());
      ok = filtered == it.sample->answer;
    } else {
      filtered = *it.text;
      ok = mcq_lmms_scienceqa_correct(*it.text, it.sample->answer);
    }
    record_correct(out, it, filtered, ok, correct);
  }
  accuracy_metrics(items, correct, out);
  out.metrics["img_accuracy"] = out.metrics["accuracy"];
}

}  // namespace slime::eval
