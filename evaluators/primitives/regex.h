// A small PCRE2 wrapper with Python `re` semantics for the patterns the upstream scorers use
// (UTF + UCP, so \d, \b and \s are Unicode-aware as in Python 3 str patterns).
#pragma once
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace slime::eval {

struct RegexMatch {
  size_t begin = 0, end = 0;               // byte offsets of the whole match
  std::vector<std::string> groups;         // group 1..n text ("" when a group did not take part)
};

class Regex {
 public:
  explicit Regex(const std::string& pattern, bool ignore_case = false);
  ~Regex();
  Regex(const Regex&) = delete;
  Regex& operator=(const Regex&) = delete;

  bool search(std::string_view text, RegexMatch& m, size_t start = 0) const;  // re.search
  // re.findall: whole matches when the pattern has no group, else group 1.
  std::vector<std::string> findall(std::string_view text) const;
  // re.sub(pattern, repl, text, count): count 0 = all; repl is literal.
  std::string sub(std::string_view text, std::string_view repl, size_t count = 0) const;
  // re.split(pattern, text) for a pattern without groups.
  std::vector<std::string> split(std::string_view text) const;

 private:
  std::string pattern_;
  void* code_ = nullptr;  // pcre2_code*
};

}  // namespace slime::eval
