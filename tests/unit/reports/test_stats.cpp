// Bootstrap intervals and paired tests against the Python replay (tests/data/reports/
// stats_golden.json, gen_stats_golden.py) and against values computed by hand.
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "engine/common/error.h"
#include "reports/stats.h"

namespace slime::reports {
namespace {

// The C++ and Python code add the same doubles in the same order; only the final divisions and
// the percentile interpolation may round differently (a few ulps of values <= 1).
constexpr double kGoldenTol = 1e-12;

nlohmann::json golden() {
  std::ifstream in("tests/data/reports/stats_golden.json");
  EXPECT_TRUE(in.good()) << "run from the repository root";
  return nlohmann::json::parse(in);
}

std::vector<double> vec(const nlohmann::json& j) { return j.get<std::vector<double>>(); }

TEST(Stats, SplitMix64MatchesReferenceSequence) {
  // Also the published SplitMix64 output for seed 0 (first value 0xe220a8397b1dcdaf).
  const auto g = golden();
  SplitMix64 rng(0);
  for (const auto& v : g["splitmix64_seed0_first3"]) EXPECT_EQ(std::to_string(rng.next()), v.get<std::string>());
  SplitMix64 again(0);
  EXPECT_EQ(again.next(), 0xe220a8397b1dcdafull);
}

TEST(Stats, PercentileMatchesNumpyLinearByHand) {
  // numpy.percentile([1, 2, 3, 4], 25) = 1.75; ([10, 0, 5], 50) = 5; q = 100 -> max.
  EXPECT_DOUBLE_EQ(percentile({1, 2, 3, 4}, 25), 1.75);
  EXPECT_DOUBLE_EQ(percentile({10, 0, 5}, 50), 5.0);
  EXPECT_DOUBLE_EQ(percentile({3, 1, 2}, 100), 3.0);
  EXPECT_DOUBLE_EQ(percentile({7}, 2.5), 7.0);
}

TEST(Stats, BootstrapIntervalsMatchGolden) {
  const auto g = golden();
  struct Case { const char* key; const char* input; int b; uint64_t seed; double level; };
  for (const Case c : {Case{"ci_binary_a_B1000_seed7", "binary_a", 1000, 7, 0.95},
                       Case{"ci_soft_a_B500_seed3", "soft_a", 500, 3, 0.95},
                       Case{"ci_binary_a_B1000_seed7_level90", "binary_a", 1000, 7, 0.90}}) {
    const Interval ci = bootstrap_ci(vec(g["inputs"][c.input]), c.b, c.seed, c.level);
    const auto& want = g[c.key];
    EXPECT_EQ(ci.n, want["n"].get<int64_t>()) << c.key;
    EXPECT_NEAR(ci.mean, want["mean"].get<double>(), kGoldenTol) << c.key;
    EXPECT_NEAR(ci.lo, want["lo"].get<double>(), kGoldenTol) << c.key;
    EXPECT_NEAR(ci.hi, want["hi"].get<double>(), kGoldenTol) << c.key;
    EXPECT_LE(ci.lo, ci.mean);
    EXPECT_GE(ci.hi, ci.mean);
  }
}

TEST(Stats, BootstrapIsSeededAndSeedMatters) {
  const auto x = vec(golden()["inputs"]["soft_a"]);
  const Interval a = bootstrap_ci(x, 200, 1), b = bootstrap_ci(x, 200, 1), c = bootstrap_ci(x, 200, 2);
  EXPECT_EQ(a.lo, b.lo);
  EXPECT_EQ(a.hi, b.hi);
  EXPECT_TRUE(a.lo != c.lo || a.hi != c.hi);
}

TEST(Stats, ConstantScoresGiveADegenerateInterval) {
  const Interval ci = bootstrap_ci(std::vector<double>(30, 1.0), 100, 0);
  EXPECT_EQ(ci.lo, 1.0);
  EXPECT_EQ(ci.hi, 1.0);
  EXPECT_THROW(bootstrap_ci({}, 100, 0), Error);
  EXPECT_THROW(bootstrap_ci({1.0}, 0, 0), Error);
}

TEST(Stats, PairedTestsMatchGolden) {
  const auto g = golden();
  const auto& in = g["inputs"];
  struct Case { const char* key; const char* a; const char* b; uint64_t seed; };
  for (const Case c : {Case{"paired_binary_B1000_seed11", "binary_a", "binary_b", 11},
                       Case{"paired_soft_B1000_seed5", "soft_a", "soft_b", 5}}) {
    const PairedResult p = paired_test(vec(in[c.a]), vec(in[c.b]), 1000, c.seed);
    const auto& want = g[c.key];
    EXPECT_EQ(p.method, want["method"].get<std::string>()) << c.key;
    EXPECT_EQ(p.n, want["n"].get<int64_t>());
    EXPECT_NEAR(p.delta, want["delta"].get<double>(), kGoldenTol) << c.key;
    EXPECT_NEAR(p.lo, want["lo"].get<double>(), kGoldenTol) << c.key;
    EXPECT_NEAR(p.hi, want["hi"].get<double>(), kGoldenTol) << c.key;
    EXPECT_NEAR(p.p_value, want["p_value"].get<double>(), kGoldenTol) << c.key;
    if (want.contains("a_only")) {
      EXPECT_EQ(p.a_only, want["a_only"].get<int64_t>());
      EXPECT_EQ(p.b_only, want["b_only"].get<int64_t>());
    }
  }
}

TEST(Stats, McNemarExactByHand) {
  // 2 pairs only A right, 8 only B right, 5 concordant: p = 2 (C(10,0)+C(10,1)+C(10,2)) / 2^10
  // = 2 * 56 / 1024 = 0.109375.
  std::vector<double> a, b;
  for (int i = 0; i < 2; ++i) a.push_back(1), b.push_back(0);
  for (int i = 0; i < 8; ++i) a.push_back(0), b.push_back(1);
  for (int i = 0; i < 5; ++i) a.push_back(1), b.push_back(1);
  const PairedResult p = paired_test(a, b, 100, 0);
  EXPECT_EQ(p.method, "mcnemar-exact");
  EXPECT_EQ(p.a_only, 2);
  EXPECT_EQ(p.b_only, 8);
  EXPECT_NEAR(p.p_value, 0.109375, 1e-15);
  EXPECT_NEAR(p.delta, 6.0 / 15.0, 1e-15);
  // No discordant pair: nothing to test.
  EXPECT_EQ(paired_test({1, 0, 1}, {1, 0, 1}, 10, 0).p_value, 1.0);
  // Binomial tail by hand: P(X <= 1), n = 4: (1 + 4) / 16.
  EXPECT_NEAR(binomial_half_cdf(1, 4), 5.0 / 16.0, 1e-15);
  // Large n stays finite (log space): P(X <= 500), n = 1000 is a bit over 1/2.
  const double mid = binomial_half_cdf(500, 1000);
  EXPECT_GT(mid, 0.5);
  EXPECT_LT(mid, 0.52);
  EXPECT_THROW(paired_test({1, 0}, {1}, 10, 0), Error);
}

}  // namespace
}  // namespace slime::reports
