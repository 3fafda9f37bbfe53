// Snapshot tests of the LLaVA-family prompt builders (benchmarks.md §2.4, §4): exact strings.
#include <gtest/gtest.h>

#include "datasets/prompts.h"
#include "datasets/registry.h"

namespace slime::data {
namespace {

Sample make(std::string question, std::vector<std::string> options = {}, std::string hint = "") {
  Sample s;
  s.question = std::move(question);
  s.hint = std::move(hint);
  for (size_t i = 0; i < options.size(); ++i) s.options.push_back({std::string(1, char('A' + i)), options[i]});
  return s;
}

TEST(Prompts, Suffixes) {
  EXPECT_STREQ(kShortAnswerSuffix, "\nAnswer the question using a single word or phrase.");
  EXPECT_STREQ(kLetterSuffix, "\nAnswer with the option's letter from the given choices directly.");
}

TEST(Prompts, MmeReplacesTheYesNoInstruction) {
  EXPECT_EQ(prompt_mme(make("Is this a cat? Please answer yes or no.")),
            "Is this a cat?\nAnswer the question using a single word or phrase.");
  // Only the exact trailing instruction goes; a question without it keeps its text.
  EXPECT_EQ(prompt_mme(make("Is this a cat?")), "Is this a cat?\nAnswer the question using a single word or phrase.");
}

TEST(Prompts, MmbenchFollowsModelVqaMmbench) {
  Sample s = make("Q?", {"a", "b", "c", "d"}, "H");
  EXPECT_EQ(prompt_mmbench(s, false), "H\nQ?\nA. a\nB. b\nC. c\nD. d\nAnswer with the option's letter from the given choices directly.");
  EXPECT_EQ(prompt_mmbench(s, true), "H\nQ?\nA. a\nB. b\nC. c\nD. d\n请直接回答选项字母。");
  // is_none hint ("NONE", "nan" in any case) is dropped; options stop at the first missing letter.
  Sample t;
  t.question = "Q?";
  t.hint = "NONE";
  t.options = {{"A", "a"}, {"B", "b"}, {"D", "d"}};
  EXPECT_EQ(prompt_mmbench(t, false), "Q?\nA. a\nB. b\nAnswer with the option's letter from the given choices directly.");
  // Only A-D: an E option is not shown by the LLaVA script.
  Sample u = make("Q?", {"a", "b", "c", "d", "e"});
  EXPECT_EQ(prompt_mmbench(u, false), "Q?\nA. a\nB. b\nC. c\nD. d\nAnswer with the option's letter from the given choices directly.");
}

TEST(Prompts, OptionsScienceQaMmstar) {
  EXPECT_EQ(prompt_options(make("Q?", {"x", "y"})), "Q?\nA. x\nB. y\nAnswer with the option's letter from the given choices directly.");
  EXPECT_EQ(prompt_scienceqa(make("Q?", {"x", "y"}, "ctx")), "Context: ctx\nQ?\nA. x\nB. y\nAnswer with the option's letter from the given choices directly.");
  EXPECT_EQ(prompt_scienceqa(make("Q?", {"x", "y"})), "Q?\nA. x\nB. y\nAnswer with the option's letter from the given choices directly.");
  EXPECT_EQ(prompt_mmstar(make("\n Q? A: x B: y \n")), "Q? A: x B: y\nAnswer with the option's letter from the given choices directly.");
}

TEST(Prompts, TextVqaOcrTokens) {
  Sample s = make("What is it?");
  s.meta["ocr_tokens"] = {"a,b", "\"q\"", "$5"};
  EXPECT_EQ(prompt_textvqa_ocr(s), "What is it?\nReference OCR token: a,b, \"q\", $5\nAnswer the question using a single word or phrase.");
  s.meta["ocr_tokens"] = nlohmann::json::array();
  EXPECT_EQ(prompt_textvqa_ocr(s), "What is it?\nReference OCR token: \nAnswer the question using a single word or phrase.");
}

TEST(Prompts, MmmuAndMathVista) {
  Sample mc = make("Q <image 1>?", {"x", "y"});
  EXPECT_EQ(prompt_mmmu(mc), "Q <image 1>?\nA. x\nB. y\n\nAnswer with the option's letter from the given choices directly.");
  Sample open = make("Q?");
  open.meta["question_type"] = "open";
  EXPECT_EQ(prompt_mmmu(open), "Q?\n\nAnswer the question using a single word or phrase.");
  Sample f = make("Len?");
  f.meta = {{"question_type", "free_form"}, {"answer_type", "float"}, {"precision", 2}, {"unit", "m"}};
  EXPECT_EQ(prompt_mathvista(f), "Len? (Unit: m)\nAnswer the question using a single floating-point number with two decimal places.");
  f.meta = {{"question_type", "free_form"}, {"answer_type", "list"}};
  EXPECT_EQ(prompt_mathvista(f), "Len?\nAnswer the question using a Python list.");
}

TEST(Prompts, HiresDetail) {
  EXPECT_EQ(prompt_hires_detail(make("How many?")), "How many?\nAnswer the question using a single word or phrase.");
  EXPECT_EQ(prompt_hires_detail(make("Where?", {"above", "below"})), "Where?\nA. above\nB. below\nAnswer with the option's letter from the given choices directly.");
}

TEST(Prompts, RegistryWiring) {
  const Sample s = make("Q? Please answer yes or no.");
  EXPECT_EQ(find_task("mme").prompt(s), prompt_mme(s));
  EXPECT_EQ(find_task("hallusionbench").prompt(s), s.question);
  EXPECT_EQ(find_task("pope_random").max_new_tokens, 64);
  EXPECT_EQ(find_task("mmbench_dev_en").max_new_tokens, 1024);
  EXPECT_EQ(find_task("chartqa").max_new_tokens, 100);
  EXPECT_EQ(find_task("amber_d").max_new_tokens, 128);
}

}  // namespace
}  // namespace slime::data
