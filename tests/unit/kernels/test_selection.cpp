// Top-p (model.md §7.3, §7.4) and top-k (§7.5) selection on the CPU.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "engine/common/error.h"
#include "engine/kernels/cpu_reference.h"

namespace sk = slime::kernels;
using Indices = std::vector<std::int64_t>;

namespace {

std::vector<float> gaussian_scores(int L, float stddev, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, stddev);
  std::vector<float> s(L);
  for (float& v : s) v = normal(rng);
  return s;
}

Indices topp(const std::vector<float>& s, float gamma, sk::SoftmaxMode mode, float temperature = 1.0f) {
  return sk::select_topp_cpu(s.data(), static_cast<int>(s.size()), temperature, gamma, mode);
}

}  // namespace

TEST(TopP, KeepsOnePastTheThresholdInRasterOrder) {
  // Single softmax of log-probabilities gives p back: p = [0.15, 0.5, 0.05, 0.3].
  const std::vector<float> s = {std::log(0.15f), std::log(0.5f), std::log(0.05f), std::log(0.3f)};
  // sorted p: 0.5 (1), 0.3 (3), 0.15 (0), 0.05 (2); c = 0.5, 0.8, 0.95, 1.0
  EXPECT_EQ(topp(s, 0.9f, sk::SoftmaxMode::kSingle), (Indices{0, 1, 3}));  // m = 2 -> keep 3
  EXPECT_EQ(topp(s, 0.6f, sk::SoftmaxMode::kSingle), (Indices{1, 3}));     // m = 1 -> keep 2
  EXPECT_EQ(topp(s, 0.4f, sk::SoftmaxMode::kSingle), (Indices{1}));        // m = 0 -> keep 1: K >= 1
  EXPECT_EQ(topp(s, 0.0f, sk::SoftmaxMode::kSingle), (Indices{1}));
}

TEST(TopP, GammaOneKeepsAll) {
  for (auto mode : {sk::SoftmaxMode::kDouble, sk::SoftmaxMode::kSingle}) {
    for (float stddev : {0.1f, 1.0f, 4.0f}) {
      const auto s = gaussian_scores(288, stddev, 11);
      // m is L, or L-1 when fp32 cumsum rounds the last c_j above 1: either way all L are kept.
      EXPECT_EQ(topp(s, 1.0f, mode).size(), 288u);
    }
  }
  EXPECT_TRUE(topp({}, 0.95f, sk::SoftmaxMode::kDouble).empty());
}

TEST(TopP, TiesGoToTheLowerIndex) {
  // uniform p = 0.25: c = 0.25, 0.5, 0.75, 1 (exact in fp32); gamma 0.5 -> m = 2 -> keep 3
  const std::vector<float> s(4, 1.5f);
  EXPECT_EQ(topp(s, 0.5f, sk::SoftmaxMode::kSingle), (Indices{0, 1, 2}));
  // two tied leaders and a tail: the tie between indices 2 and 4 keeps 2
  const std::vector<float> t = {std::log(0.1f), std::log(0.1f), std::log(0.4f), std::log(0.0f + 0.0001f), std::log(0.4f)};
  EXPECT_EQ(topp(t, 0.3f, sk::SoftmaxMode::kSingle), (Indices{2}));
}

TEST(TopP, DoubleSoftmaxKeepsFloorGammaLPlusOne) {
  // model.md §1 table: K = ⌊0.95·L⌋ + 1 for any content, because the inner softmax squeezes the
  // scores into [0, 1] and the outer one is then nearly uniform. L = 720 (0.95·720 = 684 exactly)
  // sits on the boundary: 684 or 685.
  const int lengths[] = {288, 432, 576, 720, 864, 1008};
  const int expected[] = {274, 411, 548, 685, 821, 958};
  for (int n = 0; n < 6; ++n) {
    for (float stddev : {0.1f, 1.0f, 4.0f}) {
      for (unsigned seed : {1u, 2u, 3u}) {
        const int K = static_cast<int>(topp(gaussian_scores(lengths[n], stddev, seed), 0.95f, sk::SoftmaxMode::kDouble).size());
        if (lengths[n] == 720) {
          EXPECT_TRUE(K == 684 || K == 685) << "L 720 K " << K;
        } else {
          EXPECT_EQ(K, expected[n]) << "L " << lengths[n] << " std " << stddev << " seed " << seed;
        }
      }
    }
  }
}

TEST(TopP, SingleSoftmaxFollowsTheScoreSpread) {
  // §7.4: std 0.1 -> 4.0 keeps 271 … 16 at L = 288, 947 … 45 at L = 1008 (one draw each). Seeds
  // 1-3 here give 271 / 946-947 at std 0.1 and 19-22 / 25-37 at std 4: few tokens, seed-dependent,
  // hence the wide bounds at std 4.
  const auto K = [](int L, float stddev, unsigned seed) {
    return static_cast<int>(topp(gaussian_scores(L, stddev, seed), 0.95f, sk::SoftmaxMode::kSingle).size());
  };
  for (unsigned seed : {1u, 2u, 3u}) {
    EXPECT_NEAR(K(288, 0.1f, seed), 271, 3);
    EXPECT_NEAR(K(1008, 0.1f, seed), 947, 5);
    EXPECT_GE(K(288, 4.0f, seed), 8);
    EXPECT_LE(K(288, 4.0f, seed), 32);
    EXPECT_GE(K(1008, 4.0f, seed), 12);
    EXPECT_LE(K(1008, 4.0f, seed), 90);
    EXPECT_LT(K(288, 1.0f, seed), 274);  // always below the double-softmax count
  }
}

TEST(TopP, RejectsNonPositiveTemperature) {
  const std::vector<float> s = {1.0f, 2.0f};
  EXPECT_THROW(topp(s, 0.95f, sk::SoftmaxMode::kSingle, 0.0f), slime::Error);
}

TEST(TopK, HighestScoresTiesByLowerIndexAscending) {
  const std::vector<float> s = {1.0f, 3.0f, 3.0f, 2.0f, 3.0f};
  EXPECT_EQ(sk::select_topk_cpu(s.data(), 5, 2), (Indices{1, 2}));
  EXPECT_EQ(sk::select_topk_cpu(s.data(), 5, 4), (Indices{1, 2, 3, 4}));
  EXPECT_EQ(sk::select_topk_cpu(s.data(), 5, 9), (Indices{0, 1, 2, 3, 4}));  // K = min(k, L)
  EXPECT_THROW(sk::select_topk_cpu(s.data(), 5, 0), slime::Error);
}

TEST(TopK, EqualsDoubleSoftmaxTopPWithoutTies) {
  // §7.5: under the double softmax top-p is top-k with k = ⌊γL⌋+1 when no scores tie.
  for (unsigned seed : {4u, 5u}) {
    const auto s = gaussian_scores(864, 1.0f, seed);
    const auto p = topp(s, 0.95f, sk::SoftmaxMode::kDouble);
    EXPECT_EQ(sk::select_topk_cpu(s.data(), 864, static_cast<int>(p.size())), p);
  }
}
