#include "evaluators/primitives/yes_no.h"

#include <algorithm>

#include "evaluators/primitives/pystr.h"
#include "evaluators/primitives/vqa_normalize.h"

namespace slime::eval {
namespace {
// pred[:4] in code points.
std::string first4(const std::string& s) {
  auto cps = py::code_points(s);
  if (cps.size() > 4) cps.resize(4);
  return py::from_code_points(cps);
}
std::string prefix_rule(const std::string& p) {
  const std::string head = first4(p);
  if (py::contains(head, "yes")) return "yes";
  if (py::contains(head, "no")) return "no";
  return "other";
}
}  // namespace

std::string yes_no_mme_official(const std::string& pred) {
  const std::string p = py::lower(pred);
  if (p == "yes" || p == "no") return p;
  return prefix_rule(p);
}

std::string yes_no_lmms_mme(const std::string& pred) {
  const std::string p = py::replace_all(py::strip(py::lower(pred)), ".", "");
  if (p == "yes" || p == "no") return p;
  if (py::len(p) == 1) {
    if (p == "y") return "yes";
    if (p == "n") return "no";
    return "other";
  }
  return prefix_rule(p);
}

std::string yes_no_vlmevalkit(const std::string& pred) {
  const auto words = py::split_ws(vqa_process_punctuation(py::lower(pred), VqaNorm::kVlmEvalKit));
  const bool yes = std::find(words.begin(), words.end(), "yes") != words.end();
  const bool no = std::find(words.begin(), words.end(), "no") != words.end();
  if (yes && !no) return "Yes";
  if (no && !yes) return "No";
  return "Unknown";
}

std::string yes_no_llava_pope(const std::string& pred) {
  std::string text = pred;
  const size_t dot = text.find('.');
  if (dot != std::string::npos) text = text.substr(0, dot);
  text = py::replace_all(text, ",", "");
  for (const auto& w : py::split_on(text, " ")) {
    if (w == "No" || w == "not" || w == "no") return "no";
  }
  return "yes";
}

std::string yes_no_lmms_pope(const std::string& pred) {
  const std::string p = py::strip(py::lower(pred));
  return (p == "yes" || p == "no") ? p : "invalid";
}

}  // namespace slime::eval
