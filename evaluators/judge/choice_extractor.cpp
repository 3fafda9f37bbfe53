#include "evaluators/judge/choice_extractor.h"

#include "evaluators/judge/chat_judge.h"
#include "evaluators/primitives/choice_judge_prompt.h"
#include "evaluators/primitives/mcq_extract.h"
#include "evaluators/primitives/pystr.h"
#include "evaluators/primitives/seeded_choice.h"

namespace slime::eval::judge {
namespace {
constexpr int kTries = 3;  // extract_answer_from_item: retry = 3
}  // namespace

ChoiceExtraction extract_choice_with_judge(Judge& judge, const data::Sample& sample, const std::string& prediction,
                                           const std::string& rule_version) {
  ChoiceExtraction out;
  const std::string prompt = choice_judge_prompt(sample.question, sample.options, py::strip(prediction));
  for (int i = 0; i < kTries; ++i) {
    // The judge's default sampling parameters (VLMEvalKit's judge wrapper: temperature 0).
    const ChatReply r = ask(judge, {"", prompt, {}, {}});
    out.judge_answers.push_back(r.content);
    out.prompt_sha256 = r.prompt_sha256;
    out.cached += r.cached ? 1 : 0;
    out.model = r.model;
    const std::string letter = mcq_vlmevalkit_can_infer(r.content, sample.options);
    if (!letter.empty()) {
      out.letter = letter;
      return out;
    }
  }
  std::vector<std::string> pool;
  for (const auto& o : sample.options) pool.push_back(o.letter);
  pool.push_back("Z");
  out.letter = seeded_choice(pool, sample.task, sample.id, rule_version);
  out.fallback = true;
  return out;
}

}  // namespace slime::eval::judge
