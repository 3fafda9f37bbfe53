#include "evaluators/primitives/exact_match.h"

#include <string_view>

#include "evaluators/primitives/pystr.h"

namespace slime::eval {

std::string exact_match_normalize(const std::string& text, const ExactMatchOptions& options) {
  std::string t = options.ignore_case ? py::lower(text) : text;
  // Python's translate() works per code point; all removed characters are ASCII, so a byte
  // filter is exact on UTF-8.
  constexpr std::string_view kPunctuation = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";
  std::string out;
  for (char c : t) {
    if (options.ignore_punctuation && kPunctuation.find(c) != std::string_view::npos) continue;
    if (options.ignore_numbers && c >= '0' && c <= '9') continue;
    out.push_back(c);
  }
  return out;
}

bool exact_match(const std::string& pred, const std::string& ref, const ExactMatchOptions& options) {
  return exact_match_normalize(pred, options) == exact_match_normalize(ref, options);
}

}  // namespace slime::eval
