// MMBench dev EN/CN (benchmarks.md §4.2, §3.9): rule extraction per copy, vanilla accuracy
// (copy 0, index < 1e6) and CircularEval (a group of rotated copies, g_index = index % 1e6,
// scores 1 only if every copy is right). Without a judge, unresolved copies count wrong, as
// VLMEvalKit's exact_matching policy does.
#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "engine/common/error.h"
#include "evaluators/benchmarks/benchmarks.h"
#include "evaluators/benchmarks/rule_versions.h"
#include "evaluators/judge/choice_extractor.h"
#include "evaluators/primitives/mcq_extract.h"
#include "evaluators/primitives/pystr.h"

namespace slime::eval {

// Copy k of question i has index i + k * 1e6 in the circular TSVs.
constexpr long long kCircularStride = 1000000;

void score_mmbench(const std::vector<data::Sample>& samples, const std::vector<Prediction>& predictions,
                   Profile profile, const ScoreOptions& options, TaskScore& out) {
  out.rule_version = profile == Profile::kVlmEvalKit
                         ? fmt::format("{} can_infer (last-5-token rule of PR #1175), exact_matching (no LLM)", rev::kVlm)
                         : fmt::format("{} mmbench_evals can_infer, then extract_mcq_answer (eval_method=static)", rev::kLmms);
  // Optional judge (VLMEvalKit profile): the LLM choice extractor for copies can_infer leaves open.
  const bool use_judge = profile == Profile::kVlmEvalKit && options.judge != nullptr;
  if (use_judge) {
    out.rule_version = fmt::format("{} can_infer (last-5-token rule of PR #1175), LLM choice extractor (judge {})",
                                   rev::kVlm, options.judge->model_id());
  }
  int64_t judge_items = 0, judge_fallbacks = 0, judge_cached = 0;
  const auto items = join_predictions(samples, predictions, out);
  struct Group {
    bool has_main = false;  // upstream iterates the copy-0 rows: a group without one is not scored
    bool all_right = true;
    std::string category, l2;
  };
  std::map<long long, Group> groups;
  std::vector<double> vanilla;
  std::map<std::string, std::vector<double>> vanilla_by_cat;
  for (const auto& it : items) {
    const data::Sample& s = *it.sample;
    const auto index = py::to_int(s.id);
    if (!index) throw_error(ErrorCode::kFormat, "{} sample row {}: index '{}' is not an integer", s.task, s.row, s.id);
    std::string letter;
    if (profile == Profile::kVlmEvalKit) {
      letter = mcq_vlmevalkit_can_infer(*it.text, s.options);
      if (letter.empty() && use_judge) {
        const auto x = judge::extract_choice_with_judge(*options.judge, s, *it.text, out.rule_version);
        letter = x.letter;
        ++judge_items;
        judge_fallbacks += x.fallback ? 1 : 0;
        judge_cached += x.cached;
        out.per_sample[it.index]["judge_answers"] = x.judge_answers;
        out.per_sample[it.index]["judge_model"] = x.model;
        out.per_sample[it.index]["prompt_sha256"] = x.prompt_sha256;
        out.per_sample[it.index]["judge_fallback"] = x.fallback;
      }
    } else {
      // eval_sub_data(static_only): the prefetch (can_infer) first, extract_mcq_answer over the
      // copy's sorted option letters only where the prefetch found nothing.
      letter = mcq_lmms_mmbench_can_infer(*it.text, s.options);
      if (letter.empty()) {
        std::vector<std::string> choice_letters;
        for (const auto& o : s.options) choice_letters.push_back(o.letter);
        std::sort(choice_letters.begin(), choice_letters.end());
        letter = mcq_lmms_extract(*it.text, choice_letters);
      }
    }
    const bool right = !letter.empty() && letter == s.answer;
    out.per_sample[it.index]["filtered"] = letter;
    out.per_sample[it.index]["correct"] = right ? 1.0 : 0.0;
    Group& g = groups[*index % kCircularStride];
    g.all_right = g.all_right && right;
    g.category = s.category;
    g.l2 = meta_string_or(s, "l2-category", meta_string_or(s, "L2-category", ""));
    if (*index < kCircularStride) {
      g.has_main = true;
      vanilla.push_back(right ? 1.0 : 0.0);
      vanilla_by_cat[s.category].push_back(right ? 1.0 : 0.0);
    }
  }
  std::vector<double> circ;
  std::map<std::string, std::vector<double>> circ_cat, circ_l2;
  for (const auto& [gi, g] : groups) {
    if (!g.has_main) continue;
    const double v = g.all_right ? 1.0 : 0.0;
    circ.push_back(v);
    circ_cat[g.category].push_back(v);
    if (!g.l2.empty()) circ_l2[g.l2].push_back(v);
  }
  out.metrics["circular_accuracy"] = 100.0 * mean(circ);
  out.metrics["circular_groups"] = circ.size();
  out.metrics["vanilla_accuracy"] = 100.0 * mean(vanilla);
  nlohmann::json cat = nlohmann::json::object(), l2 = nlohmann::json::object();
  for (const auto& [k, v] : circ_cat) cat[k] = 100.0 * mean(v);
  for (const auto& [k, v] : circ_l2) l2[k] = 100.0 * mean(v);
  out.metrics["circular_by_category"] = cat;
  out.metrics["circular_by_l2_category"] = l2;
  if (use_judge) {
    out.metrics["judge"] = {{"model", options.judge->model_id()}, {"runs", 1},
                            {"extracted_items", judge_items}, {"seeded_fallbacks", judge_fallbacks},
                            {"cached_requests", judge_cached}};
  }
}

}  // namespace slime::eval
