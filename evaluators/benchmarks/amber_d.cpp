// AMBER discriminative (benchmarks.md §4.18), VLMEvalKit AMBER_rating: YOrN extraction,
// accuracy per mapped category (Attribute / Existence / Relation) and "Avg ACC" = the MACRO mean
// of the category accuracies.
#include <map>

#include <fmt/format.h>

#include "evaluators/benchmarks/benchmarks.h"
#include "evaluators/benchmarks/rule_versions.h"
#include "evaluators/primitives/pystr.h"
#include "evaluators/primitives/yes_no.h"

namespace slime::eval {

void score_amber_d(const std::vector<data::Sample>& samples, const std::vector<Prediction>& predictions, Profile,
                   const ScoreOptions&, TaskScore& out) {
  out.rule_version = fmt::format("{} AMBER_rating + YOrN_Extraction, no judge (Unknown = wrong)", rev::kVlm);
  static const std::map<std::string, std::string> mapping = {
      {"discriminative-attribute-state", "Attribute"}, {"discriminative-attribute-number", "Attribute"},
      {"discriminative-attribute-action", "Attribute"}, {"discriminative-hallucination", "Existence"},
      {"discriminative-relation", "Relation"},          {"relation", "Relation"}};
  const auto items = join_predictions(samples, predictions, out);
  std::map<std::string, std::vector<double>> by_cat;
  for (const auto& it : items) {
    const std::string pred = yes_no_vlmevalkit(*it.text);
    const double ok = pred == it.sample->answer || py::lower(pred) == py::lower(it.sample->answer) ? 1.0 : 0.0;
    out.per_sample[it.index]["filtered"] = pred;
    out.per_sample[it.index]["correct"] = ok;
    auto m = mapping.find(it.sample->category);
    by_cat[m == mapping.end() ? it.sample->category : m->second].push_back(ok);
  }
  std::vector<double> cat_acc;
  nlohmann::json cats = nlohmann::json::object();
  for (const auto& [c, v] : by_cat) {
    cats[c] = 100.0 * mean(v);
    cat_acc.push_back(100.0 * mean(v));
  }
  out.metrics["by_category"] = cats;
  out.metrics["avg_acc"] = mean(cat_acc);
}

}  // namespace slime::eval
