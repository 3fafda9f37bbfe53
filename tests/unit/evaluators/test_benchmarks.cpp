// Per-benchmark scorers through the registry: aggregates against upstream aggregation code
// (benchmarks.json), counting of errors / missing predictions, profiles, CircularEval, MMMU's
// order-independent fallback, judge-only tasks.
#include <algorithm>

#include "engine/common/error.h"
#include "evaluators/benchmarks/benchmarks.h"
#include "evaluators/score.h"
#include "tests/unit/evaluators/golden.h"

namespace slime::eval {
namespace {

using test::load_golden;

// Python aggregates with statistics.mean (exact rational sum), np.mean (pairwise summation) or a
// sequential sum; C++ sums sequentially. That moves the last bits only: 1e-9 on a 0-100 scale
// is far below the 2 decimals any suite reports, and far above the observed ~1e-14 differences.
constexpr double kAggregateTolerance = 1e-9;

data::Sample make(const std::string& task, const std::string& id, const std::string& answer,
                  const std::string& category = "") {
  data::Sample s;
  s.task = task;
  s.id = id;
  s.answer = answer;
  s.category = category;
  return s;
}

data::Sample sample_from_json(const std::string& task, const nlohmann::json& j) {
  data::Sample s;
  s.task = task;
  s.id = j.at("id").get<std::string>();
  s.answer = j.value("answer", "");
  if (j.contains("answers")) s.answers = j["answers"].get<std::vector<std::string>>();
  s.category = j.value("category", "");
  s.split = j.value("split", "");
  if (j.contains("options")) {
    for (const auto& o : j["options"]) s.options.push_back({o[0].get<std::string>(), o[1].get<std::string>()});
  }
  if (j.contains("meta")) s.meta = j["meta"];
  return s;
}

// Every case of benchmarks.json: the metrics and per-sample values the upstream process_results /
// aggregation functions produced on the same samples and predictions.
TEST(Benchmarks, MatchUpstreamProcessResultsAndAggregation) {
  const auto golden = load_golden("benchmarks.json");
  int cases = 0, checks = 0;
  for (const auto& c : golden["cases"]) {
    const std::string task = c["task"], profile = c["profile"];
    SCOPED_TRACE(task + " / " + profile);
    std::vector<data::Sample> samples;
    for (const auto& j : c["samples"]) samples.push_back(sample_from_json(task, j));
    std::vector<Prediction> preds;
    for (const auto& p : c["predictions"]) preds.push_back({p["id"], p["text"]});
    const auto out = score_task(task, samples, preds, {profile});
    EXPECT_EQ(out.profile, profile);
    EXPECT_EQ(out.counts.scored, static_cast<int64_t>(samples.size()));
    for (const auto& [pointer, want] : c["expected"].items()) {
      const nlohmann::json::json_pointer ptr(pointer);
      ASSERT_TRUE(out.metrics.contains(ptr)) << "metric " << pointer << " missing in " << out.metrics.dump();
      EXPECT_NEAR(out.metrics[ptr].get<double>(), want.get<double>(), kAggregateTolerance) << pointer;
      ++checks;
    }
    if (c.contains("per_sample")) {
      for (const auto& entry : out.per_sample) {
        const std::string id = entry["id"];
        if (!c["per_sample"].contains(id)) continue;
        for (const auto& [key, want] : c["per_sample"][id].items()) {
          ASSERT_TRUE(entry.contains(key)) << id << " lacks " << key;
          if (want.is_string()) EXPECT_EQ(entry[key], want) << id << " " << key;
          else EXPECT_NEAR(entry[key].get<double>(), want.get<double>(), kAggregateTolerance) << id << " " << key;
          ++checks;
        }
      }
    }
    ++cases;
  }
  EXPECT_GE(cases, 20);
  EXPECT_GE(checks, 100);
}

TEST(Benchmarks, PopeMeanF1OverSplitsAndLmmsInvalid) {
  std::vector<data::Sample> samples = {make("pope", "1", "yes", "random"), make("pope", "2", "no", "random"),
                                       make("pope", "3", "yes", "popular"), make("pope", "4", "no", "popular")};
  std::vector<Prediction> preds = {{"1", "yes"}, {"2", "no"}, {"3", "Yes."}, {"4", "no"}};
  const auto llava = score_task("pope", samples, preds);
  EXPECT_DOUBLE_EQ(llava.metrics["mean_f1"].get<double>(), 1.0);
  const auto lmms = score_task("pope", samples, preds, {"lmms_eval"});
  // "Yes." is invalid in lmms-eval: popular has no TP -> F1 0, accuracy 0.5.
  EXPECT_DOUBLE_EQ(lmms.metrics["splits"]["popular"]["f1"].get<double>(), 0.0);
  EXPECT_DOUBLE_EQ(lmms.metrics["splits"]["popular"]["accuracy"].get<double>(), 0.5);
  EXPECT_DOUBLE_EQ(lmms.metrics["splits"]["popular"]["invalid"].get<double>(), 1.0);
  EXPECT_DOUBLE_EQ(lmms.metrics["mean_f1"].get<double>(), 0.5);
}

TEST(Benchmarks, ErrorsAndMissingPredictionsAreCounted) {
  std::vector<data::Sample> samples = {make("gqa", "1", "dog"), make("gqa", "2", "cat"), make("gqa", "3", "red")};
  samples[2].error = "missing_image: images/3.jpg not found";
  std::vector<Prediction> preds = {{"1", "Dog."}, {"9", "x"}, {"3", "red"}};
  const auto out = score_task("gqa", samples, preds);
  EXPECT_EQ(out.counts.samples, 3);
  EXPECT_EQ(out.counts.scored, 1);
  EXPECT_EQ(out.counts.missing_prediction, 1);
  EXPECT_EQ(out.counts.unknown_prediction, 1);
  EXPECT_EQ(out.counts.errors.at("missing_image"), 1);
  ASSERT_EQ(out.per_sample.size(), 3u);
  EXPECT_EQ(out.per_sample[0]["filtered"], "dog");
  EXPECT_TRUE(out.per_sample[1]["missing_prediction"].get<bool>());
  EXPECT_TRUE(out.per_sample[2].contains("error"));
  EXPECT_DOUBLE_EQ(out.metrics["accuracy"].get<double>(), 100.0);
  EXPECT_THROW(score_task("gqa", samples, {{"1", "a"}, {"1", "b"}}), Error);
}

TEST(Benchmarks, RegistryNamesProfilesAndErrors) {
  const auto names = task_names();
  for (const char* n : {"mme", "pope", "pope_random", "pope_popular", "pope_adversarial", "textvqa_val", "textvqa_val_ocr",
                        "gqa", "vqav2_val", "mmbench_dev_en", "mmbench_dev_cn", "seed_image", "scienceqa_img", "mmstar",
                        "ai2d", "chartqa", "docvqa_val", "realworldqa", "mmmu_val", "mathvista_testmini", "hallusionbench",
                        "amber_d", "mmvet", "llava_bench", "hires_detail"}) {
    EXPECT_TRUE(std::find(names.begin(), names.end(), n) != names.end()) << n;
  }
  EXPECT_THROW(score_task("nope", {}, {}), Error);
  try {
    score_task("ai2d", {}, {}, {"llava_official"});
    FAIL() << "expected kUnsupported";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kUnsupported);
  }
  const auto out = score_task("textvqa_val", {}, {}, {"vlmevalkit"});
  EXPECT_EQ(out.profile, "vlmevalkit");
  EXPECT_FALSE(out.rule_version.empty());
}

TEST(Benchmarks, JudgeOnlyIsNotComputed) {
  const auto out = score_task("mmvet", {make("mmvet", "v1", "4")}, {{"v1", "four"}});
  EXPECT_FALSE(out.computed);
  EXPECT_TRUE(out.metrics.empty());
  EXPECT_EQ(out.counts.scored, 1);
  EXPECT_EQ(to_json(out)["not_computed_reason"], "judge-only metric and no judge configured");
}

data::Sample mmb(const std::string& id, const std::string& answer, const std::vector<std::string>& texts) {
  auto s = make("mmbench_dev_en", id, answer, "attribute_reasoning");
  for (size_t i = 0; i < texts.size(); ++i) s.options.push_back({std::string(1, char('A' + i)), texts[i]});
  s.meta["l2-category"] = "AR";
  return s;
}

TEST(Benchmarks, MmbenchCircularNeedsEveryCopy) {
  // Question 5 in two rotations (both right), question 6 in two rotations (second wrong).
  std::vector<data::Sample> samples = {mmb("5", "A", {"cat", "dog"}), mmb("1000005", "B", {"dog", "cat"}),
                                       mmb("6", "A", {"red", "blue"}), mmb("1000006", "B", {"blue", "red"})};
  std::vector<Prediction> preds = {{"5", "A"}, {"1000005", "cat"}, {"6", "A."}, {"1000006", "A"}};
  const auto out = score_task("mmbench_dev_en", samples, preds);
  EXPECT_EQ(out.profile, "vlmevalkit");
  EXPECT_DOUBLE_EQ(out.metrics["circular_accuracy"].get<double>(), 50.0);
  EXPECT_DOUBLE_EQ(out.metrics["vanilla_accuracy"].get<double>(), 100.0);
  EXPECT_DOUBLE_EQ(out.metrics["circular_by_l2_category"]["AR"].get<double>(), 50.0);
}

TEST(Benchmarks, MmmuFallbackIndependentOfOrder) {
  std::vector<data::Sample> samples;
  for (int i = 0; i < 8; ++i) {
    auto s = make("mmmu_val", "validation_Art_" + std::to_string(i), "A");
    s.options = {{"A", "alpha"}, {"B", "beta"}, {"C", "gamma"}};
    s.meta["question_type"] = "multiple-choice";
    samples.push_back(s);
  }
  std::vector<Prediction> preds;
  for (const auto& s : samples) preds.push_back({s.id, "no idea"});
  const auto a = score_task("mmmu_val", samples, preds);
  std::reverse(samples.begin(), samples.end());
  std::reverse(preds.begin(), preds.end());
  const auto b = score_task("mmmu_val", samples, preds);
  EXPECT_EQ(a.metrics["accuracy"], b.metrics["accuracy"]);
  for (const auto& e : a.per_sample) {
    const auto it = std::find_if(b.per_sample.begin(), b.per_sample.end(), [&](const auto& x) { return x["id"] == e["id"]; });
    EXPECT_EQ((*it)["filtered"], e["filtered"]);
    EXPECT_TRUE(e["random_fallback"].get<bool>());
  }
  EXPECT_TRUE(a.metrics["domains"].contains("Art and Design"));
}

TEST(Benchmarks, MmmuOpenProfilesDiffer) {
  auto s = make("mmmu_val", "validation_Math_1", "42");
  s.meta["question_type"] = "open";
  const auto official = score_task("mmmu_val", {s}, {{s.id, "The answer is 42."}});
  const auto lmms = score_task("mmmu_val", {s}, {{s.id, "The answer is 42."}}, {"lmms_eval"});
  EXPECT_DOUBLE_EQ(official.metrics["accuracy"].get<double>(), 100.0);
  EXPECT_DOUBLE_EQ(lmms.metrics["accuracy"].get<double>(), 0.0);  // benchmarks.md §1 item 4
}

TEST(Benchmarks, VqaFamilyAndSubmission) {
  auto s = make("vqav2_val", "42", "");
  s.answers = {"two", "2", "2", "2", "two", "2", "2", "2", "2", "2"};
  const auto out = score_task("vqav2_val", {s}, {{"42", "Two."}});
  EXPECT_DOUBLE_EQ(out.metrics["accuracy"].get<double>(), 100.0);
  const auto sub = vqav2_submission({s, make("vqav2_val", "43", "")}, {{"42", "Two."}});
  ASSERT_EQ(sub.size(), 2u);
  EXPECT_EQ(sub[0]["question_id"], 42);
  EXPECT_EQ(sub[0]["answer"], "2");
  EXPECT_EQ(sub[1]["answer"], "");
  auto t = make("textvqa_val", "7", "");
  t.answers = std::vector<std::string>(9, "stop");
  const auto bad = score_task("textvqa_val", {t}, {{"7", "stop"}});
  EXPECT_EQ(bad.counts.errors.at("answer_count"), 1);
  EXPECT_EQ(bad.counts.scored, 0);
  const auto ok = score_task("textvqa_val", {t}, {{"7", "stop"}}, {"vlmevalkit"});
  EXPECT_DOUBLE_EQ(ok.metrics["accuracy"].get<double>(), 100.0);
}

TEST(Benchmarks, ChartqaDocvqaAmberHallusion) {
  auto c = make("chartqa", "1", "5");
  c.meta["type"] = "human_test";
  const auto chart = score_task("chartqa", {c}, {{"1", " 5.2 "}});
  EXPECT_DOUBLE_EQ(chart.metrics["relaxed_human_split"].get<double>(), 100.0);
  auto d = make("docvqa_val", "1", "");
  d.answers = {"hello"};
  EXPECT_NEAR(score_task("docvqa_val", {d}, {{"1", "helo"}}).metrics["anls"].get<double>(), 80.0, 1e-12);
  std::vector<data::Sample> amber = {make("amber_d", "1", "Yes", "discriminative-hallucination"),
                                     make("amber_d", "2", "No", "discriminative-attribute-state"),
                                     make("amber_d", "3", "No", "discriminative-attribute-number")};
  const auto a = score_task("amber_d", amber, {{"1", "yes"}, {"2", "No."}, {"3", "yes"}});
  EXPECT_DOUBLE_EQ(a.metrics["by_category"]["Attribute"].get<double>(), 50.0);
  EXPECT_DOUBLE_EQ(a.metrics["avg_acc"].get<double>(), 75.0);  // macro over Existence 100, Attribute 50
  std::vector<data::Sample> hb = {make("hallusionbench", "VD_chart_x_0_0_0", "1", "VD"),
                                  make("hallusionbench", "VD_chart_x_0_1_0", "0", "VD"),
                                  make("hallusionbench", "VD_chart_x_0_1_1", "1", "VD")};
  for (auto& s : hb) s.meta["l2-category"] = "chart";
  const auto h = score_task("hallusionbench", hb, {{hb[0].id, "Yes"}, {hb[1].id, "No"}, {hb[2].id, "No"}});
  EXPECT_NEAR(h.metrics["aAcc"].get<double>(), 200.0 / 3.0, 1e-12);
  EXPECT_DOUBLE_EQ(h.metrics["fAcc"].get<double>(), 50.0);  // figure 0 right, figure 1 half wrong
  EXPECT_DOUBLE_EQ(h.metrics["qAcc"].get<double>(), 50.0);  // question 0 of both figures right; question 1 wrong
}

TEST(Benchmarks, HiresDetailOwnRule) {
  auto mc = make("hires_detail", "1", "B", "colour");
  mc.options = {{"A", "red"}, {"B", "green"}, {"C", "blue"}};
  auto count = make("hires_detail", "2", "3", "count");
  auto text = make("hires_detail", "3", "AB12", "text");
  const auto out = score_task("hires_detail", {mc, count, text}, {{"1", "(B) green"}, {"2", "Three."}, {"3", "ab 12"}});
  EXPECT_EQ(out.profile, "slime");
  EXPECT_EQ(out.per_sample[0]["filtered"], "B");
  EXPECT_EQ(out.per_sample[1]["filtered"], "3");
  EXPECT_DOUBLE_EQ(out.per_sample[2]["correct"].get<double>(), 0.0);  // "ab 12" != "ab12"
  EXPECT_NEAR(out.metrics["accuracy"].get<double>(), 200.0 / 3.0, 1e-12);
  EXPECT_DOUBLE_EQ(out.metrics["by_category"]["count"]["accuracy"].get<double>(), 100.0);
}

}  // namespace
}  // namespace slime::eval
