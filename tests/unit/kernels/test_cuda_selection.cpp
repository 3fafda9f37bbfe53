// Top-p / top-k selection: the shared softmax exp (everywhere), the parameter checks (everywhere),
// and the CUDA kernel against the CPU reference, kept set for kept set (skipped without a GPU;
// CUDA runtime only, no LibTorch CUDA needed).
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <iostream>
#include <random>
#include <string>
#include <vector>

#include "engine/common/error.h"
#include "engine/kernels/cpu_reference.h"
#include "engine/kernels/kernels_info.h"
#include "engine/kernels/selection.h"
#include "engine/kernels/selection_math.h"

#if SLIME_WITH_CUDA
#include <cuda_runtime_api.h>
#endif

namespace sk = slime::kernels;
using Indices = std::vector<std::int64_t>;

namespace {

// Cephes expf's documented accuracy on [-88, 88] is ~1 ulp; 2 ulp leaves room for the final
// ldexpf and is far tighter than anything the top-p rule could notice.
constexpr double kExpMaxUlp = 2.0;

double ulp_of(float x) { return std::nextafter(std::fabs(x), INFINITY) - std::fabs(x); }

std::vector<float> gaussian(int L, float stddev, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, stddev);
  std::vector<float> s(L);
  for (float& v : s) v = normal(rng);
  return s;
}

}  // namespace

TEST(SelectionMath, SoftmaxExpWithinTwoUlp) {
  double worst = 0.0;
  for (float x = -87.0f; x <= 0.0f; x += 0.00137f) {
    const float got = sk::detail::softmax_exp(x);
    const double want = std::exp(static_cast<double>(x));
    worst = std::max(worst, std::fabs(got - want) / ulp_of(static_cast<float>(want)));
  }
  EXPECT_LE(worst, kExpMaxUlp);
  EXPECT_EQ(sk::detail::softmax_exp(0.0f), 1.0f);
  EXPECT_EQ(sk::detail::softmax_exp(-200.0f), 0.0f);
  EXPECT_EQ(sk::detail::softmax_exp(-INFINITY), 0.0f);
  EXPECT_TRUE(std::isnan(sk::detail::softmax_exp(NAN)));
}

TEST(Selection, TopPTiesOnPBrokenByScore) {
  // Scores 1e-6 apart, ascending with the index, mostly share one fp32 p after the double softmax
  // at L = 1000 (p ≈ 1e-3; its rounding step is ~10x the real difference). Lower-index-first on p
  // alone would keep low scores; broken by s, top-p keeps the K best scores.
  std::vector<float> s(1000);
  for (int i = 0; i < 1000; ++i) s[i] = 1e-6f * static_cast<float>(i);
  const Indices kept = sk::select_topp_cpu(s.data(), 1000, 1.0f, 0.95f, sk::SoftmaxMode::kDouble);
  const Indices by_score = sk::select_topk_cpu(s.data(), 1000, static_cast<int>(kept.size()));
  EXPECT_EQ(kept, by_score);
}

TEST(Selection, ParamsChecked) {
  sk::SelectionParams p;
  p.L = sk::kMaxCudaSelectionLength + 1;
  int count = 0;
  p.out_count = &count;
  try {
    sk::check_params(p, "test");
    FAIL() << "no throw";
  } catch (const slime::Error& error) {
    EXPECT_EQ(error.code(), slime::ErrorCode::kUnsupported);
  }
  p.L = 4;  // null scores
  EXPECT_THROW(sk::check_params(p, "test"), slime::Error);
}

#if SLIME_WITH_CUDA
namespace {

void check(cudaError_t status, const char* what) {
  if (status != cudaSuccess) FAIL() << what << ": " << cudaGetErrorString(status);
}

// Runs select_cuda on host scores; returns the kept indices.
Indices select_on_gpu(const std::vector<float>& s, sk::SelectionParams p) {
  const int L = static_cast<int>(s.size());
  float* d_scores = nullptr;
  std::int64_t* d_kept = nullptr;
  int* d_count = nullptr;
  check(cudaMalloc(reinterpret_cast<void**>(&d_scores), sizeof(float) * (L + 1)), "cudaMalloc");
  check(cudaMalloc(reinterpret_cast<void**>(&d_kept), sizeof(std::int64_t) * (L + 1)), "cudaMalloc");
  check(cudaMalloc(reinterpret_cast<void**>(&d_count), sizeof(int)), "cudaMalloc");
  if (L > 0) check(cudaMemcpy(d_scores, s.data(), sizeof(float) * L, cudaMemcpyHostToDevice), "H2D");
  p.scores = d_scores;
  p.L = L;
  p.out_kept = d_kept;
  p.out_count = d_count;
  sk::select_cuda(p, nullptr);
  int K = -1;
  check(cudaMemcpy(&K, d_count, sizeof(int), cudaMemcpyDeviceToHost), "D2H count");
  Indices kept(K > 0 ? K : 0);
  if (K > 0) check(cudaMemcpy(kept.data(), d_kept, sizeof(std::int64_t) * K, cudaMemcpyDeviceToHost), "D2H kept");
  cudaFree(d_scores);
  cudaFree(d_kept);
  cudaFree(d_count);
  return kept;
}

}  // namespace

TEST(CudaSelection, MatchesCpuReferenceExactly) {
  if (sk::cuda_devices().empty()) GTEST_SKIP() << "no CUDA device";
  const int lengths[] = {1, 2, 7, 288, 576, 720, 1008, 1500, sk::kMaxCudaSelectionLength};
  int cases = 0;
  for (int L : lengths) {
    for (float stddev : {0.01f, 0.1f, 1.0f, 4.0f}) {
      for (unsigned seed = 1; seed <= 6; ++seed) {
        std::vector<float> s = gaussian(L, stddev, seed * 31 + L);
        if (seed == 6) {  // exact ties: quantised scores
          for (float& v : s) v = std::round(v * 8.0f) / 8.0f;
        }
        for (auto softmax : {sk::SoftmaxMode::kDouble, sk::SoftmaxMode::kSingle}) {
          for (float temperature : {1.0f, 0.5f, 0.1f}) {
            for (float gamma : {0.95f, 0.5f, 1.0f}) {
              sk::SelectionParams p;
              p.rule = sk::SelectionRule::kTopP;
              p.softmax = softmax;
              p.temperature = temperature;
              p.gamma = gamma;
              const Indices want = sk::select_topp_cpu(s.data(), L, temperature, gamma, softmax);
              ASSERT_EQ(select_on_gpu(s, p), want) << "L " << L << " std " << stddev << " seed " << seed << " tau "
                                                   << temperature << " gamma " << gamma;
              ++cases;
            }
          }
        }
        for (int k : {1, L / 2 + 1, L, L + 5}) {
          sk::SelectionParams p;
          p.rule = sk::SelectionRule::kTopK;
          p.k = k;
          ASSERT_EQ(select_on_gpu(s, p), sk::select_topk_cpu(s.data(), L, k)) << "L " << L << " k " << k;
        }
      }
    }
  }
  std::cout << cases << " top-p cases bit-identical\n";
}

TEST(CudaSelection, EmptyAndAllTied) {
  if (sk::cuda_devices().empty()) GTEST_SKIP() << "no CUDA device";
  sk::SelectionParams p;
  EXPECT_TRUE(select_on_gpu({}, p).empty());
  const std::vector<float> tied(300, 0.25f);
  const Indices kept = select_on_gpu(tied, p);
  EXPECT_EQ(kept, sk::select_topp_cpu(tied.data(), 300, 1.0f, 0.95f, sk::SoftmaxMode::kDouble));
  for (std::size_t i = 0; i < kept.size(); ++i) EXPECT_EQ(kept[i], static_cast<std::int64_t>(i));  // lower index first
}
#endif
