// POPE (benchmarks.md §4.8): per split accuracy, precision, recall, F1 and the PREDICTION
// yes-ratio; the mean F1 over the splits present (the LLaVA-paper reading).
#include <map>

#include <fmt/format.h>

#include "evaluators/benchmarks/benchmarks.h"
#include "evaluators/benchmarks/rule_versions.h"
#include "evaluators/primitives/pystr.h"
#include "evaluators/primitives/yes_no.h"

namespace slime::eval {
namespace {
struct Counts {
  double tp = 0, fp = 0, tn = 0, fn = 0, invalid = 0, yes = 0, n = 0, gt_yes = 0;
};
double ratio(double a, double b) { return b > 0 ? a / b : 0.0; }
}  // namespace

void score_pope(const std::vector<data::Sample>& samples, const std::vector<Prediction>& predictions, Profile profile,
                const ScoreOptions&, TaskScore& out) {
  if (profile == Profile::kLlavaOfficial) {
    out.rule_version = fmt::format("{} llava/eval/eval_pope.py", rev::kLlava);
  } else {
    out.rule_version = fmt::format("{} tasks/pope/utils.py (exact yes/no)", rev::kLmms);
  }
  const auto items = join_predictions(samples, predictions, out);
  std::map<std::string, Counts> splits;
  for (const auto& it : items) {
    const data::Sample& s = *it.sample;
    const std::string gt = py::strip(py::lower(s.answer));
    const std::string pred = profile == Profile::kLlavaOfficial ? yes_no_llava_pope(*it.text) : yes_no_lmms_pope(*it.text);
    Counts& c = splits[s.category.empty() ? std::string("all") : s.category];
    c.n += 1;
    c.gt_yes += gt == "yes" ? 1 : 0;
    if (pred == "invalid") c.invalid += 1;
    if (pred == "yes") c.yes += 1;
    // LLaVA: every label other than "no" is positive.
    const bool gt_pos = profile == Profile::kLlavaOfficial ? gt != "no" : gt == "yes";
    const bool gt_neg = profile == Profile::kLlavaOfficial ? !gt_pos : gt == "no";
    if (pred == "yes" && gt_pos) c.tp += 1;
    else if (pred == "yes" && gt_neg) c.fp += 1;
    else if (pred == "no" && gt_neg) c.tn += 1;
    else if (pred == "no" && gt_pos) c.fn += 1;
    out.per_sample[it.index]["filtered"] = pred;
    out.per_sample[it.index]["correct"] = pred == (gt_pos ? "yes" : "no") ? 1.0 : 0.0;
  }
  nlohmann::json per_split = nlohmann::json::object();
  std::vector<double> f1s;
  for (const auto& [name, c] : splits) {
    const double precision = ratio(c.tp, c.tp + c.fp), recall = ratio(c.tp, c.tp + c.fn);
    const double f1 = ratio(2 * precision * recall, precision + recall);
    const double acc = ratio(c.tp + c.tn, c.n);  // invalid answers count as wrong
    nlohmann::json m = {{"accuracy", acc}, {"precision", precision}, {"recall", recall}, {"f1", f1},
                        {"yes_ratio", ratio(c.yes, c.n)}, {"invalid", c.invalid}, {"count", c.n},
                        {"tp", c.tp}, {"fp", c.fp}, {"tn", c.tn}, {"fn", c.fn}};
    // lmms-eval's own pope_yes_ratio is the GT yes share; reported under an explicit name.
    if (profile == Profile::kLmmsEval) m["lmms_gt_yes_ratio"] = ratio(c.gt_yes, c.n);
    per_split[name] = m;
    f1s.push_back(f1);
  }
  out.metrics["splits"] = per_split;
  out.metrics["mean_f1"] = mean(f1s);
  if (splits.size() == 1) {
    for (auto& [k, v] : per_split.begin().value().items()) out.metrics[k] = v;
  }
}

}  // namespace slime::eval
