// The LLM choice-extractor prompt of VLMEvalKit (benchmarks.md §3.8; dataset/utils/
// multiple_choice.py build_prompt / build_prompt_cn + smp/vlm.py build_option_str), byte for
// byte, for a Judge (score.h) to answer. The English template's literal "?" after the question,
// its "Your should" typo and trailing spaces are part of what the judge sees.
#pragma once
#include <string>
#include <vector>

#include "datasets/sample.h"

namespace slime::eval {

// "There are several options: \n" + "{L}. {text}\n" per option.
std::string choice_option_str(const std::vector<data::Option>& options);
// build_prompt_cn when the question holds a CJK ideograph (U+4E00..U+9FFF), else build_prompt.
std::string choice_judge_prompt(const std::string& question, const std::vector<data::Option>& options,
                                const std::string& prediction);

}  // namespace slime::eval
