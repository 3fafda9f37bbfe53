// Primitives whose upstream code could not be run here. Expected values are DERIVED BY HAND from
// the upstream source (file named per test) and from benchmarks.md §3 golden tables.
#include <cmath>
#include <set>

#include <gtest/gtest.h>

#include "evaluators/primitives/mcq_extract.h"
#include "evaluators/primitives/pystr.h"
#include "evaluators/primitives/seeded_choice.h"
#include "evaluators/primitives/vqa_accuracy.h"
#include "evaluators/primitives/yes_no.h"

namespace slime::eval {
namespace {

// Hand-derived: MME eval_tool/calculation.py is not in any fetched repository (benchmarks.md §3.6
// table, column MME-off).
TEST(YesNoHand, MmeOfficial) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"Yes", "yes"},   {"Yes.", "yes"},  {"No.", "no"},          {"y", "other"},       {"n", "other"},
      {"The answer is no", "other"},      {"There is no dog", "other"}, {"Not sure", "no"},
      {"None", "no"},   {"Nope", "no"},   {"I don't know", "other"}, {"", "other"},   {"Yes and no", "yes"},
      {"yes/no", "yes"}, {"NO", "no"},    {"It is not.", "other"}, {"Yes, but not", "yes"}};
  for (const auto& [in, want] : cases) EXPECT_EQ(yes_no_mme_official(in), want) << "'" << in << "'";
}

// Hand-derived from GT-Vision-Lab/VQA@a013f00 vqaEval.py (not fetched): normalisation only when
// the GT answers differ (benchmarks.md §3.1 "Under B").
TEST(VqaOfficialHand, ConditionalNormalisation) {
  const std::vector<std::string> ten_yes(10, "yes");
  EXPECT_EQ(vqa_official_accuracy("yes.", ten_yes), 0.0);
  EXPECT_EQ(vqa_official_accuracy("yes", ten_yes), 1.0);
  std::vector<std::string> mixed(9, "yes");
  mixed.push_back("no");
  EXPECT_EQ(vqa_official_accuracy("Yes.", mixed), 1.0);
  std::string normalised;
  EXPECT_NEAR(vqa_official_accuracy("No", mixed, &normalised), 0.3, 1e-15);
  EXPECT_EQ(normalised, "no");
}

// §3.2: k GT answers equal to the prediction -> 0, .3, .6, .9, 1.
TEST(VqaSoftAccuracyHand, AsFunctionOfMatches) {
  const double want[] = {0.0, 0.3, 0.6, 0.9, 1.0, 1.0};
  for (int k = 0; k <= 5; ++k) {
    std::vector<std::string> gts(10, "x");
    for (int i = 0; i < k; ++i) gts[i] = "p";
    // 1e-15: the mean of ten thirds is not exact in binary.
    EXPECT_NEAR(vqa_soft_accuracy("p", gts), want[k], 1e-15) << "k=" << k;
  }
}

// Hand-derived from lmms-eval tasks/scienceqa, tasks/seedbench, tasks/ai2d and the pre-9ca4445
// MMStar matcher (benchmarks.md §3.7 #3-#5, #10).
TEST(McqHand, LmmsSmallRules) {
  EXPECT_TRUE(mcq_lmms_scienceqa_correct(" b ", "B"));
  EXPECT_TRUE(mcq_lmms_scienceqa_correct("B. dog", "B"));
  EXPECT_FALSE(mcq_lmms_scienceqa_correct("b. dog", "B"));
  EXPECT_FALSE(mcq_lmms_scienceqa_correct("The answer is B", "B"));
  EXPECT_EQ(mcq_lmms_seed("  C) red"), "C");
  EXPECT_EQ(mcq_lmms_seed("c"), "c");
  EXPECT_EQ(mcq_lmms_ai2d_filter("  B. dog"), "B");
  EXPECT_EQ(mcq_lmms_ai2d_filter("B dog"), "B dog");
  EXPECT_EQ(mcq_lmms_ai2d_filter("b. dog"), "b. dog");
  EXPECT_TRUE(mcq_mmstar_legacy_correct("B", "B"));
  EXPECT_TRUE(mcq_mmstar_legacy_correct("(b) dog", "B"));
  EXPECT_TRUE(mcq_mmstar_legacy_correct("Option C", "C"));
  EXPECT_TRUE(mcq_mmstar_legacy_correct("The answer is D.", "D"));
  EXPECT_FALSE(mcq_mmstar_legacy_correct("The correct answer is D.", "D"));
  EXPECT_TRUE(mcq_mmstar_legacy_correct("a cat", "A"));  // first character only: "a" of "a cat"
  EXPECT_FALSE(mcq_mmstar_legacy_correct("", "A"));
}

TEST(SeededChoice, DependsOnlyOnKey) {
  const std::vector<std::string> c = {"A", "B", "C", "D"};
  const std::string a = seeded_choice(c, "mmmu_val", "validation_Art_1", "v1");
  for (int i = 0; i < 5; ++i) EXPECT_EQ(seeded_choice(c, "mmmu_val", "validation_Art_1", "v1"), a);
  // Over many ids every option is picked (a constant would hide a broken seed).
  std::set<std::string> seen;
  for (int i = 0; i < 64; ++i) seen.insert(seeded_choice(c, "mmmu_val", "id" + std::to_string(i), "v1"));
  EXPECT_EQ(seen.size(), 4u);
  EXPECT_NE(fallback_seed("mmmu_val", "x", "v1"), fallback_seed("mmmu_val", "x", "v2"));
  EXPECT_THROW(seeded_choice({}, "b", "i", "v"), std::exception);
}

// Python float()/round()/repr() behaviour the scorers rely on.
TEST(PyStr, FloatSemantics) {
  EXPECT_EQ(*py::to_float(" 12 "), 12.0);
  EXPECT_EQ(*py::to_float("1_000"), 1000.0);
  EXPECT_FALSE(py::to_float("1__000"));
  EXPECT_FALSE(py::to_float("_1"));
  EXPECT_FALSE(py::to_float("1,000"));
  EXPECT_FALSE(py::to_float(""));
  EXPECT_FALSE(py::to_float("."));
  EXPECT_EQ(*py::to_float(".5"), 0.5);
  EXPECT_EQ(*py::to_float("5."), 5.0);
  EXPECT_EQ(*py::to_float("1e3"), 1000.0);
  EXPECT_TRUE(std::isinf(*py::to_float("-Infinity")));
  EXPECT_TRUE(std::isnan(*py::to_float("NaN")));
  EXPECT_EQ(py::round_to(0.125, 2), 0.12);  // half-even on the exact binary value
  EXPECT_EQ(py::round_to(0.335, 2), 0.34);  // 0.335 is stored slightly above .335
  EXPECT_EQ(py::float_repr(100.0), "100.0");
  EXPECT_EQ(py::float_repr(0.1), "0.1");
  EXPECT_EQ(py::float_repr(1e16), "1e+16");
  EXPECT_EQ(py::float_repr(1.5e-5), "1.5e-05");
  EXPECT_EQ(py::float_repr(-0.0001), "-0.0001");
  EXPECT_EQ(py::len("ß"), 1u);
  EXPECT_EQ(py::upper("straße"), "STRASSE");
  EXPECT_EQ(py::lower("ÉCOLE"), "école");
  EXPECT_EQ(py::split_ws(" a\tb\n c "), (std::vector<std::string>{"a", "b", "c"}));
}

}  // namespace
}  // namespace slime::eval
