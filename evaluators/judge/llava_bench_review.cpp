#include "evaluators/judge/llava_bench_review.h"

#include <map>

#include <fmt/format.h>

#include "engine/common/error.h"
#include "evaluators/judge/chat_judge.h"
#include "evaluators/primitives/pystr.h"

namespace slime::eval::judge {

// eval_gpt_review_bench.py get_eval(): system message, temperature=0.2, max_tokens=args.max_tokens
// (default 1024); the model is hard-coded there as 'gpt-4-0314' (ours: the configured judge).
const char* const kLlavaBenchSystem = "You are a helpful and precise assistant for checking the quality of the answer.";

namespace {
constexpr double kTemperature = 0.2;
constexpr int kMaxTokens = 1024;
constexpr const char* kRole = "Assistant";  // rule.json "role" of every llava_bench_* entry

// haotian-liu/LLaVA llava/eval/table/rule.json @ c121f0432da27facab705978f83c4ada465e46fd: the
// "prompt" of llava_bench_conv, llava_bench_detail and llava_bench_complex (identical strings,
// 872 bytes, sha256 2ce22b562d600886...).
const char* const kLlavaBenchRulePrompt =
    "We would like to request your feedback on the performance of two AI assistants in response to the user question displayed above. The user asks the question on observing an image. For your reference, the visual content in the image is represented with a few sentences describing the image. \n"
    "Please rate the helpfulness, relevance, accuracy, level of details of their responses. Each assistant receives an overall score on a scale of 1 to 10, where a higher score indicates better overall performance.\n"
    "Please first output a single line containing only two values indicating the scores for Assistant 1 and 2, respectively. The two scores are separated by a space.\n"
    "In the subsequent line, please provide a comprehensive explanation of your evaluation, avoiding any potential bias and ensuring that the order in which the responses were presented does not affect your judgment.";
}  // namespace

const std::string& llava_bench_rule(const std::string& category) {
  static const std::map<std::string, std::string> rules = {
      {"conv", kLlavaBenchRulePrompt}, {"detail", kLlavaBenchRulePrompt}, {"complex", kLlavaBenchRulePrompt}};
  auto it = rules.find(category);
  if (it == rules.end()) {
    throw_error(ErrorCode::kNotFound, "llava_bench: category '{}' has no rule (rule.json has llava_bench_conv, "
                "llava_bench_detail, llava_bench_complex)", category);
  }
  return it->second;
}

std::string llava_bench_content(const std::string& category, const std::string& caption, const std::string& question,
                                const std::string& reference_answer, const std::string& model_answer) {
  const std::string& prompt = llava_bench_rule(category);
  return fmt::format(
      "[Context]\n{}\n\n[Question]\n{}\n\n[{role} 1]\n{}\n\n[End of {role} 1]\n\n[{role} 2]\n{}\n\n[End of {role} 2]\n\n"
      "[System]\n{}\n\n",
      caption, question, reference_answer, model_answer, prompt, fmt::arg("role", kRole));
}

std::array<double, 2> llava_bench_parse(const std::string& review) {
  const std::string first_line = py::split_on(review, "\n")[0];
  const std::vector<std::string> sp = py::split_on(py::replace_all(first_line, ",", " "), " ");
  if (sp.size() != 2) return {-1.0, -1.0};
  const auto a = py::to_float(sp[0]), b = py::to_float(sp[1]);
  if (!a || !b) return {-1.0, -1.0};  // float() raised: caught by the `except Exception` branch
  return {*a, *b};
}

LlavaBenchReview llava_bench_review(Judge& judge, const std::string& category, const std::string& caption,
                                    const std::string& question, const std::string& reference_answer,
                                    const std::string& model_answer) {
  const ChatReply r = ask(judge, {kLlavaBenchSystem,
                                  llava_bench_content(category, caption, question, reference_answer, model_answer),
                                  kTemperature, kMaxTokens});
  LlavaBenchReview out;
  out.scores = llava_bench_parse(r.content);
  out.content = r.content;
  out.model = r.model;
  out.prompt_sha256 = r.prompt_sha256;
  out.cached = r.cached;
  return out;
}

}  // namespace slime::eval::judge
