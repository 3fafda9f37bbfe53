// MathVista testmini, RULE-EXTRACTED only (benchmarks.md §4.10): lmms-eval's extract_answer
// without its GPT step (which then yields ""), normalize_extracted_answer and safe_equal. The
// number is NOT MathVista accuracy (that needs the judge) and is reported as
// "rule_extracted_accuracy".
#include <cmath>

#include <fmt/format.h>

#include "evaluators/benchmarks/benchmarks.h"
#include "evaluators/benchmarks/rule_versions.h"
#include "evaluators/primitives/pystr.h"
#include "evaluators/primitives/regex.h"

namespace slime::eval {
namespace {
// Python's `None` printed by str(): what safe_equal compares when normalisation failed.
constexpr const char* kNone = "None";

std::vector<std::string> choices_of(const data::Sample& s) {
  std::vector<std::string> out;
  for (const auto& o : s.options) out.push_back(o.text);
  if (out.empty() && s.meta.contains("choices") && s.meta["choices"].is_array()) {
    for (const auto& c : s.meta["choices"]) out.push_back(c.is_string() ? c.get<std::string>() : c.dump());
  }
  return out;
}

int precision_of(const data::Sample& s) {
  // lmms-eval passes doc["precision"] to round(); an integral value is required there.
  if (!s.meta.contains("precision") || s.meta["precision"].is_null()) return 0;
  const auto& p = s.meta["precision"];
  if (p.is_number()) return static_cast<int>(p.get<double>());
  const auto v = py::to_float(p.get<std::string>());
  return v && std::isfinite(*v) ? static_cast<int>(*v) : 0;
}

std::string extract(const std::string& response, const std::string& qtype, const std::string& atype,
                    const std::vector<std::string>& choices) {
  if (response.empty()) return "";
  if (qtype == "multi_choice") {
    for (const auto& c : choices) {
      if (c == response) return response;
    }
  }
  if (atype == "integer") {
    if (auto v = py::to_int(response)) return std::to_string(*v);
  }
  if (atype == "float") {
    if (auto v = py::to_float(response)) return py::float_repr(*v);
  }
  return "";  // quick_extract is off by default; the GPT extractor is not available
}

std::string normalise(const std::string& extraction_in, const std::vector<std::string>& choices,
                      const std::string& qtype, const std::string& atype, int precision) {
  if (qtype == "multi_choice") {
    std::string e = py::strip(extraction_in);
    static const Regex letter(R"(\(([a-zA-Z])\))");
    const auto found = letter.findall(e);
    if (!found.empty()) e = py::upper(found[0]);
    for (size_t i = 0; i < choices.size(); ++i) {
      if (e == std::string(1, static_cast<char>('A' + i))) return choices[i];
    }
    // get_most_similar: first choice with the minimal Levenshtein distance.
    size_t best = 0, best_d = SIZE_MAX;
    for (size_t i = 0; i < choices.size(); ++i) {
      const size_t d = py::levenshtein(e, choices[i]);
      if (d < best_d) {
        best_d = d;
        best = i;
      }
    }
    return choices.empty() ? std::string(kNone) : choices[best];
  }
  if (atype == "integer") {
    const auto v = py::to_float(extraction_in);
    if (!v || !std::isfinite(*v)) return kNone;
    const double t = std::trunc(*v);
    return t == 0.0 ? "0" : fmt::format("{:.0f}", t);
  }
  if (atype == "float") {
    const auto v = py::to_float(extraction_in);
    if (!v) return kNone;
    return py::float_repr(py::round_to(*v, precision));
  }
  return extraction_in;  // list: str(extraction); text: unchanged
}
}  // namespace

void score_mathvista(const std::vector<data::Sample>& samples, const std::vector<Prediction>& predictions, Profile,
                     const ScoreOptions&, TaskScore& out) {
  out.rule_version = fmt::format("{} tasks/mathvista extract_answer WITHOUT GPT extraction (rule-extracted)", rev::kLmms);
  const auto items = join_predictions(samples, predictions, out);
  std::vector<double> correct;
  for (const auto& it : items) {
    const data::Sample& s = *it.sample;
    const std::string qtype = meta_string_or(s, "question_type", s.options.empty() ? "free_form" : "multi_choice");
    const std::string atype = meta_string_or(s, "answer_type", "text");
    const auto choices = choices_of(s);
    const std::string extraction = extract(py::strip(*it.text), qtype, atype, choices);
    const std::string pred = normalise(extraction, choices, qtype, atype, precision_of(s));
    const bool ok = py::strip(pred) == py::strip(s.answer);
    out.per_sample[it.index]["extraction"] = extraction;
    record_correct(out, it, pred, ok, correct);
  }
  out.metrics["rule_extracted_accuracy"] = 100.0 * mean(correct);
  out.metrics["note"] = "rule extraction only; MathVista accuracy needs the GPT extractor";
}

}  // namespace slime::eval
