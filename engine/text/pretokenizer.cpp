#include "engine/text/pretokenizer.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <algorithm>

#include "engine/text/unicode.h"

namespace slime::text {

using detail::Json;
using detail::JsonAt;

namespace {
// GPT-2's pattern, used by ByteLevel when use_regex is true.
constexpr const char* kGpt2Pattern =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";

// Oniguruma's \s (HF tokenizers) is exactly Unicode White_Space. PCRE2's UCP \s differs by
// version (10.42 adds U+180E MONGOLIAN VOWEL SEPARATOR, which Unicode dropped from White_Space in
// 6.3), so \s and \S are spelled out as this explicit set.
constexpr const char* kWhiteSpace = "\\t-\\r \\x{85}\\x{A0}\\x{1680}\\x{2000}-\\x{200A}\\x{2028}\\x{2029}\\x{202F}\\x{205F}\\x{3000}";

std::string spell_out_spaces(const std::string& p, const std::string& where) {
  std::string out;
  bool in_class = false;
  for (size_t i = 0; i < p.size(); ++i) {
    const char c = p[i];
    if (c == '\\' && i + 1 < p.size()) {
      const char n = p[i + 1];
      ++i;
      if (n == 's') {
        out += in_class ? std::string(kWhiteSpace) : "[" + std::string(kWhiteSpace) + "]";
      } else if (n == 'S') {
        if (in_class) throw_error(ErrorCode::kUnsupported, "{}: \\S inside a character class is not supported", where);
        out += "[^" + std::string(kWhiteSpace) + "]";
      } else {
        out += c;
        out += n;
      }
      continue;
    }
    if (!in_class && c == '[') {
      in_class = true;
      out += c;
      if (i + 1 < p.size() && p[i + 1] == '^') out += p[++i];
      if (i + 1 < p.size() && p[i + 1] == ']') out += p[++i];  // a leading ']' is literal
      continue;
    }
    if (in_class && c == ']') in_class = false;
    out += c;
  }
  return out;
}

// Per-thread PCRE2 match state: match data, and a JIT stack big enough for long whitespace runs.
struct MatchState {
  pcre2_match_data* data = pcre2_match_data_create(32, nullptr);
  pcre2_match_context* context = pcre2_match_context_create(nullptr);
  pcre2_jit_stack* stack = pcre2_jit_stack_create(64 * 1024, 16 * 1024 * 1024, nullptr);
  MatchState() {
    if (stack) pcre2_jit_stack_assign(context, nullptr, stack);
  }
  ~MatchState() {
    pcre2_jit_stack_free(stack);
    pcre2_match_context_free(context);
    pcre2_match_data_free(data);
  }
};
MatchState& match_state() {
  thread_local MatchState state;
  return state;
}
}  // namespace

class Regex {
 public:
  Regex(const std::string& pattern, const std::string& where) : pattern_(pattern) {
    const std::string p = spell_out_spaces(pattern, where);
    int err = 0;
    PCRE2_SIZE offset = 0;
    code_ = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(p.data()), p.size(), PCRE2_UTF | PCRE2_UCP, &err,
                          &offset, nullptr);
    if (!code_) {
      PCRE2_UCHAR msg[256];
      pcre2_get_error_message(err, msg, sizeof msg);
      throw_error(ErrorCode::kFormat, "{}: regex does not compile at offset {}: {}", where, offset,
                  reinterpret_cast<const char*>(msg));
    }
    jit_ = pcre2_jit_compile(code_, PCRE2_JIT_COMPLETE) == 0;
  }
  ~Regex() { pcre2_code_free(code_); }
  Regex(const Regex&) = delete;
  Regex& operator=(const Regex&) = delete;

  // Next match at or after `start`; false when there is none.
  bool find(std::string_view text, size_t start, Span& m) const {
    MatchState& st = match_state();
    const auto* subject = reinterpret_cast<PCRE2_SPTR>(text.data());
    // The tokenizer validated the UTF-8 of every input, so PCRE2 need not check it again.
    const int rc = jit_ ? pcre2_jit_match(code_, subject, text.size(), start, PCRE2_NO_UTF_CHECK, st.data, st.context)
                        : pcre2_match(code_, subject, text.size(), start, PCRE2_NO_UTF_CHECK, st.data, st.context);
    if (rc == PCRE2_ERROR_NOMATCH) return false;
    if (rc < 0) {
      PCRE2_UCHAR msg[256];
      pcre2_get_error_message(rc, msg, sizeof msg);
      throw_error(ErrorCode::kInternal, "pre-tokenizer regex '{}' failed on a {}-byte text: {}", pattern_,
                  text.size(), reinterpret_cast<const char*>(msg));
    }
    const PCRE2_SIZE* ov = pcre2_get_ovector_pointer(st.data);
    m = {uint32_t(ov[0]), uint32_t(ov[1])};
    return true;
  }

 private:
  std::string pattern_;
  pcre2_code* code_ = nullptr;
  bool jit_ = false;
};

std::shared_ptr<const Regex> compile_regex(const std::string& pattern, const std::string& where) {
  return std::make_shared<const Regex>(pattern, where);
}

void regex_find_all(const Regex& re, std::string_view text, std::vector<Span>& out) {
  size_t start = 0;
  Span m;
  while (start <= text.size() && re.find(text, start, m)) {
    out.push_back(m);
    if (m.end > m.begin) {
      start = m.end;
    } else {  // empty match: step over one character, as Oniguruma's iterator does
      start = m.end + (m.end < text.size() ? utf8_lead_length(static_cast<unsigned char>(text[m.end])) : 1);
    }
  }
}

PreTokenizer PreTokenizer::from_json(const Json& j, const JsonAt& at) {
  PreTokenizer p;
  if (!j.is_null()) p.parse(j, at, true);
  return p;
}

void PreTokenizer::parse(const Json& j, const JsonAt& at, bool first) {
  const std::string type = detail::as_string(detail::member(j, "type", at), at["type"]);
  if (type == "Sequence") {
    const Json& list = detail::require_array(detail::member(j, "pretokenizers", at), at["pretokenizers"]);
    for (size_t i = 0; i < list.size(); ++i) parse(list[i], at["pretokenizers"][i], first && i == 0);
    return;
  }
  if (type == "ByteLevel") {
    byte_level_ = true;
    const Json* aps = detail::optional_member(j, "add_prefix_space");
    if (aps && detail::as_bool(*aps, at["add_prefix_space"])) {
      if (!first) at["add_prefix_space"].fail(ErrorCode::kUnsupported, "add_prefix_space is only supported on the first pre-tokenizer");
      prefix_space_ = true;
    }
    const Json* use_regex = detail::optional_member(j, "use_regex");
    if (!use_regex || detail::as_bool(*use_regex, at["use_regex"])) {
      steps_.push_back({compile_regex(kGpt2Pattern, at.file + ": " + at.path), {}, Behavior::kIsolated, false});
    }
    return;
  }
  if (type != "Split") at["type"].fail(ErrorCode::kUnsupported, "unsupported pre_tokenizer type '" + type + "'");
  Step step;
  const Json& pattern = detail::require_object(detail::member(j, "pattern", at), at["pattern"]);
  if (const Json* re = detail::optional_member(pattern, "Regex")) {
    step.regex = compile_regex(detail::as_string(*re, at["pattern"]["Regex"]), at.file + ": " + at.path + ".pattern.Regex");
  } else if (const Json* s = detail::optional_member(pattern, "String")) {
    step.literal = detail::as_string(*s, at["pattern"]["String"]);
    if (step.literal.empty()) at["pattern"].fail(ErrorCode::kFormat, "empty Split pattern");
  } else {
    at["pattern"].fail(ErrorCode::kFormat, "expected {\"Regex\": ...} or {\"String\": ...}");
  }
  const std::string behavior = detail::as_string(detail::member(j, "behavior", at), at["behavior"]);
  if (behavior == "Removed") step.behavior = Behavior::kRemoved;
  else if (behavior == "Isolated") step.behavior = Behavior::kIsolated;
  else if (behavior == "MergedWithPrevious") step.behavior = Behavior::kMergedWithPrevious;
  else if (behavior == "MergedWithNext") step.behavior = Behavior::kMergedWithNext;
  else if (behavior == "Contiguous") step.behavior = Behavior::kContiguous;
  else at["behavior"].fail(ErrorCode::kFormat, "unknown split behavior '" + behavior + "'");
  if (const Json* inv = detail::optional_member(j, "invert")) step.invert = detail::as_bool(*inv, at["invert"]);
  steps_.push_back(std::move(step));
}

// tokenizers' NormalizedString::split: cut the span into match / non-match pieces, then combine
// them by behaviour; empty pieces are dropped (PreTokenizedString::split).
void PreTokenizer::apply(const Step& step, std::string_view text, const std::vector<Span>& in,
                         std::vector<Span>& out) const {
  thread_local std::vector<Span> matches;
  thread_local std::vector<std::pair<Span, bool>> pieces;  // piece, is_match
  for (const Span& sp : in) {
    const std::string_view t = text.substr(sp.begin, sp.end - sp.begin);
    matches.clear();
    if (step.regex) {
      regex_find_all(*step.regex, t, matches);
    } else {
      for (size_t hit = t.find(step.literal); hit != std::string_view::npos; hit = t.find(step.literal, hit + step.literal.size())) {
        matches.push_back({uint32_t(hit), uint32_t(hit + step.literal.size())});
      }
    }
    // Fast path: Isolated without invert emits matches and gaps as they come.
    if (step.behavior == Behavior::kIsolated) {
      uint32_t prev = 0;
      for (const Span& m : matches) {
        if (m.begin > prev) out.push_back({sp.begin + prev, sp.begin + m.begin});
        if (m.end > m.begin) out.push_back({sp.begin + m.begin, sp.begin + m.end});
        prev = m.end;
      }
      if (prev < t.size()) out.push_back({sp.begin + prev, uint32_t(sp.end)});
      continue;
    }
    pieces.clear();
    uint32_t prev = 0;
    for (const Span& m : matches) {
      if (m.begin > prev) pieces.push_back({{prev, m.begin}, step.invert});
      pieces.push_back({m, !step.invert});
      prev = m.end;
    }
    if (prev < t.size()) pieces.push_back({{prev, uint32_t(t.size())}, step.invert});
    std::vector<Span> combined;
    switch (step.behavior) {
      case Behavior::kRemoved:
        for (auto& [s, is_match] : pieces) if (!is_match) combined.push_back(s);
        break;
      case Behavior::kIsolated:
        break;
      case Behavior::kContiguous: {
        bool prev_match = false;
        for (auto& [s, is_match] : pieces) {
          if (is_match && prev_match && !combined.empty()) combined.back().end = s.end;
          else combined.push_back(s);
          prev_match = is_match;
        }
        break;
      }
      case Behavior::kMergedWithPrevious: {
        bool prev_match = false;
        for (auto& [s, is_match] : pieces) {
          if (is_match && !prev_match && !combined.empty()) combined.back().end = s.end;
          else combined.push_back(s);
          prev_match = is_match;
        }
        break;
      }
      case Behavior::kMergedWithNext: {
        bool prev_match = false;  // walks right to left
        for (size_t k = pieces.size(); k-- > 0;) {
          auto& [s, is_match] = pieces[k];
          if (is_match && !prev_match && !combined.empty()) combined.back().begin = s.begin;
          else combined.push_back(s);
          prev_match = is_match;
        }
        std::reverse(combined.begin(), combined.end());
        break;
      }
    }
    for (const Span& s : combined) {
      if (s.end > s.begin) out.push_back({sp.begin + s.begin, sp.begin + s.end});
    }
  }
}

std::string_view PreTokenizer::split(std::string_view text, std::string& scratch, std::vector<Span>& words) const {
  words.clear();
  if (text.empty()) return text;
  if (prefix_space_ && text[0] != ' ') {
    scratch.assign(" ");
    scratch.append(text);
    text = scratch;
  }
  words.push_back({0, uint32_t(text.size())});
  thread_local std::vector<Span> next;
  for (const Step& step : steps_) {
    next.clear();
    apply(step, text, words, next);
    words.swap(next);
  }
  return text;
}

}  // namespace slime::text
