// hires-detail, the project's own high-resolution benchmark (datasets/hires_detail). No upstream
// rule exists; ours, versioned as kRule: multiple-choice items take the letter found by
// lmms-eval's extract_mcq_answer over the item's letters; short-answer items compare the
// A-normalised prediction (lower case, punctuation, number words, articles) with the
// A-normalised answer. Accuracy overall and per item type (count, colour, text, position).
#include <fmt/format.h>

#include "evaluators/benchmarks/benchmarks.h"
#include "evaluators/primitives/mcq_extract.h"
#include "evaluators/primitives/vqa_normalize.h"

namespace slime::eval {

constexpr const char* kRule = "slime-bench hires_detail v1 (MC: extract_mcq_answer; short: VQA norm A exact)";

void score_hires_detail(const std::vector<data::Sample>& samples, const std::vector<Prediction>& predictions,
                        Profile, const ScoreOptions&, TaskScore& out) {
  out.rule_version = kRule;
  const auto items = join_predictions(samples, predictions, out);
  std::vector<double> correct;
  for (const auto& it : items) {
    const data::Sample& s = *it.sample;
    std::string filtered;
    bool ok;
    if (!s.options.empty()) {
      std::vector<std::string> choice_letters;
      for (const auto& o : s.options) choice_letters.push_back(o.letter);
      filtered = mcq_lmms_extract(*it.text, choice_letters);
      ok = !filtered.empty() && filtered == s.answer;
    } else {
      filtered = vqa_normalize(*it.text, VqaNorm::kEvalAI);
      ok = filtered == vqa_normalize(s.answer, VqaNorm::kEvalAI);
    }
    record_correct(out, it, filtered, ok, correct);
  }
  accuracy_metrics(items, correct, out);
}

}  // namespace slime::eval
