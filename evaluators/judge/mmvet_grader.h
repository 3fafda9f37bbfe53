// The official MM-Vet GPT grader (yuweihao/MM-Vet mm-vet_evaluator.py@acde843, benchmarks.md §4.11),
// which the LLaVA/SliME numbers come from: the few-shot prompt byte for byte, the query row, the
// 0.0-1.0 parse and the retry ladder (a failed parse re-asks with "Predict the correctness of the
// answer (digit): " appended, temperature 0, 0, 0.5, 1.0, 1.5, 2.0; after the 5th retry the score is
// 0.0 whatever the last answer was). Requests use max_tokens=3 as upstream.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "evaluators/score.h"

namespace slime::eval::judge {

extern const char* const kMmvetPrompt;  // the evaluator's `prompt` (ends with "| 1.0\n")

// prompt + "\n" + " | ".join([question, gt.replace("<AND>", " <AND> ").replace("<OR>", " <OR> "), pred, ""])
std::string mmvet_query(const std::string& question, const std::string& answer, const std::string& prediction);
// content.split(" ")[0].strip() -> float(); nullopt where float() raises or the value lies outside
// [0, 1] (a NaN passes, as the Python comparison lets it).
std::optional<double> mmvet_parse(const std::string& content);

struct MmvetGrade {
  double score = 0.0;
  std::string content;                     // the last judge answer (as upstream stores it)
  std::string model;                       // the model that answered the last request
  std::vector<std::string> prompt_sha256;  // one per request (first query, then retry queries)
  int requests = 0;
  int cached = 0;  // requests served from the judge cache
};

MmvetGrade mmvet_grade(Judge& judge, const std::string& question, const std::string& answer,
                       const std::string& prediction);

}  // namespace slime::eval::judge
