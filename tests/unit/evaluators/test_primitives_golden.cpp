// Every primitive against the values the upstream Python functions produced (primitives.json).
#include <algorithm>
#include <set>

#include "evaluators/primitives/anls.h"
#include "evaluators/primitives/choice_judge_prompt.h"
#include "evaluators/primitives/exact_match.h"
#include "evaluators/primitives/mcq_extract.h"
#include "evaluators/primitives/mmmu_open.h"
#include "evaluators/primitives/relaxed_accuracy.h"
#include "evaluators/primitives/vqa_normalize.h"
#include "evaluators/primitives/yes_no.h"
#include "tests/unit/evaluators/golden.h"

namespace slime::eval {
namespace {

using test::load_golden;

// ANLS values are ratios of small integers computed the same way on both sides; the only
// difference allowed is the last bit from C++/Python operation order (none observed).
constexpr double kAnlsTolerance = 1e-15;

const nlohmann::json& golden() {
  static const nlohmann::json g = load_golden("primitives.json");
  return g;
}

TEST(VqaNormalize, MatchesUpstreamVariants) {
  int n = 0;
  for (const auto& r : golden()["vqa_normalize"]) {
    const std::string in = r["input"];
    EXPECT_EQ(vqa_normalize(in, VqaNorm::kEvalAI), r["A"].get<std::string>()) << "A: '" << in << "'";
    EXPECT_EQ(vqa_normalize(in, VqaNorm::kEvalAI), r["lmms_textvqa"].get<std::string>()) << "lmms textvqa: '" << in << "'";
    EXPECT_EQ(vqa_normalize(in, VqaNorm::kLmmsVqav2), r["lmms_vqav2"].get<std::string>()) << "lmms vqav2: '" << in << "'";
    EXPECT_EQ(vqa_normalize(in, VqaNorm::kVlmEvalKit), r["C"].get<std::string>()) << "C: '" << in << "'";
    ++n;
  }
  EXPECT_GE(n, 30);
}

TEST(Anls, MatchesLmmsEvalAndVlmEvalKit) {
  for (const auto& r : golden()["anls"]) {
    const auto gts = r["gts"].get<std::vector<std::string>>();
    const std::string pred = r["pred"];
    EXPECT_NEAR(anls_score(gts, pred), r["lmms"].get<double>(), kAnlsTolerance) << "pred '" << pred << "'";
    const auto vk = r["vlmevalkit"].get<std::vector<double>>();
    for (size_t i = 0; i < gts.size(); ++i) {
      // VLMEvalKit anls_compute returns the normalised distance of one GT.
      EXPECT_NEAR(anls_distance(gts[i], pred), vk[i], kAnlsTolerance) << "gt '" << gts[i] << "' pred '" << pred << "'";
    }
  }
}

TEST(RelaxedAccuracy, MatchesChartQaImplementations) {
  for (const auto& r : golden()["relaxed"]) {
    const std::string p = r["pred"], t = r["target"];
    EXPECT_EQ(relaxed_correctness(t, p), r["lmms"].get<bool>()) << "pred '" << p << "' target '" << t << "'";
    EXPECT_EQ(relaxed_correctness(t, p), r["vlmevalkit"].get<bool>()) << "pred '" << p << "' target '" << t << "'";
  }
}

TEST(ExactMatch, MatchesLmmsEvalHfEvaluate) {
  for (const auto& r : golden()["exact_match"]) {
    const std::string p = r["pred"], ref = r["ref"];
    EXPECT_EQ(exact_match(p, ref, {true, true, false}) ? 1.0 : 0.0, r["case_punct"].get<double>()) << p << " / " << ref;
    EXPECT_EQ(exact_match(p, ref, {}) ? 1.0 : 0.0, r["plain"].get<double>()) << p << " / " << ref;
    EXPECT_EQ(exact_match(p, ref, {false, false, true}) ? 1.0 : 0.0, r["numbers"].get<double>()) << p << " / " << ref;
  }
}

TEST(YesNo, MatchesUpstreamExtractors) {
  for (const auto& r : golden()["yes_no"]) {
    const std::string in = r["input"];
    EXPECT_EQ(yes_no_lmms_mme(in), r["lmms_mme"].get<std::string>()) << "'" << in << "'";
    EXPECT_EQ(yes_no_vlmevalkit(in), r["vlmevalkit"].get<std::string>()) << "'" << in << "'";
    EXPECT_EQ(yes_no_llava_pope(in), r["llava_pope"].get<std::string>()) << "'" << in << "'";
    EXPECT_EQ(yes_no_lmms_pope(in), r["lmms_pope"].get<std::string>()) << "'" << in << "'";
  }
}

TEST(Mcq, MatchesUpstreamExtractors) {
  std::vector<data::Option> options;
  for (const auto& o : golden()["mcq_options"]) options.push_back({o["letter"], o["text"]});
  for (const auto& r : golden()["mcq"]) {
    const std::string in = r["input"];
    EXPECT_EQ(mcq_lmms_extract(in, {}), r["lmms_extract"].get<std::string>()) << "'" << in << "'";
    EXPECT_EQ(mcq_lmms_extract(in, letters(4)), r["lmms_extract_abcd"].get<std::string>()) << "'" << in << "'";
    EXPECT_EQ(mcq_vlmevalkit_can_infer(in, options), r["vlmevalkit"].get<std::string>()) << "'" << in << "'";
    EXPECT_EQ(mcq_lmms_mmbench_can_infer(in, options), r["lmms_mmbench"].get<std::string>()) << "'" << in << "'";
    const auto mmmu = mcq_mmmu_parse(in, options);
    EXPECT_EQ(mmmu ? *mmmu : std::string("rnd"), r["mmmu"].get<std::string>()) << "'" << in << "'";
  }
}

TEST(Mcq, ScienceQaLlavaMatchesGetPredIdx) {
  for (const auto& r : golden()["scienceqa_llava"]) {
    const std::string in = r["input"];
    const std::string got = mcq_llava_scienceqa(in, r["n_options"].get<size_t>());
    // get_pred_idx returns the option index, or -1 (FAILED / beyond the choices).
    const int idx = got == kMcqFailed ? -1 : got[0] - 'A';
    EXPECT_EQ(idx, r["pred_idx"].get<int>()) << "'" << in << "'";
  }
}

TEST(MmmuOpen, ParserAndMatcherMatchUpstream) {
  for (const auto& r : golden()["mmmu_open"]) {
    const std::string in = r["input"];
    EXPECT_EQ(mmmu_extract_numbers(in), r["numbers"].get<std::vector<std::string>>()) << "'" << in << "'";
    const auto parsed = mmmu_parse_open(in);
    std::vector<MmmuItem> expected;
    for (const auto& p : r["parsed"]) {
      MmmuItem item;
      item.is_number = p[0] == "num";
      if (item.is_number) item.number = p[1].get<double>();
      else item.text = p[1].get<std::string>();
      expected.push_back(item);
    }
    EXPECT_EQ(parsed.size(), expected.size()) << "'" << in << "'";
    for (const auto& e : expected) {
      EXPECT_TRUE(std::find(parsed.begin(), parsed.end(), e) != parsed.end())
          << "'" << in << "' lacks " << mmmu_item_str(e);
    }
    for (const auto& [gold, ok] : r["correct"].items()) {
      EXPECT_EQ(mmmu_eval_open({gold}, parsed), ok.get<bool>()) << "'" << in << "' gold '" << gold << "'";
    }
    for (const auto& [gold, ok] : r["correct_lmms"].items()) {
      EXPECT_EQ(mmmu_eval_open_lmms({gold}, parsed), ok.get<bool>()) << "lmms '" << in << "' gold '" << gold << "'";
    }
  }
}

TEST(ChoiceJudgePrompt, ByteIdenticalToVlmEvalKit) {
  int n = 0;
  for (const auto& r : golden()["choice_judge_prompt"]) {
    std::vector<data::Option> options;
    for (const auto& o : r["options"]) options.push_back({o["letter"], o["text"]});
    EXPECT_EQ(choice_judge_prompt(r["question"], options, r["prediction"]), r["prompt"].get<std::string>());
    ++n;
  }
  EXPECT_EQ(n, 4);
}

}  // namespace
}  // namespace slime::eval
