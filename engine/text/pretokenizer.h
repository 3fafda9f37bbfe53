// tokenizer.json "pre_tokenizer": Split (PCRE2 regex or literal; all five split behaviours;
// invert), ByteLevel (optional GPT-2 regex, add_prefix_space as first step) and Sequence. The
// Oniguruma patterns of HF tokenizers run on PCRE2 with PCRE2_UTF|PCRE2_UCP (JIT when available);
// `\s`/`\S` are spelled out as Oniguruma's set (Unicode White_Space; PCRE2 adds U+180E).
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/text/json_util.h"

namespace slime::text {

struct Span {
  uint32_t begin = 0, end = 0;
};

class Regex;  // PCRE2 pattern, pretokenizer.cpp

// Compiles an Oniguruma-style pattern for PCRE2 (exposed for tests). Throws kFormat/kUnsupported.
std::shared_ptr<const Regex> compile_regex(const std::string& pattern, const std::string& where);
// All non-overlapping matches of `re` in `text`, as [begin, end) spans, leftmost first.
void regex_find_all(const Regex& re, std::string_view text, std::vector<Span>& out);

class PreTokenizer {
 public:
  static PreTokenizer from_json(const detail::Json& j, const detail::JsonAt& at);  // j may be null
  bool empty() const { return steps_.empty() && !prefix_space_; }
  // A ByteLevel step is present: the model works on the GPT-2 byte alphabet.
  bool byte_level() const { return byte_level_; }
  // Splits `text` into words (non-empty spans, in order). Returns the string the spans index:
  // `text` itself, or `scratch` when a step rewrote it (ByteLevel add_prefix_space).
  std::string_view split(std::string_view text, std::string& scratch, std::vector<Span>& words) const;

 private:
  enum class Behavior { kRemoved, kIsolated, kMergedWithPrevious, kMergedWithNext, kContiguous };
  struct Step {
    std::shared_ptr<const Regex> regex;  // null: literal pattern
    std::string literal;
    Behavior behavior = Behavior::kIsolated;
    bool invert = false;
  };
  void parse(const detail::Json& j, const detail::JsonAt& at, bool first);
  void apply(const Step& step, std::string_view text, const std::vector<Span>& in, std::vector<Span>& out) const;
  std::vector<Step> steps_;
  bool byte_level_ = false;
  bool prefix_space_ = false;  // ByteLevel add_prefix_space as the first step
};

}  // namespace slime::text
