// LLaVA-Bench (in-the-wild) GPT review (haotian-liu/LLaVA llava/eval/eval_gpt_review_bench.py and
// llava/eval/table/rule.json @ c121f04, benchmarks.md §4.19): the review content built from the
// image caption, question, the GPT-4 reference answer (Assistant 1) and the model answer
// (Assistant 2); the system message; temperature 0.2 and max_tokens 1024 as upstream; parse_score.
#pragma once
#include <array>
#include <string>

#include "evaluators/score.h"

namespace slime::eval::judge {

extern const char* const kLlavaBenchSystem;
// rule.json["llava_bench_" + category]["prompt"]; throws kNotFound for other categories (upstream
// asserts "Visual QA category not found in rule file").
const std::string& llava_bench_rule(const std::string& category);

// f'[Context]\n{cap_str}\n\n[Question]\n{q}\n\n[Assistant 1]\n{a1}\n\n[End of Assistant 1]\n\n'
// f'[Assistant 2]\n{a2}\n\n[End of Assistant 2]\n\n[System]\n{prompt}\n\n'
std::string llava_bench_content(const std::string& category, const std::string& caption, const std::string& question,
                                const std::string& reference_answer, const std::string& model_answer);
// parse_score: first line, ',' -> ' ', split(' '); two floats, else [-1, -1] (which upstream keeps
// in the means).
std::array<double, 2> llava_bench_parse(const std::string& review);

struct LlavaBenchReview {
  std::array<double, 2> scores{};  // (reference, model)
  std::string content;
  std::string model;
  std::string prompt_sha256;
  bool cached = false;
};
LlavaBenchReview llava_bench_review(Judge& judge, const std::string& category, const std::string& caption,
                                    const std::string& question, const std::string& reference_answer,
                                    const std::string& model_answer);

}  // namespace slime::eval::judge
