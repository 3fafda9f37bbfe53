// lmms-eval api/metrics.py::exact_match_hf_evaluate (benchmarks.md §3.5), one pair at a time.
#pragma once
#include <string>

namespace slime::eval {

struct ExactMatchOptions {
  bool ignore_case = false;
  bool ignore_punctuation = false;  // every character of Python string.punctuation
  bool ignore_numbers = false;      // ASCII digits
};

std::string exact_match_normalize(const std::string& text, const ExactMatchOptions& options);
bool exact_match(const std::string& pred, const std::string& ref, const ExactMatchOptions& options);

}  // namespace slime::eval
