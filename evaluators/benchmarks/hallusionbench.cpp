// HallusionBench image (benchmarks.md §4.16), VLMEvalKit rules without the judge: YOrN
// extraction, aAcc (questions), fAcc (figures: "l2-category_set_figure" all right), qAcc
// (question groups: "l2-category_set_question" all right). Keys come from Sample::meta
// ("l2-category" or category, "set_id", "figure_id", "question_id"), else from the VLMEvalKit
// index "..._<set>_<figure>_<question>" (fields 3..5 of id.split('_')).
#include <map>

#include <fmt/format.h>

#include "evaluators/benchmarks/benchmarks.h"
#include "evaluators/benchmarks/rule_versions.h"
#include "evaluators/primitives/pystr.h"
#include "evaluators/primitives/yes_no.h"

namespace slime::eval {
namespace {
struct Keys {
  std::string l2, set, figure, question;
};
Keys keys_of(const data::Sample& s) {
  Keys k;
  k.l2 = meta_string_or(s, "l2-category", s.category);
  const auto parts = py::split_on(s.id, "_");
  k.set = meta_string_or(s, "set_id", parts.size() > 3 ? parts[3] : "");
  k.figure = meta_string_or(s, "figure_id", parts.size() > 4 ? parts[4] : "");
  k.question = meta_string_or(s, "question_id", parts.size() > 5 ? parts[5] : "");
  return k;
}
double all_right_share(const std::map<std::string, bool>& groups) {
  if (groups.empty()) return 0.0;
  double n = 0;
  for (const auto& [k, v] : groups) n += v ? 1 : 0;
  return 100.0 * n / static_cast<double>(groups.size());
}
}  // namespace

void score_hallusionbench(const std::vector<data::Sample>& samples, const std::vector<Prediction>& predictions,
                          Profile, const ScoreOptions&, TaskScore& out) {
  out.rule_version = fmt::format("{} Hallusion_rating + YOrN_Extraction, no judge (Unknown = wrong)", rev::kVlm);
  const auto items = join_predictions(samples, predictions, out);
  struct Acc {
    std::vector<double> scores;
    std::map<std::string, bool> figures, questions;
  };
  std::map<std::string, Acc> by;  // "" = overall, then category names
  for (const auto& it : items) {
    const data::Sample& s = *it.sample;
    const std::string pred = yes_no_vlmevalkit(*it.text);
    std::string gt = py::lower(py::strip(s.answer));
    if (gt == "1") gt = "yes";
    if (gt == "0") gt = "no";
    const double ok = py::lower(pred) == gt ? 1.0 : 0.0;
    out.per_sample[it.index]["filtered"] = pred;
    out.per_sample[it.index]["correct"] = ok;
    const Keys k = keys_of(s);
    for (const std::string& bucket : {std::string(), "category:" + s.category, "l2-category:" + k.l2}) {
      Acc& a = by[bucket];
      a.scores.push_back(ok);
      const std::string fkey = k.l2 + "_" + k.set + "_" + k.figure, qkey = k.l2 + "_" + k.set + "_" + k.question;
      a.figures.emplace(fkey, true).first->second &= ok == 1.0;
      a.questions.emplace(qkey, true).first->second &= ok == 1.0;
    }
  }
  nlohmann::json splits = nlohmann::json::object();
  for (const auto& [name, a] : by) {
    nlohmann::json m = {{"aAcc", 100.0 * mean(a.scores)}, {"fAcc", all_right_share(a.figures)},
                        {"qAcc", all_right_share(a.questions)}};
    if (name.empty()) {
      for (auto& [k, v] : m.items()) out.metrics[k] = v;
    } else {
      splits[name] = m;
    }
  }
  out.metrics["splits"] = splits;
}

}  // namespace slime::eval
