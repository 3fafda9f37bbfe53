// MME (benchmarks.md §4.1): per subtask acc, acc+ (both questions of an image right) and
// score = acc + acc+; Perception, Cognition and SliME's hallucination subset MME^H as sums.
#include <map>
#include <functional>
#include <set>
#include <string_view>

#include <fmt/format.h>

#include "evaluators/benchmarks/benchmarks.h"
#include "evaluators/benchmarks/rule_versions.h"
#include "evaluators/primitives/pystr.h"
#include "evaluators/primitives/yes_no.h"

namespace slime::eval {
namespace {
const std::vector<std::string> kPerception = {"existence", "count", "position", "color", "posters",
                                              "celebrity", "scene", "landmark", "artwork", "OCR"};
const std::vector<std::string> kCognition = {"commonsense_reasoning", "numerical_calculation", "text_translation",
                                             "code_reasoning"};
const std::vector<std::string> kHallucination = {"existence", "count", "position", "color"};

// The pair key: the image of the question. meta "image_path" (VLMEvalKit groups by it) or
// "image" (LLaVA/lmms layouts), else the resolved file, else the decoded bytes themselves (a
// VLMEvalKit TSV stores a pair's image once and the second row refers to it, so both rows carry
// the same bytes but different names).
std::string image_key(const data::Sample& s) {
  std::string key = meta_string_or(s, "image_path", meta_string_or(s, "image", ""));
  if (key.empty() && !s.images.empty()) {
    const auto& img = s.images[0];
    if (!img.path.empty()) key = img.path;
    else if (!img.bytes.empty()) {
      // A 64-bit hash of the encoded image keeps the key small (MME has ~1.2k images).
      const std::string_view bytes(reinterpret_cast<const char*>(img.bytes.data()), img.bytes.size());
      key = fmt::format("bytes:{}:{:016x}", img.bytes.size(), std::hash<std::string_view>{}(bytes));
    }
  }
  if (key.empty()) key = "<no image>:" + s.id;
  return key;
}
}  // namespace

void score_mme(const std::vector<data::Sample>& samples, const std::vector<Prediction>& predictions, Profile profile,
               const ScoreOptions&, TaskScore& out) {
  if (profile == Profile::kLlavaOfficial) {
    out.rule_version = "MME eval_tool/calculation.py yes/no rule (via LLaVA@c121f04 convert_answer_to_mme.py)";
  } else if (profile == Profile::kLmmsEval) {
    out.rule_version = fmt::format("{} tasks/mme/utils.py parse_pred_ans", rev::kLmms);
  } else {
    out.rule_version = fmt::format("{} YOrN_Extraction, no judge", rev::kVlm);
  }
  const auto items = join_predictions(samples, predictions, out);
  // category -> image -> per-question correctness
  std::map<std::string, std::map<std::string, std::vector<double>>> table;
  for (const auto& it : items) {
    const data::Sample& s = *it.sample;
    std::string pred, gt;
    if (profile == Profile::kLlavaOfficial) {
      pred = yes_no_mme_official(*it.text);
      gt = py::lower(s.answer);
    } else if (profile == Profile::kLmmsEval) {
      pred = yes_no_lmms_mme(*it.text);
      gt = py::replace_all(py::strip(py::lower(s.answer)), ".", "");
    } else {
      pred = py::lower(yes_no_vlmevalkit(*it.text));
      gt = py::lower(s.answer);
    }
    const double correct = pred == gt ? 1.0 : 0.0;
    out.per_sample[it.index]["filtered"] = pred;
    out.per_sample[it.index]["correct"] = correct;
    table[s.category][image_key(s)].push_back(correct);
  }
  nlohmann::json subtasks = nlohmann::json::object();
  std::map<std::string, double> score_of;
  for (const auto& [cat, images] : table) {
    double right = 0, questions = 0, images_all_right = 0;
    for (const auto& [img, v] : images) {
      bool all = true;
      for (double c : v) {
        right += c;
        questions += 1;
        all = all && c == 1.0;
      }
      images_all_right += all ? 1 : 0;
    }
    const double acc = 100.0 * right / questions;
    const double acc_plus = 100.0 * images_all_right / static_cast<double>(images.size());
    score_of[cat] = acc + acc_plus;
    subtasks[cat] = {{"acc", acc}, {"acc_plus", acc_plus}, {"score", acc + acc_plus},
                     {"questions", questions}, {"images", images.size()}};
  }
  auto sum_of = [&](const std::vector<std::string>& cats) {
    double total = 0.0;
    for (const auto& c : cats) total += score_of.count(c) ? score_of[c] : 0.0;
    return total;
  };
  out.metrics["subtasks"] = subtasks;
  out.metrics["perception"] = sum_of(kPerception);
  out.metrics["cognition"] = sum_of(kCognition);
  out.metrics["hallucination"] = sum_of(kHallucination);
  std::set<std::string> known(kPerception.begin(), kPerception.end());
  known.insert(kCognition.begin(), kCognition.end());
  nlohmann::json unknown = nlohmann::json::array();
  for (const auto& [cat, images] : table) {
    if (!known.count(cat)) unknown.push_back(cat);
  }
  if (!unknown.empty()) out.metrics["unknown_subtasks"] = unknown;
}

}  // namespace slime::eval
