// User-turn text for LLaVA-family models, per benchmark (benchmarks.md §2.4 and §4). The chat
// template (vicuna_v1 / llama3) and the `<image>\n` prefix are added by engine/text, not here.
// Every string is pinned by tests/unit/datasets/test_prompts.cpp.
#pragma once
#include <string>

#include "datasets/sample.h"

namespace slime::data {

// S and M of benchmarks.md (haotian-liu/LLaVA@c121f04 docs/Evaluation.md).
inline constexpr const char* kShortAnswerSuffix = "\nAnswer the question using a single word or phrase.";
inline constexpr const char* kLetterSuffix = "\nAnswer with the option's letter from the given choices directly.";
// model_vqa_mmbench.py --lang cn.
inline constexpr const char* kLetterSuffixCn = "\n请直接回答选项字母。";
// MME questions end with this; the LLaVA question file replaces it by S.
inline constexpr const char* kMmeYesNo = " Please answer yes or no.";

std::string prompt_raw(const Sample& s);            // the question as shipped
std::string prompt_short_answer(const Sample& s);   // Q + S
std::string prompt_mme(const Sample& s);            // Q minus " Please answer yes or no." + S
std::string prompt_textvqa_ocr(const Sample& s);    // Q\nReference OCR token: a, b + S
std::string prompt_options(const Sample& s);        // Q\nA. a\nB. b + M (SEED, AI2D, hires-detail)
std::string prompt_mmbench(const Sample& s, bool chinese);  // [hint\n]Q\nA. ..(A-D, to first none) + M
std::string prompt_scienceqa(const Sample& s);      // [Context: hint\n]Q\nA. a\nB. b + M
std::string prompt_mmstar(const Sample& s);         // strip(Q) + M
std::string prompt_mmmu(const Sample& s);           // MC: Q\nA. ..\n\n + M-text; open: Q\n\n + S-text
std::string prompt_mathvista(const Sample& s);      // lmms-eval format-prompt (create_one_query)
std::string prompt_hires_detail(const Sample& s);   // options -> prompt_options, else Q + S

}  // namespace slime::data
