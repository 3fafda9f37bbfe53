// Multiple-choice letter extraction variants (benchmarks.md §3.7), each a port of one upstream
// function at the pinned revision. Options come from Sample::options (letter + text).
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "datasets/sample.h"

namespace slime::eval {

inline constexpr const char* kMcqFailed = "FAILED";

// #1 LLaVA eval_science_qa.py: exact letter, "X. ...", or exactly one "The answer is X." match;
// the letter must index an existing option (n_options). Else "FAILED".
std::string mcq_llava_scienceqa(const std::string& pred, size_t n_options);
// #4 lmms-eval scienceqa sqa_process_results: on the stripped prediction, lower() == target, or
// "X." with upper-case X whose lower() == target.
bool mcq_lmms_scienceqa_correct(const std::string& pred, const std::string& target);
// #3 lmms-eval seedbench: strip, first character when longer than one; compared case-insensitively.
std::string mcq_lmms_seed(const std::string& pred);
// #5 lmms-eval ai2d MultiChoiceRegexFilter: the letter of a leading "X." or the raw text.
std::string mcq_lmms_ai2d_filter(const std::string& pred);
// #6 lmms-eval _task_utils/mcq_extract.py::extract_mcq_answer; "" when nothing is found.
std::string mcq_lmms_extract(const std::string& response, const std::vector<std::string>& choices);
// #7 VLMEvalKit matching_util.can_infer (post PR #1175: last-5-token rule, length guard; VERBOSE
// unset). Returns a letter, "Z" (refusal / no option), or "" (False: needs the LLM extractor).
std::string mcq_vlmevalkit_can_infer(const std::string& answer, const std::vector<data::Option>& options);
// #8 lmms-eval mmbench_evals.can_infer (older VLMEvalKit copy, letters A-E); "" for False.
std::string mcq_lmms_mmbench_can_infer(const std::string& answer, const std::vector<data::Option>& options);
// #9 MMMU official parse_multi_choice_response; nullopt where upstream calls random.choice.
std::optional<std::string> mcq_mmmu_parse(const std::string& response, const std::vector<data::Option>& options);
// #10 MMStar matcher of lmms-eval before 9ca4445.
bool mcq_mmstar_legacy_correct(const std::string& pred, const std::string& gt);

// Letters "A".."H" (extract_mcq_answer's default) or the first n.
std::vector<std::string> letters(size_t n);

}  // namespace slime::eval
