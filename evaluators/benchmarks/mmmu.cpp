// MMMU validation (benchmarks.md §4.17): MC via the official parser with a deterministic seeded
// fallback (instead of the global random.choice), open questions via §3.10; instance-level
// accuracy per subject, per domain and overall.
#include <map>

#include <fmt/format.h>

#include "evaluators/benchmarks/benchmarks.h"
#include "evaluators/benchmarks/rule_versions.h"
#include "evaluators/primitives/mcq_extract.h"
#include "evaluators/primitives/mmmu_open.h"
#include "evaluators/primitives/regex.h"
#include "evaluators/primitives/seeded_choice.h"

namespace slime::eval {
namespace {
const std::vector<std::pair<std::string, std::vector<std::string>>> kDomains = {
    {"Art and Design", {"Art", "Art_Theory", "Design", "Music"}},
    {"Business", {"Accounting", "Economics", "Finance", "Manage", "Marketing"}},
    {"Science", {"Biology", "Chemistry", "Geography", "Math", "Physics"}},
    {"Health and Medicine",
     {"Basic_Medical_Science", "Clinical_Medicine", "Diagnostics_and_Laboratory_Medicine", "Pharmacy", "Public_Health"}},
    {"Humanities and Social Science", {"History", "Literature", "Sociology", "Psychology"}},
    {"Tech and Engineering",
     {"Agriculture", "Architecture_and_Engineering", "Computer_Science", "Electronics", "Energy_and_Power", "Materials",
      "Mechanical_Engineering"}}};

// "validation_Art_Theory_12" -> "Art_Theory" (lmms-eval extract_subset_name).
std::string subject_of(const data::Sample& s) {
  static const Regex pattern(R"(^[^_]+_(.+?)_\d+$)");
  RegexMatch m;
  if (pattern.search(s.id, m)) return m.groups[0];
  if (pattern.search(meta_string_or(s, "id", ""), m)) return m.groups[0];  // VLMEvalKit TSV: index + id
  return meta_string_or(s, "subject", s.category.empty() ? "unknown" : s.category);
}
}  // namespace

void score_mmmu(const std::vector<data::Sample>& samples, const std::vector<Prediction>& predictions, Profile profile,
                const ScoreOptions&, TaskScore& out) {
  out.rule_version =
      profile == Profile::kLmmsEval
          ? fmt::format("{} tasks/mmmu (open answers stored as one string: PR #724 behaviour); seeded MC fallback",
                        rev::kLmms)
          : fmt::format("{} eval_utils.py (official; SliME main_eval_only.py); seeded MC fallback", rev::kMmmu);
  const auto items = join_predictions(samples, predictions, out);
  std::map<std::string, std::pair<double, double>> subject;  // right, total
  for (const auto& it : items) {
    const data::Sample& s = *it.sample;
    const std::string qtype = meta_string_or(s, "question_type", s.options.empty() ? "open" : "multiple-choice");
    bool right;
    nlohmann::json& entry = out.per_sample[it.index];
    if (qtype == "multiple-choice") {
      auto parsed = mcq_mmmu_parse(*it.text, s.options);
      if (!parsed) {
        std::vector<std::string> all;
        for (const auto& o : s.options) all.push_back(o.letter);
        parsed = seeded_choice(all, "mmmu_val", s.id, out.rule_version);
        entry["random_fallback"] = true;
      }
      entry["filtered"] = *parsed;
      right = *parsed == s.answer;  // eval_multi_choice with a list gold: any equal
      for (const auto& a : s.answers) right = right || *parsed == a;
    } else {
      const auto parsed = mmmu_parse_open(*it.text);
      nlohmann::json list = nlohmann::json::array();
      for (const auto& p : parsed) list.push_back(mmmu_item_str(p));
      entry["filtered"] = list;
      const auto golds = reference_answers(s);
      right = profile == Profile::kLmmsEval ? mmmu_eval_open_lmms(golds, parsed) : mmmu_eval_open(golds, parsed);
    }
    entry["correct"] = right ? 1.0 : 0.0;
    auto& acc = subject[subject_of(s)];
    acc.first += right ? 1 : 0;
    acc.second += 1;
  }
  nlohmann::json subjects = nlohmann::json::object(), domains = nlohmann::json::object();
  double right_all = 0, total_all = 0;
  for (const auto& [name, rt] : subject) {
    subjects[name] = {{"accuracy", 100.0 * rt.first / rt.second}, {"count", rt.second}};
    right_all += rt.first;
    total_all += rt.second;
  }
  for (const auto& [domain, subs] : kDomains) {
    double r = 0, t = 0;
    for (const auto& sub : subs) {
      auto f = subject.find(sub);
      if (f != subject.end()) {
        r += f->second.first;
        t += f->second.second;
      }
    }
    if (t > 0) domains[domain] = {{"accuracy", 100.0 * r / t}, {"count", t}};
  }
  out.metrics["accuracy"] = total_all > 0 ? 100.0 * right_all / total_all : 0.0;
  out.metrics["subjects"] = subjects;
  out.metrics["domains"] = domains;
}

}  // namespace slime::eval
