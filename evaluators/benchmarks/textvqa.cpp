// TextVQA val (benchmarks.md §4.5), with or without OCR tokens in the prompt (the task name
// records which; scoring is identical): VQA soft accuracy x 100.
#include <fmt/format.h>

#include "evaluators/benchmarks/benchmarks.h"
#include "evaluators/benchmarks/rule_versions.h"
#include "evaluators/primitives/vqa_accuracy.h"
#include "evaluators/primitives/vqa_normalize.h"

namespace slime::eval {

// LLaVA's TextVQAAccuracyEvaluator asserts exactly ten reference answers.
constexpr size_t kTextVqaAnswers = 10;

void score_textvqa(const std::vector<data::Sample>& samples, const std::vector<Prediction>& predictions,
                   Profile profile, const ScoreOptions&, TaskScore& out) {
  const VqaNorm norm = profile == Profile::kVlmEvalKit ? VqaNorm::kVlmEvalKit : VqaNorm::kEvalAI;
  out.rule_version = profile == Profile::kLlavaOfficial
                         ? fmt::format("{} eval_textvqa.py + m4c_evaluator EvalAIAnswerProcessor (norm A)", rev::kLlava)
                     : profile == Profile::kLmmsEval
                         ? fmt::format("{} tasks/textvqa (EvalAIAnswerProcessor on both sides, norm A)", rev::kLmms)
                         : fmt::format("{} vqa_eval.process_answer (norm C), mean of per-GT matches", rev::kVlm);
  const auto items = join_predictions(samples, predictions, out);
  std::vector<double> scores;
  for (const auto& it : items) {
    const data::Sample& s = *it.sample;
    if (profile == Profile::kLlavaOfficial && s.answers.size() != kTextVqaAnswers) {
      out.per_sample[it.index]["error"] = fmt::format("answer_count: {} reference answers, LLaVA requires 10", s.answers.size());
      ++out.counts.errors["answer_count"];
      --out.counts.scored;
      continue;
    }
    std::vector<std::string> gts;
    for (const auto& a : s.answers) gts.push_back(vqa_normalize(a, norm));
    const std::string pred = vqa_normalize(*it.text, norm);
    const double acc = vqa_soft_accuracy(pred, gts);
    out.per_sample[it.index]["filtered"] = pred;
    out.per_sample[it.index]["accuracy"] = acc;
    scores.push_back(acc);
  }
  out.metrics["accuracy"] = 100.0 * mean(scores);
}

}  // namespace slime::eval
