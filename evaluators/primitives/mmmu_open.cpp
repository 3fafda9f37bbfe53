#include "evaluators/primitives/mmmu_open.h"

#include "evaluators/primitives/pystr.h"
#include "evaluators/primitives/regex.h"

namespace slime::eval {

std::vector<MmmuItem> mmmu_normalize_str(const std::string& s_in) {
  const std::string s = py::strip(s_in);
  if (auto v = py::to_float(py::replace_all(s, ",", ""))) {
    MmmuItem item;
    item.is_number = true;
    item.number = py::round_to(*v, 2);
    return {item};
  }
  const std::string lower = py::lower(s);
  if (py::len(lower) == 1) return {MmmuItem{false, 0.0, " " + lower}, MmmuItem{false, 0.0, lower + " "}};
  return {MmmuItem{false, 0.0, lower}};
}

std::vector<std::string> mmmu_extract_numbers(const std::string& s) {
  static const Regex commas(R"(-?\b\d{1,3}(?:,\d{3})+\b)");
  static const Regex scientific(R"(-?\d+(?:\.\d+)?[eE][+-]?\d+)");
  static const Regex simple(R"(-?(?:\d+\.\d+|\.\d+|\d+\b)(?![eE][+-]?\d+)(?![,\d]))");
  std::vector<std::string> out = commas.findall(s);
  for (auto& x : scientific.findall(s)) out.push_back(x);
  for (auto& x : simple.findall(s)) out.push_back(x);
  return out;
}

static std::vector<std::string> key_subresponses(const std::string& response_in) {
  const std::string response = py::lower(py::strip_chars(py::strip(response_in), "."));
  static const Regex splitter(R"(\.\s(?=[A-Z])|\n)");
  const auto subs = splitter.split(response);
  std::vector<std::string> indicators = {"could be ", "so ", "is ", "thus ", "therefore ", "final ", "answer ", "result "};
  std::vector<std::string> keys;
  for (size_t i = 0; i < subs.size(); ++i) {
    if (i + 1 == subs.size()) indicators.push_back("=");
    const std::string& resp = subs[i];
    std::string shortest;
    bool have = false;  // Python tests `not shortest`: an empty tail counts as "none yet"
    for (const auto& ind : indicators) {
      const size_t at = resp.rfind(ind);
      if (at == std::string::npos) continue;
      const std::string tail = py::strip(resp.substr(at + ind.size()));
      if (!have || shortest.empty()) {
        shortest = tail;
        have = true;
      } else if (py::len(tail) < py::len(shortest)) {
        shortest = tail;
      }
    }
    if (!shortest.empty()) {
      const std::string s = py::strip(shortest);
      if (s != ":" && s != "," && s != "." && s != "!" && s != "?" && s != ";" && s != "'") keys.push_back(shortest);
    }
  }
  if (keys.empty()) return {response};
  return keys;
}

std::vector<MmmuItem> mmmu_parse_open(const std::string& response) {
  const auto keys = key_subresponses(response);
  std::vector<std::string> preds = keys;
  for (const auto& k : keys) {
    for (auto& n : mmmu_extract_numbers(k)) preds.push_back(n);
  }
  std::vector<MmmuItem> out;
  for (const auto& p : preds) {
    for (auto& item : mmmu_normalize_str(p)) {
      bool seen = false;
      for (const auto& o : out) seen = seen || o == item;
      if (!seen) out.push_back(item);
    }
  }
  return out;
}

static std::vector<MmmuItem> normalise_golds(const std::vector<std::string>& golds) {
  std::vector<MmmuItem> out;
  for (const auto& g : golds) {
    for (auto& item : mmmu_normalize_str(g)) out.push_back(item);
  }
  return out;
}

bool mmmu_eval_open(const std::vector<std::string>& golds, const std::vector<MmmuItem>& parsed) {
  const auto norm = normalise_golds(golds);
  for (const auto& pred : parsed) {
    if (!pred.is_number) {
      for (const auto& g : norm) {
        if (!g.is_number && py::contains(pred.text, g.text)) return true;
      }
    } else {
      for (const auto& g : norm) {
        if (g.is_number && g.number == pred.number) return true;
      }
    }
  }
  return false;
}

bool mmmu_eval_open_lmms(const std::vector<std::string>& golds, const std::vector<MmmuItem>& parsed) {
  const std::string stored = parsed.empty() ? std::string() : mmmu_item_str(parsed.front());
  const auto norm = normalise_golds(golds);
  // Iterating a str yields 1-character strings; `norm_ans in c` holds only for norm_ans == "" or a
  // 1-character gold string (normalize_str never yields one: single characters get padded).
  for (uint32_t c : py::code_points(stored)) {
    const std::string ch = py::from_code_points({c});
    for (const auto& g : norm) {
      if (!g.is_number && py::contains(ch, g.text)) return true;
    }
  }
  return false;
}

std::string mmmu_item_str(const MmmuItem& item) { return item.is_number ? py::float_repr(item.number) : item.text; }

}  // namespace slime::eval
