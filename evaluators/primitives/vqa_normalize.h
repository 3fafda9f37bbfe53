// VQA answer normalisation, the variants of benchmarks.md §3.1. They share the punctuation list,
// number words, articles and the 120-entry contraction table; they differ in the PERIOD/COMMA
// regexes and in which steps run.
#pragma once
#include <string>
#include <string_view>

namespace slime::eval {

enum class VqaNorm {
  kEvalAI,      // A: LLaVA m4c_evaluator EvalAIAnswerProcessor.__call__ (also lmms-eval TextVQA)
  kOfficial,    // B: GT-Vision-Lab/VQA@a013f00 vqaEval.py (punctuation + digit/article step only)
  kVlmEvalKit,  // C: VLMEvalKit vqa_eval.process_answer
  kLmmsVqav2,   // lmms-eval tasks/vqav2: A's regexes, no word_tokenize, always applied
};

// process_punctuation with the regexes of `variant` (kOfficial and kLmmsVqav2 share A's PERIOD;
// the COMMA regex is variant-specific). At most 32 periods are removed (Python passes re.UNICODE
// as re.sub's count).
std::string vqa_process_punctuation(std::string_view text, VqaNorm variant);
// lower-case, split, number words -> digits, drop articles, contractions, join with ' '.
std::string vqa_process_digit_article(std::string_view text);
// `\n`/`\t` -> ' ' and strip (the first step of B and C, and step 2 of A).
std::string vqa_clean_whitespace(std::string_view text);
// A's word_tokenize: lower, delete ',' and '?', "'s" -> " 's", strip.
std::string vqa_word_tokenize(std::string_view text);

// The full pipeline of a variant. For kOfficial this is the normalisation applied when the GT
// answers are not all identical (see vqa_accuracy.h for the condition).
std::string vqa_normalize(std::string_view text, VqaNorm variant);

}  // namespace slime::eval
