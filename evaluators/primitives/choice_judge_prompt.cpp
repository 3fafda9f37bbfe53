#include "evaluators/primitives/choice_judge_prompt.h"

#include <fmt/format.h>

#include "evaluators/primitives/pystr.h"

namespace slime::eval {
namespace {
// Python str.format templates: "{}" slots for question, option string, prediction.
constexpr const char* kTemplateEn =
    "You are an AI assistant who will help me to match an answer with several options of a single-choice question. "
    "You are provided with a question, several options, and an answer, and you need to find which option is most "
    "similar to the answer. If the meaning of all options are significantly different from the answer, output Z. "
    "Your should output a single uppercase character in A, B, C, D (if they are valid options), and Z. \n"
    "Example 1: \n"
    "Question: What is the main object in image?\nOptions: A. teddy bear B. rabbit C. cat D. dog\n"
    "Answer: a cute teddy bear\nYour output: A\n"
    "Example 2: \n"
    "Question: What is the main object in image?\nOptions: A. teddy bear B. rabbit C. cat D. dog\n"
    "Answer: Spider\nYour output: Z\n"
    "Example 3: \n"
    "Question: {}?\nOptions: {}\nAnswer: {}\nYour output: ";
constexpr const char* kTemplateCn =
    "你是一个帮助我匹配答案与单选题中多个选项的 AI 助手。"
    "你会被提供：一个问题，多个选项，一个答案。你的任务是找到与答案意义最相近的选项。"
    "如果所有选项的意义都与答案显著不同，则输出 Z。"
    "你应该输出一个单个的大写字母，例如 A, B, C, D（如果它们是有效选项），或 Z。"
    "例 1:"
    "问题: 图中最主要的物体是什么?\n选项: A. 泰迪熊 B. 兔子 C. 猫 D. 狗\n答案: 一只可爱的泰迪熊\n输出: A\n"
    "例 2: \n"
    "问题: 图中最主要的物体是什么?\n选项: A. 泰迪熊 B. 兔子 C. 猫 D. 狗\n答案: 蜘蛛\n输出: Z\n"
    "例 3: \n"
    "问题: {}?\n选项: {}\n答案: {}\n输出: ";

bool has_cjk(const std::string& s) {
  for (uint32_t c : py::code_points(s)) {
    if (c >= 0x4E00 && c <= 0x9FFF) return true;
  }
  return false;
}
}  // namespace

std::string choice_option_str(const std::vector<data::Option>& options) {
  std::string s = "There are several options: \n";
  for (const auto& o : options) s += o.letter + ". " + o.text + "\n";
  return s;
}

std::string choice_judge_prompt(const std::string& question, const std::vector<data::Option>& options,
                                const std::string& prediction) {
  // fmt's "{}" replacement is the same as Python's for plain strings; the templates contain no
  // other braces.
  return fmt::format(fmt::runtime(has_cjk(question) ? kTemplateCn : kTemplateEn), question,
                     choice_option_str(options), prediction);
}

}  // namespace slime::eval
