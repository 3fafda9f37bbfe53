#include "evaluators/primitives/mcq_extract.h"

#include <algorithm>
#include <map>
#include <tuple>

#include "evaluators/primitives/pystr.h"
#include "evaluators/primitives/regex.h"

namespace slime::eval {

std::vector<std::string> letters(size_t n) {
  std::vector<std::string> out;
  for (size_t i = 0; i < n; ++i) out.emplace_back(1, static_cast<char>('A' + i));
  return out;
}

std::string mcq_llava_scienceqa(const std::string& pred, size_t n_options) {
  // The script always offers A-E and then requires the letter to index an existing choice.
  const std::vector<std::string> options = {"A", "B", "C", "D", "E"};
  std::string answer;
  auto is_option = [&](const std::string& s) { return std::find(options.begin(), options.end(), s) != options.end(); };
  const auto cps = py::code_points(pred);
  if (is_option(pred)) {
    answer = pred;
  } else if (cps.size() >= 3 && is_option(py::from_code_points({cps[0]})) &&
             py::from_code_points({cps[1], cps[2]}) == ". ") {
    answer = py::from_code_points({cps[0]});
  } else {
    static const Regex pattern("The answer is ([A-Z]).");
    const auto res = pattern.findall(pred);
    answer = res.size() == 1 ? res[0] : kMcqFailed;
  }
  if (answer == kMcqFailed) return kMcqFailed;
  const size_t index = static_cast<size_t>(answer[0] - 'A');
  return index < n_options ? answer : kMcqFailed;
}

bool mcq_lmms_scienceqa_correct(const std::string& pred_in, const std::string& target_in) {
  const std::string target = py::lower(py::strip(target_in));
  const std::string pred = py::strip(pred_in);
  if (py::lower(pred) == target) return true;
  // "X. ..." with X upper-case (str.isupper; letters outside A-Z cannot equal a letter target).
  const auto cps = py::code_points(pred);
  if (cps.size() >= 2 && cps[1] == '.' && py::lower(py::from_code_points({cps[0]})) != py::from_code_points({cps[0]})) {
    return py::lower(py::from_code_points({cps[0]})) == target;
  }
  return false;
}

std::string mcq_lmms_seed(const std::string& pred) {
  const auto cps = py::code_points(py::strip(pred));
  if (cps.size() > 1) return py::from_code_points({cps[0]});
  return py::from_code_points(cps);
}

std::string mcq_lmms_ai2d_filter(const std::string& pred) {
  static const Regex pattern(R"(^\s*([A-Z])\.)");
  RegexMatch m;
  return pattern.search(pred, m) ? m.groups[0] : pred;
}

std::string mcq_lmms_extract(const std::string& response, const std::vector<std::string>& choices_in) {
  if (py::strip(response).empty()) return "";
  const std::vector<std::string> choices = choices_in.empty() ? letters(8) : choices_in;
  std::string text = py::strip(response);
  for (const char* c : {",", ".", "!", "?", ";", ":", "'", "\""}) text = py::strip_chars(text, c);
  text = " " + text + " ";
  enum Kind { kFallback = 0, kSpace = 2, kRightParen = 3, kColon = 4, kPeriod = 5, kParen = 6, kPhrase = 7,
              kEnd = 9, kStart = 10 };
  // (priority, position in code points, insertion order kept by stable sort)
  std::vector<std::tuple<std::string, long, int>> cands;
  const auto cps = py::code_points(text);
  auto cp_index = [&](size_t byte_pos) { return static_cast<long>(py::len(std::string_view(text).substr(0, byte_pos))); };
  auto add_rfind = [&](const std::string& needle, const std::string& ch, Kind kind) {
    const size_t at = text.rfind(needle);
    if (at != std::string::npos) cands.emplace_back(ch, cp_index(at), kind);
  };
  for (const auto& ch : choices) add_rfind("(" + ch + ")", ch, kParen);
  for (const auto& ch : choices) add_rfind(ch + ".", ch, kPeriod);
  for (const auto& ch : choices) add_rfind(ch + ":", ch, kColon);
  for (const auto& ch : choices) add_rfind(ch + ")", ch, kRightParen);
  for (const auto& ch : choices) add_rfind(ch + " ", ch, kSpace);
  static const std::vector<std::string> phrases = {
      "the answer is", "answer is", "the correct answer is", "correct answer is", "the best answer is",
      "best answer is", "the correct option is", "correct option is", "the best option is", "best option is",
      "the choice is", "choice is", "the correct choice is", "correct choice is", "i choose", "i select",
      "i pick", "my answer is", "my choice is", "옵션", "정답은", "답은", "답:", "答案是", "答案为", "选", "答えは"};
  // text.lower() keeps code-point positions for every script we handle (no length-changing lower).
  const std::string text_lower = py::lower(text);
  for (const auto& phrase : phrases) {
    const size_t idx = text_lower.find(phrase);
    if (idx == std::string::npos) continue;
    const size_t after = idx + phrase.size();
    for (const auto& ch : choices) {
      const size_t pos = text.find(ch, after);
      if (pos != std::string::npos) cands.emplace_back(ch, cp_index(pos), kPhrase);
    }
  }
  const std::string stripped = py::strip(text);
  const auto scps = py::code_points(stripped);
  for (const auto& ch : choices) {
    if (stripped.rfind(ch, 0) == 0 && (scps.size() == 1 || !py::is_alpha(scps[1]))) cands.emplace_back(ch, 0, kStart);
  }
  for (const auto& ch : choices) {
    const bool ends = stripped.size() >= ch.size() && stripped.compare(stripped.size() - ch.size(), ch.size(), ch) == 0;
    if (ends && (scps.size() == 1 || !py::is_alpha(scps[scps.size() - 2]))) {
      cands.emplace_back(ch, static_cast<long>(cps.size()) - 1, kEnd);
    }
  }
  if (cands.empty()) {
    for (const auto& ch : choices) add_rfind(ch, ch, kFallback);
  }
  if (cands.empty()) return "";
  // Python: sort(key=(priority, position), reverse=True) is stable, so among equal keys the
  // earliest-added candidate stays first.
  std::stable_sort(cands.begin(), cands.end(), [](const auto& a, const auto& b) {
    return std::make_pair(std::get<2>(a), std::get<1>(a)) > std::make_pair(std::get<2>(b), std::get<1>(b));
  });
  return std::get<0>(cands.front());
}

std::string mcq_vlmevalkit_can_infer(const std::string& answer, const std::vector<data::Option>& options) {
  // ---- can_infer_option ----
  if (py::contains(answer, "Failed to obtain answer via API")) return "";
  for (const char* refusal : {"Sorry, I can't help with images of people yet.", "I can't process this file.",
                              "I'm sorry, but without the image provided", "Cannot determine the answer"}) {
    if (py::contains(answer, refusal)) return "Z";
  }
  std::string mod = answer;
  for (char c : std::string(".()[],:;!*#{}")) mod = py::replace_all(mod, std::string(1, c), " ");
  const auto splits = py::split_ws(mod);
  auto has = [&](const std::string& tok) { return std::find(splits.begin(), splits.end(), tok) != splits.end(); };
  size_t count = 0;
  for (const auto& o : options) count += has(o.letter) ? 1 : 0;
  bool option_done = false;
  std::string result;
  if (count == 1) {
    for (const auto& o : options) {
      if (has(o.letter)) {
        const size_t index = std::find(splits.begin(), splits.end(), o.letter) - splits.begin();
        if (static_cast<long>(index) > static_cast<long>(splits.size()) - 5) {
          result = o.letter;
          option_done = true;
          break;
        }
      }
    }
  } else if (count == 0 && has("Z")) {
    return "Z";
  }
  if (option_done) return result;
  static const Regex verbose(R"((?i)(?:correct\s+)?answer\s+is\s+\**([ABCD])\**)");
  RegexMatch m;
  if (verbose.search(answer, m)) {
    const std::string letter = py::upper(m.groups[0]);
    for (const auto& o : options) {
      if (o.letter == letter) return letter;
    }
  }
  // ---- can_infer_text ----
  const std::string lower = py::lower(answer);
  size_t total = 0;
  for (const auto& o : options) total += py::len(o.text);
  if (py::len(lower) > 2 * total) return "";
  std::vector<std::string> cands;
  for (const auto& o : options) {
    if (py::contains(lower, py::lower(o.text))) cands.push_back(o.letter);
  }
  return cands.size() == 1 ? cands[0] : "";
}

std::string mcq_lmms_mmbench_can_infer(const std::string& answer, const std::vector<data::Option>& options) {
  const std::vector<std::string> choices = letters(5);
  if (py::contains(answer, "Failed to obtain answer via API")) return "";
  std::vector<std::string> splits;
  for (auto& s : py::split_ws(answer)) splits.push_back(py::strip(s));
  auto has = [&](const std::string& tok) { return std::find(splits.begin(), splits.end(), tok) != splits.end(); };
  auto count = [&](const std::string& pre, const std::string& suf) {
    size_t n = 0;
    for (const auto& c : choices) n += has(pre + c + suf) ? 1 : 0;
    return n;
  };
  if (count("", "") == 1) {
    for (const auto& ch : choices) {
      if (has("A") && splits.size() > 3) break;  // "A might be a quantifier"
      if (has(ch)) return ch;
    }
  }
  static const std::vector<std::pair<std::string, std::string>> tups = {
      {"", "."}, {"", ","}, {"", ":"}, {"", ")"}, {"", ")."}, {"(", ")"},
      {"(", ")."}, {":", ""}, {":", ","}, {":", "."}, {":", ")"}, {":", ")."}};
  for (const auto& [pre, suf] : tups) {
    if (count(pre, suf) == 1) {
      for (const auto& ch : choices) {
        if (has(pre + ch + suf)) return ch;
      }
    }
  }
  const std::string lower = py::lower(answer);
  std::vector<std::string> cands;
  for (const auto& o : options) {
    if (py::contains(lower, py::lower(o.text))) cands.push_back(o.letter);
  }
  return cands.size() == 1 ? cands[0] : "";
}

std::optional<std::string> mcq_mmmu_parse(const std::string& response_in, const std::vector<data::Option>& options) {
  std::string response = response_in;
  for (const char* c : {",", ".", "!", "?", ";", ":", "'"}) response = py::strip_chars(response, c);
  response = " " + response + " ";
  bool index_ans = true, with_brack = false;
  std::vector<std::string> cands;
  for (const auto& o : options) {
    if (py::contains(response, "(" + o.letter + ")")) {
      cands.push_back(o.letter);
      with_brack = true;
    }
  }
  if (cands.empty()) {
    for (const auto& o : options) if (py::contains(response, o.letter + " ")) cands.push_back(o.letter);
  }
  if (cands.empty()) {
    for (const auto& o : options) if (py::contains(response, o.letter + ".")) cands.push_back(o.letter);
  }
  const std::string lower = py::lower(response);
  if (cands.empty() && py::split_ws(response).size() > 5) {
    for (const auto& o : options) {
      if (py::contains(lower, py::lower(o.text))) {
        cands.push_back(o.letter);
        index_ans = false;
      }
    }
  }
  if (cands.empty()) return std::nullopt;
  if (cands.size() == 1) return cands[0];
  std::map<std::string, std::string> text_of;
  for (const auto& o : options) text_of[o.letter] = o.text;
  // np.argmax keeps the first maximum; rfind == -1 (npos) ranks lowest.
  long best = -2;
  std::string pick;
  for (const auto& c : cands) {
    size_t at;
    if (index_ans) at = with_brack ? response.rfind("(" + c + ")") : response.rfind(" " + c + " ");
    else at = lower.rfind(py::lower(text_of[c]));
    const long pos = at == std::string::npos ? -1 : static_cast<long>(py::len(std::string_view(response).substr(0, at)));
    if (pos > best) {
      best = pos;
      pick = c;
    }
  }
  return pick;
}

bool mcq_mmstar_legacy_correct(const std::string& pred, const std::string& gt) {
  const auto a = py::code_points(py::strip(py::lower(gt)));
  const auto p = py::code_points(py::strip(py::replace_all(py::lower(pred), "\n", " ")));
  const std::string as = py::from_code_points(a);
  auto at = [&](size_t i) { return i < p.size() ? py::from_code_points({p[i]}) : std::string("\x01"); };
  auto prefix = [&](size_t n) { return py::from_code_points(std::vector<uint32_t>(p.begin(), p.begin() + std::min(n, p.size()))); };
  // Upstream indexes p[0] unguarded; an empty prediction raises there and scores 0.
  if (p.empty()) return false;
  if (as == at(0)) return true;
  if (at(0) == "(" && as == at(1)) return true;
  if (prefix(7) == "option " && as == at(7)) return true;
  if (prefix(14) == "the answer is " && as == at(14)) return true;
  return false;
}

}  // namespace slime::eval
