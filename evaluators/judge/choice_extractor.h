// VLMEvalKit's LLM choice extractor (dataset/utils/multiple_choice.py extract_answer_from_item @
// e8e78f0, benchmarks.md §3.8), used for MMBench copies that rule extraction (can_infer) leaves
// unresolved: the judge gets choice_judge_prompt() (prediction stripped first, as upstream), each
// answer goes through can_infer, up to 3 tries; after 3 failures upstream draws
// rd.choice(letters + ['Z']) unseeded, we draw the same set with seeded_choice (per sample).
#pragma once
#include <string>
#include <vector>

#include "datasets/sample.h"
#include "evaluators/score.h"

namespace slime::eval::judge {

struct ChoiceExtraction {
  std::string letter;                      // a letter, "Z", or the seeded fallback
  bool fallback = false;                   // true when every try failed
  std::vector<std::string> judge_answers;  // raw judge answers, one per try
  std::string prompt_sha256;
  int cached = 0;
  std::string model;
};

ChoiceExtraction extract_choice_with_judge(Judge& judge, const data::Sample& sample, const std::string& prediction,
                                           const std::string& rule_version);

}  // namespace slime::eval::judge
