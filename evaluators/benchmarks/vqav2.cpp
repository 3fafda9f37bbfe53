// VQAv2 (benchmarks.md §4.7): local val scoring and the test-dev submission file.
#include <fmt/format.h>

#include <unordered_map>

#include "engine/common/error.h"
#include "evaluators/benchmarks/benchmarks.h"
#include "evaluators/benchmarks/rule_versions.h"
#include "evaluators/primitives/pystr.h"
#include "evaluators/primitives/vqa_accuracy.h"
#include "evaluators/primitives/vqa_normalize.h"

namespace slime::eval {

void score_vqav2_val(const std::vector<data::Sample>& samples, const std::vector<Prediction>& predictions,
                     Profile profile, const ScoreOptions&, TaskScore& out) {
  out.rule_version =
      profile == Profile::kLlavaOfficial
          ? fmt::format("{} upload normalisation (norm A) scored by {} vqaEval.py (conditional norm B)", rev::kLlava, rev::kVqa)
      : profile == Profile::kLmmsEval ? fmt::format("{} tasks/vqav2 (A regexes, always, both sides)", rev::kLmms)
                                      : fmt::format("{} vqa_eval.process_answer (norm C)", rev::kVlm);
  const auto items = join_predictions(samples, predictions, out);
  std::vector<double> scores;
  for (const auto& it : items) {
    const auto& gts_raw = it.sample->answers;
    double acc;
    std::string filtered;
    if (profile == Profile::kLlavaOfficial) {
      acc = vqa_official_accuracy(vqa_normalize(*it.text, VqaNorm::kEvalAI), gts_raw, &filtered);
    } else {
      const VqaNorm norm = profile == Profile::kLmmsEval ? VqaNorm::kLmmsVqav2 : VqaNorm::kVlmEvalKit;
      std::vector<std::string> gts;
      for (const auto& g : gts_raw) gts.push_back(vqa_normalize(g, norm));
      filtered = vqa_normalize(*it.text, norm);
      acc = vqa_soft_accuracy(filtered, gts);
    }
    out.per_sample[it.index]["filtered"] = filtered;
    out.per_sample[it.index]["accuracy"] = acc;
    scores.push_back(acc);
  }
  out.metrics["accuracy"] = 100.0 * mean(scores);
  if (profile == Profile::kLlavaOfficial) {
    // The official tool reports round(100 * mean, 2).
    out.metrics["accuracy_official_rounded"] = py::round_to(100.0 * mean(scores), 2);
  }
}

nlohmann::json vqav2_submission(const std::vector<data::Sample>& samples, const std::vector<Prediction>& predictions) {
  std::unordered_map<std::string, const std::string*> by_id;
  for (const auto& p : predictions) by_id[p.id] = &p.text;
  nlohmann::json out = nlohmann::json::array();
  for (const auto& s : samples) {
    const auto qid = py::to_int(s.id);
    if (!qid) throw_error(ErrorCode::kFormat, "vqav2 sample row {}: question_id '{}' is not an integer", s.row, s.id);
    auto it = by_id.find(s.id);
    const std::string answer = (it == by_id.end() || !s.error.empty()) ? "" : vqa_normalize(*it->second, VqaNorm::kEvalAI);
    out.push_back({{"question_id", *qid}, {"answer", answer}});
  }
  return out;
}

}  // namespace slime::eval
