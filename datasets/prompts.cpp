#include "datasets/prompts.h"

#include <string_view>

#include "datasets/formats/cells.h"

namespace slime::data {
namespace {

std::string meta_text(const Sample& s, const char* key) {
  auto it = s.meta.find(key);
  if (it == s.meta.end() || it->is_null()) return "";
  return it->is_string() ? it->get<std::string>() : it->dump();
}

// "\nA. a\nB. b" over every option of the sample.
std::string option_lines(const Sample& s) {
  std::string out;
  for (const auto& o : s.options) out += "\n" + o.letter + ". " + o.text;
  return out;
}

}  // namespace

std::string prompt_raw(const Sample& s) { return s.question; }

std::string prompt_short_answer(const Sample& s) { return s.question + kShortAnswerSuffix; }

std::string prompt_mme(const Sample& s) {
  std::string q = s.question;
  if (ends_with(q, kMmeYesNo)) q.resize(q.size() - std::string_view(kMmeYesNo).size());
  return q + kShortAnswerSuffix;
}

std::string prompt_textvqa_ocr(const Sample& s) {
  // llava_textvqa_val_v051_ocr.jsonl: ', '.join(ocr_tokens); an empty list leaves "token: ".
  std::string tokens;
  auto it = s.meta.find("ocr_tokens");
  if (it != s.meta.end() && it->is_array()) {
    for (size_t i = 0; i < it->size(); ++i) {
      if (i) tokens += ", ";
      tokens += (*it)[i].is_string() ? (*it)[i].get<std::string>() : (*it)[i].dump();
    }
  }
  return s.question + "\nReference OCR token: " + tokens + kShortAnswerSuffix;
}

std::string prompt_options(const Sample& s) { return s.question + option_lines(s) + kLetterSuffix; }

std::string prompt_mmbench(const Sample& s, bool chinese) {
  // model_vqa_mmbench.py: hint prefix unless is_none; options A-D up to the first missing one.
  std::string q = s.question;
  if (!llava_is_none(s.hint.empty() ? std::nullopt : std::optional<std::string_view>(s.hint))) {
    q = s.hint + "\n" + q;
  }
  const char* letters[] = {"A", "B", "C", "D"};
  for (const char* letter : letters) {
    const Option* found = nullptr;
    for (const auto& o : s.options) {
      if (o.letter == letter) found = &o;
    }
    if (!found || llava_is_none(std::string_view(found->text))) break;
    q += "\n" + found->letter + ". " + found->text;
  }
  return q + (chinese ? kLetterSuffixCn : kLetterSuffix);
}

std::string prompt_scienceqa(const Sample& s) {
  std::string q = s.hint.empty() ? s.question : "Context: " + s.hint + "\n" + s.question;
  return q + option_lines(s) + kLetterSuffix;
}

std::string prompt_mmstar(const Sample& s) { return trim(s.question) + kLetterSuffix; }

std::string prompt_mmmu(const Sample& s) {
  // lmms-eval mmmu construct_prompt: the "\n\n" before the instruction is part of the format.
  const std::string type = meta_text(s, "question_type");
  const bool multiple_choice = type.empty() ? !s.options.empty() : type == "multiple-choice";
  if (multiple_choice) {
    return s.question + option_lines(s) + "\n\nAnswer with the option's letter from the given choices directly.";
  }
  return s.question + "\n\nAnswer the question using a single word or phrase.";
}

std::string prompt_mathvista(const Sample& s) {
  // lmms-eval mathvista create_one_query (shot_type format-prompt): parts joined by "\n".
  std::string q = s.question;
  const std::string unit = meta_text(s, "unit");
  if (!unit.empty()) q += " (Unit: " + unit + ")";
  std::string out = q;
  for (const auto& o : s.options) out += "\n" + o.letter + ". " + o.text;
  const std::string qtype = meta_text(s, "question_type");
  const std::string atype = meta_text(s, "answer_type");
  const std::string precision = meta_text(s, "precision");
  std::string hint;
  if (qtype == "multi_choice" || (qtype.empty() && !s.options.empty())) {
    hint = "Answer with the option's letter from the given choices directly.";
  } else if (atype == "integer") {
    hint = "Answer the question using a single integer number.";
  } else if (atype == "float" && (precision == "1" || precision == "1.0")) {
    hint = "Answer the question using a single floating-point number with one decimal place.";
  } else if (atype == "float" && (precision == "2" || precision == "2.0")) {
    hint = "Answer the question using a single floating-point number with two decimal places.";
  } else if (atype == "list") {
    hint = "Answer the question using a Python list.";
  }
  if (!hint.empty()) out += "\n" + hint;
  return out;
}

std::string prompt_hires_detail(const Sample& s) {
  return s.options.empty() ? prompt_short_answer(s) : prompt_options(s);
}

}  // namespace slime::data
