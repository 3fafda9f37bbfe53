// MM-Vet and LLaVA-Bench (benchmarks.md §4.11, §4.19) are scored only by a GPT judge. Without one
// the task is reported as not computed; no rule-based number is ever substituted. With one, the
// graders of evaluators/judge/ reproduce the upstream requests and this file the upstream
// aggregation; every result records the judge model, the prompt hashes and the number of runs.
#include <map>
#include <set>

#include <fmt/format.h>

#include "engine/common/error.h"
#include "evaluators/benchmarks/benchmarks.h"
#include "evaluators/judge/chat_judge.h"
#include "evaluators/judge/llava_bench_review.h"
#include "evaluators/judge/mmvet_grader.h"
#include "evaluators/judge/openai_judge.h"
#include "evaluators/primitives/pystr.h"

namespace slime::eval {
namespace {

// One grading pass per sample. Upstream MM-Vet can average several runs (--num_run, 1 for the
// LLaVA eval.zip "1runs" files); with the response cache a second run would replay the first.
constexpr int kRuns = 1;

nlohmann::json judge_identity(Judge& judge, const std::set<std::string>& responded, int64_t requests, int64_t cached) {
  nlohmann::json j = {{"model", judge.model_id()}, {"responded_models", responded}, {"runs", kRuns},
                      {"requests", requests},      {"cached_requests", cached}};
  if (auto* oa = dynamic_cast<judge::OpenAIJudge*>(&judge)) j["endpoint"] = oa->endpoint();
  return j;
}

// MM-Vet capabilities of a sample: meta "capability" (mm-vet.json list), else the comma-separated
// category (VLMEvalKit TSV style).
std::vector<std::string> capabilities(const data::Sample& s) {
  std::vector<std::string> caps;
  auto it = s.meta.find("capability");
  if (it != s.meta.end() && it->is_array()) {
    for (const auto& c : *it) caps.push_back(c.get<std::string>());
  } else {
    for (const auto& c : py::split_on(s.category, ",")) {
      if (!py::strip(c).empty()) caps.push_back(py::strip(c));
    }
  }
  return caps;
}

// mm-vet_evaluator.py export_result with one run: per capability sum(score)/count*100 over the
// samples having it, total = sum/n*100, and the same per exact capability set. Upstream names a set
// "_".join(list(set(caps))), whose order depends on Python's string hashing; we join sorted names.
void score_mmvet(const std::vector<Scorable>& items, Judge& judge, TaskScore& out) {
  std::map<std::string, double> cap_sum, combo_sum;
  std::map<std::string, int64_t> cap_n, combo_n;
  double total = 0.0;
  std::set<std::string> responded;
  int64_t requests = 0, cached = 0;
  for (const auto& it : items) {
    const data::Sample& s = *it.sample;
    const judge::MmvetGrade g = judge::mmvet_grade(judge, s.question, s.answer, *it.text);
    std::set<std::string> caps;
    for (const auto& c : capabilities(s)) caps.insert(c);
    for (const auto& c : caps) {
      cap_sum[c] += g.score;
      cap_n[c] += 1;
    }
    const std::string combo = py::join(std::vector<std::string>(caps.begin(), caps.end()), "_");
    combo_sum[combo] += g.score;
    combo_n[combo] += 1;
    total += g.score;
    responded.insert(g.model);
    requests += g.requests;
    cached += g.cached;
    auto& e = out.per_sample[it.index];
    e["score"] = g.score;
    e["capability"] = caps;
    e["judge_content"] = g.content;
    e["judge_model"] = g.model;
    e["judge_requests"] = g.requests;
    e["judge_cached"] = g.cached;
    e["prompt_sha256"] = g.prompt_sha256;
  }
  const double n = static_cast<double>(items.size());
  out.metrics["total"] = items.empty() ? 0.0 : total / n * 100.0;
  for (const auto& [c, v] : cap_sum) out.metrics["capabilities"][c] = v / static_cast<double>(cap_n[c]) * 100.0;
  for (const auto& [c, v] : combo_sum) {
    out.metrics["capability_integration"][c] = v / static_cast<double>(combo_n[c]) * 100.0;
  }
  nlohmann::json j = judge_identity(judge, responded, requests, cached);
  j["grader"] = "yuweihao/MM-Vet mm-vet_evaluator.py@acde843 (max_tokens 3, temperature 0 then +0.5 per retry)";
  j["prompt_template_sha256"] = judge::prompt_hash(judge::kMmvetPrompt);
  out.metrics["judge"] = j;
}

// summarize_gpt_review.py: per review category ("llava_bench_" + category) and "all", the
// column means of the (reference, model) tuples rounded to 3 decimals, then
// relative = round(model/reference*100, 1), reference and model = round(mean*10, 1).
nlohmann::json llava_bench_stats(const std::vector<std::array<double, 2>>& tuples) {
  double s0 = 0.0, s1 = 0.0;
  for (const auto& t : tuples) {
    s0 += t[0];
    s1 += t[1];
  }
  const double n = static_cast<double>(tuples.size());
  const double m0 = py::round_to(s0 / n, 3), m1 = py::round_to(s1 / n, 3);
  nlohmann::json j = {{"reference", py::round_to(m0 * 10, 1)}, {"model", py::round_to(m1 * 10, 1)},
                      {"count", tuples.size()}};
  // Upstream raises ZeroDivisionError on a zero reference mean; we report null instead.
  j["relative"] = m0 == 0.0 ? nlohmann::json(nullptr) : nlohmann::json(py::round_to(m1 / m0 * 100, 1));
  return j;
}

void score_llava_bench(const std::vector<Scorable>& items, Judge& judge, TaskScore& out) {
  std::map<std::string, std::vector<std::array<double, 2>>> by_category;
  std::set<std::string> responded;
  std::set<std::string> rule_hashes;
  int64_t requests = 0, cached = 0, unparsed = 0;
  for (const auto& it : items) {
    const data::Sample& s = *it.sample;
    auto& e = out.per_sample[it.index];
    const std::string caption = meta_string_or(s, "caption", "");
    if (!s.meta.contains("caption")) {
      // eval_gpt_review_bench.py looks the caption up in context.jsonl and fails without it.
      e["error"] = fmt::format("judge_input: no caption (context.jsonl) for image of question {}", s.id);
      ++out.counts.errors["judge_input"];
      --out.counts.scored;
      continue;
    }
    const judge::LlavaBenchReview r =
        judge::llava_bench_review(judge, s.category, caption, s.question, s.answer, *it.text);
    const std::string category = "llava_bench_" + s.category;
    by_category[category].push_back(r.scores);
    by_category["all"].push_back(r.scores);
    unparsed += r.scores[0] == -1.0 && r.scores[1] == -1.0 ? 1 : 0;
    responded.insert(r.model);
    rule_hashes.insert(judge::prompt_hash(judge::llava_bench_rule(s.category)));
    requests += 1;
    cached += r.cached ? 1 : 0;
    e["category"] = category;
    e["tuple"] = r.scores;
    e["judge_content"] = r.content;
    e["judge_model"] = r.model;
    e["judge_cached"] = r.cached;
    e["prompt_sha256"] = r.prompt_sha256;
  }
  for (const auto& [k, v] : by_category) out.metrics[k] = llava_bench_stats(v);
  nlohmann::json j = judge_identity(judge, responded, requests, cached);
  j["grader"] = "haotian-liu/LLaVA eval_gpt_review_bench.py + summarize_gpt_review.py@c121f04 (temperature 0.2, "
                "max_tokens 1024)";
  j["rule_prompt_sha256"] = rule_hashes;
  j["system_sha256"] = judge::prompt_hash(judge::kLlavaBenchSystem);
  j["unparsed_reviews"] = unparsed;  // counted as (-1, -1) in the means, as upstream
  out.metrics["judge"] = j;
}

}  // namespace

void score_judge_only(const std::vector<data::Sample>& samples, const std::vector<Prediction>& predictions,
                      Profile profile, const ScoreOptions& options, TaskScore& out) {
  out.rule_version = "judge-only (GPT grader)";
  if (options.judge == nullptr) {
    join_predictions(samples, predictions, out);
    out.computed = false;
    out.not_computed_reason = "judge-only metric and no judge configured";
    return;
  }
  if (out.task == "mmvet") {
    if (profile != Profile::kLlavaOfficial) {
      // lmms-eval and VLMEvalKit send different prompt bytes and parse differently (§4.11).
      throw_error(ErrorCode::kUnsupported,
                  "task mmvet: judged grading is implemented for profile llava_official (the official "
                  "mm-vet_evaluator.py), not '{}'", profile_name(profile));
    }
    out.rule_version = "MM-Vet mm-vet_evaluator.py@acde843, 1 run";
    score_mmvet(join_predictions(samples, predictions, out), *options.judge, out);
  } else if (out.task == "llava_bench") {
    out.rule_version = "LLaVA eval_gpt_review_bench.py + summarize_gpt_review.py@c121f04";
    score_llava_bench(join_predictions(samples, predictions, out), *options.judge, out);
  } else {
    throw_error(ErrorCode::kInternal, "task {}: no judge grader", out.task);
  }
}

}  // namespace slime::eval
