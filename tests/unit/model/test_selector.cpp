// The selector module (model.md §7): exact vs fused kept sets, the masked and clamped rows, K
// counts, the modes, raster order, half-precision inputs and the tie policy, and CUDA vs CPU.
#include <gtest/gtest.h>

#include <ATen/ATen.h>

#include <algorithm>
#include <cmath>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

#include "engine/common/error.h"
#include "engine/io/model_config.h"
#include "engine/kernels/cpu_reference.h"
#include "engine/kernels/kernels_info.h"
#include "engine/model/selector.h"

namespace sm = slime::model;
using Indices = std::vector<std::int64_t>;

namespace {

// exact (ATen broadcast, fp32) vs fused (plain loops, fp32) scores per unmasked text row: the same
// real number rounded differently; measured <= 3e-8 (test_selector_torch.cpp), 1e-6 leaves ~30x.
constexpr double kFusedVsExactPerRowTol = 1e-6;

// fp16/bf16 exact (scores rounded to the input dtype, T cosines summed in it) vs fused (fp32 sums
// over the same rounded inputs): each path's kept set is deterministic, but near-tied scores at
// the cut may order differently, so the sets may differ by one token swapped at the cut (§12.5
// "±1 at the cut"): at most 2 indices in the symmetric difference.
constexpr std::size_t kHalfCutSymmetricDiff = 2;

struct Inputs {
  at::Tensor local, text, mask;  // [L, D], [T, D], [T] (last row masked, as §7.1's padding row)
};

Inputs random_inputs(int L, int T, int D, std::uint64_t seed) {
  auto gen = at::make_generator<at::CPUGeneratorImpl>(seed);
  Inputs in{at::randn({L, D}, gen), at::randn({T, D}, gen), at::ones({T})};
  in.text[T - 1].zero_();  // the appended zero row for the removed image token, mask 0
  in.mask[T - 1] = 0.0f;
  return in;
}

sm::SelectorConfig config(sm::SelectorImpl impl, sm::SoftmaxMode softmax = sm::SoftmaxMode::kDouble,
                          sm::SelectorMode mode = sm::SelectorMode::kTopP, int64_t topk = 0) {
  sm::SelectorConfig c;
  c.impl = impl;
  c.softmax = softmax;
  c.mode = mode;
  c.topk = topk;
  return c;
}

Indices to_vector(const at::Tensor& kept) {
  const at::Tensor k = kept.cpu().contiguous();
  return Indices(k.data_ptr<std::int64_t>(), k.data_ptr<std::int64_t>() + k.numel());
}

bool strictly_ascending(const Indices& v) {
  return std::adjacent_find(v.begin(), v.end(), [](auto a, auto b) { return a >= b; }) == v.end();
}

std::size_t symmetric_difference(const Indices& a, const Indices& b) {
  Indices out;
  std::set_symmetric_difference(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  return out.size();
}

}  // namespace

TEST(Selector, ConfigFromResolvedModelConfig) {
  slime::io::ModelConfig mc;
  mc.resampler.topp = 0.9;
  mc.resampler.temp = 0.5;
  mc.selector.mode = "topk";
  mc.selector.topk = 300;
  mc.selector.softmax = "single";
  mc.selector.impl = "fused";
  const sm::SelectorConfig c = sm::selector_config_from(mc);
  EXPECT_EQ(c.mode, sm::SelectorMode::kTopK);
  EXPECT_EQ(c.topk, 300);
  EXPECT_EQ(c.softmax, sm::SoftmaxMode::kSingle);
  EXPECT_EQ(c.impl, sm::SelectorImpl::kFused);
  EXPECT_DOUBLE_EQ(c.gamma, 0.9);
  EXPECT_DOUBLE_EQ(c.temperature, 0.5);
  EXPECT_EQ(sm::SelectorConfig{}.softmax, sm::SoftmaxMode::kDouble);  // the paper-era default
  mc.selector.mode = "nucleus";
  EXPECT_THROW(sm::selector_config_from(mc), slime::Error);
}

TEST(Selector, ExactAndFusedKeepIdenticalSetsOnRandomFp32) {
  // Double softmax, single softmax (τ 1 and, for a wider K range, scores at τ 0.1) and top-k.
  const int lengths[] = {288, 576, 1008};
  for (int L : lengths) {
    for (std::uint64_t seed = 1; seed <= 16; ++seed) {
      const Inputs in = random_inputs(L, 24, 128, seed * 7919 + L);
      std::vector<sm::SelectorConfig> configs = {
          config(sm::SelectorImpl::kExact, sm::SoftmaxMode::kDouble),
          config(sm::SelectorImpl::kExact, sm::SoftmaxMode::kSingle),
          config(sm::SelectorImpl::kExact, sm::SoftmaxMode::kSingle),
          config(sm::SelectorImpl::kExact, sm::SoftmaxMode::kDouble, sm::SelectorMode::kTopK, L / 3),
      };
      configs[2].temperature = 0.1;
      for (sm::SelectorConfig c : configs) {
        const auto exact = sm::select_local_tokens(in.local, in.text, in.mask, c);
        c.impl = sm::SelectorImpl::kFused;
        const auto fused = sm::select_local_tokens(in.local, in.text, in.mask, c);
        SCOPED_TRACE("L " + std::to_string(L) + " seed " + std::to_string(seed) + " " +
                     sm::softmax_mode_name(c.softmax) + " " + sm::selector_mode_name(c.mode) + " tau " +
                     std::to_string(c.temperature));
        ASSERT_LE((exact.scores - fused.scores).abs().max().item<double>(), kFusedVsExactPerRowTol * 23);
        ASSERT_EQ(to_vector(exact.kept), to_vector(fused.kept));
      }
    }
  }
}

TEST(Selector, MaskedZeroRowAddsNothing) {
  const Inputs in = random_inputs(288, 17, 64, 3);
  const at::Tensor text_real = in.text.narrow(0, 0, 16), mask_real = in.mask.narrow(0, 0, 16);
  for (auto impl : {sm::SelectorImpl::kExact, sm::SelectorImpl::kFused}) {
    const auto c = config(impl);
    const auto with_row = sm::select_local_tokens(in.local, in.text, in.mask, c);
    const auto without = sm::select_local_tokens(in.local, text_real, mask_real, c);
    EXPECT_TRUE(at::isfinite(with_row.scores).all().item<bool>());
    EXPECT_LE((with_row.scores - without.scores).abs().max().item<double>(), kFusedVsExactPerRowTol * 16);
    EXPECT_EQ(to_vector(with_row.kept), to_vector(without.kept));
    // unmasked, the zero row is cos = 0 / eps = 0 per token in fp32 (no NaN): the same scores
    const auto unmasked = sm::select_local_tokens(in.local, in.text, at::ones({17}), c);
    EXPECT_LE((unmasked.scores - without.scores).abs().max().item<double>(), kFusedVsExactPerRowTol * 16);
  }
  // the fused path skips a masked row entirely: bitwise the same u, the same scores
  const auto c = config(sm::SelectorImpl::kFused);
  EXPECT_TRUE(at::equal(sm::selector_scores(in.local, in.text, in.mask, c),
                        sm::selector_scores(in.local, text_real, mask_real, c)));
}

TEST(Selector, EpsClampRowsTakeThePerTokenFallback) {
  Inputs in = random_inputs(64, 9, 256, 5);
  in.local[3].zero_();                                 // ‖z‖ = 0
  in.local[7] = in.local[7] * 1e-11;                   // ‖z‖ ≈ 1.6e-10 < eps: clamped, not zero
  in.text[2] = in.text[2] * 1e-12;                     // a clamped text row (unmasked)
  const auto exact = sm::select_local_tokens(in.local, in.text, in.mask, config(sm::SelectorImpl::kExact));
  const auto fused = sm::select_local_tokens(in.local, in.text, in.mask, config(sm::SelectorImpl::kFused));
  EXPECT_EQ(fused.scores[3].item<float>(), 0.0f);
  EXPECT_EQ(exact.scores[3].item<float>(), 0.0f);
  // Row 7 is z/eps·u: the per-token fallback computes it with the broadcast form, so it matches
  // the exact path to the same per-row rounding as every other row (relative to its magnitude).
  const double s7 = exact.scores[7].item<double>();
  EXPECT_NEAR(fused.scores[7].item<double>(), s7, kFusedVsExactPerRowTol * 8 * std::max(1.0, std::abs(s7)));
  EXPECT_LE((exact.scores - fused.scores).abs().max().item<double>(), kFusedVsExactPerRowTol * 8 * 10);
  EXPECT_EQ(to_vector(exact.kept), to_vector(fused.kept));
}

TEST(Selector, DoubleSoftmaxKMatchesTheBudgetTable) {
  // model.md §1: K = ⌊0.95·L⌋ + 1 under the double softmax, for any content; L = 720 is on the boundary.
  const int lengths[] = {288, 432, 576, 720, 864, 1008};
  const int expected[] = {274, 411, 548, 685, 821, 958};
  for (int n = 0; n < 6; ++n) {
    const Inputs in = random_inputs(lengths[n], 20, 64, 40 + n);
    const int K = static_cast<int>(
        sm::select_local_tokens(in.local, in.text, in.mask, config(sm::SelectorImpl::kFused)).kept.numel());
    if (lengths[n] == 720) {
      EXPECT_TRUE(K == 684 || K == 685) << K;
    } else {
      EXPECT_EQ(K, expected[n]) << "L " << lengths[n];
    }
  }
}

TEST(Selector, SingleSoftmaxKFollowsTheSpread) {
  // §7.4: under the single softmax K shrinks as the scores spread out (L = 1008: 947 … 45 for
  // std 0.1 … 4); the double softmax stays at 958.
  auto gen = at::make_generator<at::CPUGeneratorImpl>(9);
  const at::Tensor unit = at::randn({1008}, gen);
  auto c = config(sm::SelectorImpl::kFused, sm::SoftmaxMode::kSingle);
  int previous = 1009;
  for (double stddev : {0.1, 0.5, 1.0, 2.0, 4.0}) {
    const int K = static_cast<int>(sm::select_indices(unit * stddev, c).numel());
    EXPECT_LT(K, previous) << "std " << stddev;
    previous = K;
  }
  EXPECT_NEAR(static_cast<int>(sm::select_indices(unit * 0.1, c).numel()), 947, 10);
  EXPECT_LE(previous, 90);  // std 4: a few dozen
  c.softmax = sm::SoftmaxMode::kDouble;
  EXPECT_EQ(sm::select_indices(unit * 4.0, c).numel(), 958);
}

TEST(Selector, ModeAllTopKBeyondLAndGammaOne) {
  const Inputs in = random_inputs(288, 12, 32, 8);
  for (auto impl : {sm::SelectorImpl::kExact, sm::SelectorImpl::kFused}) {
    const auto all = sm::select_local_tokens(in.local, in.text, in.mask, config(impl, sm::SoftmaxMode::kDouble, sm::SelectorMode::kAll));
    EXPECT_TRUE(at::equal(all.kept, at::arange(288, at::kLong)));
    EXPECT_TRUE(at::equal(all.selected, in.local));
    EXPECT_EQ(all.scores.numel(), 288);
    const auto big_k = sm::select_local_tokens(in.local, in.text, in.mask,
                                               config(impl, sm::SoftmaxMode::kDouble, sm::SelectorMode::kTopK, 5000));
    EXPECT_TRUE(at::equal(big_k.kept, at::arange(288, at::kLong)));
    for (auto softmax : {sm::SoftmaxMode::kDouble, sm::SoftmaxMode::kSingle}) {
      auto c = config(impl, softmax);
      c.gamma = 1.0;
      EXPECT_EQ(sm::select_local_tokens(in.local, in.text, in.mask, c).kept.numel(), 288);
    }
  }
  // topk needs k >= 1; temperature must be positive
  EXPECT_THROW(sm::select_local_tokens(in.local, in.text, in.mask,
                                       config(sm::SelectorImpl::kFused, sm::SoftmaxMode::kDouble, sm::SelectorMode::kTopK, 0)),
               slime::Error);
}

TEST(Selector, RasterOrderRestoredAndRowsGathered) {
  const Inputs in = random_inputs(576, 30, 48, 12);
  for (auto mode : {sm::SelectorMode::kTopP, sm::SelectorMode::kTopK}) {
    const auto c = config(sm::SelectorImpl::kFused, sm::SoftmaxMode::kSingle, mode, 100);
    const auto r = sm::select_local_tokens(in.local, in.text, in.mask, c);
    const Indices kept = to_vector(r.kept);
    ASSERT_FALSE(kept.empty());
    EXPECT_TRUE(strictly_ascending(kept));
    EXPECT_TRUE(at::equal(r.selected, in.local.index_select(0, r.kept)));
    // the kept set is the K best scores: every kept score >= every dropped one
    const at::Tensor dropped = at::ones({576}, at::kBool).index_fill_(0, r.kept, false);
    EXPECT_GE(r.scores.index_select(0, r.kept).min().item<float>(), r.scores.masked_select(dropped).max().item<float>());
  }
  EXPECT_EQ(sm::select_local_tokens(in.local, in.text, in.mask,
                                    config(sm::SelectorImpl::kFused, sm::SoftmaxMode::kDouble, sm::SelectorMode::kTopK, 100))
                .kept.numel(),
            100);
}

TEST(Selector, EmptyLocalFeature) {
  const Inputs in = random_inputs(1, 5, 16, 2);
  const at::Tensor empty = at::empty({0, 16});
  for (auto impl : {sm::SelectorImpl::kExact, sm::SelectorImpl::kFused}) {
    const auto r = sm::select_local_tokens(empty, in.text, in.mask, config(impl));
    EXPECT_EQ(r.kept.numel(), 0);
    EXPECT_EQ(r.selected.sizes(), at::IntArrayRef({0, 16}));
  }
  EXPECT_THROW(sm::select_local_tokens(in.local, at::randn({5, 17}), in.mask, config(sm::SelectorImpl::kFused)), slime::Error);
}

TEST(Selector, HalfInputsAndTheLowerIndexTiePolicy) {
  // Exactly tied scores: identical token rows. With every row the same, p is uniform and both
  // rules keep the lowest raster indices.
  const at::Tensor text = at::randn({6, 32});
  for (auto type : {at::kHalf, at::kBFloat16}) {
    const at::Tensor same = at::randn({1, 32}).expand({40, 32}).contiguous().to(type);
    const at::Tensor e = text.to(type);
    auto c = config(sm::SelectorImpl::kFused, sm::SoftmaxMode::kDouble, sm::SelectorMode::kTopK, 7);
    Indices want(7);
    for (int i = 0; i < 7; ++i) want[i] = i;
    EXPECT_EQ(to_vector(sm::select_local_tokens(same, e, at::Tensor(), c).kept), want);
    c.mode = sm::SelectorMode::kTopP;
    const Indices kept = to_vector(sm::select_local_tokens(same, e, at::Tensor(), c).kept);
    // K = 39 = ⌊0.95·40⌋ + 1 in real arithmetic, but c_38 = 38·(1/40) = γ exactly there, so the
    // fp32 cumsum's rounding decides between 38, 39 and 40; whichever, the kept set is a prefix.
    ASSERT_GE(kept.size(), 38u);
    ASSERT_LE(kept.size(), 40u);
    for (std::size_t i = 0; i < kept.size(); ++i) EXPECT_EQ(kept[i], static_cast<std::int64_t>(i));
  }
  // Random half inputs: fused on the rounded values; exact in the input dtype where this LibTorch
  // has the kernels (1.13's CPU lacks f16 clamp_min), within ±1 token at the cut.
  const Inputs in = random_inputs(576, 20, 64, 77);
  for (auto type : {at::kHalf, at::kBFloat16}) {
    const at::Tensor z = in.local.to(type), e = in.text.to(type);
    const auto fused = sm::select_local_tokens(z, e, in.mask, config(sm::SelectorImpl::kFused));
    EXPECT_EQ(fused.kept.numel(), 548);
    EXPECT_EQ(fused.selected.scalar_type(), type);
    // the fused scores equal the fp32 fused scores of the widened inputs: the same arithmetic
    const auto widened = sm::selector_scores(z.to(at::kFloat), e.to(at::kFloat), in.mask, config(sm::SelectorImpl::kFused));
    EXPECT_TRUE(at::equal(fused.scores, widened));
    try {
      const auto exact = sm::select_local_tokens(z, e, in.mask, config(sm::SelectorImpl::kExact));
      EXPECT_EQ(exact.kept.numel(), 548);
      EXPECT_LE(symmetric_difference(to_vector(exact.kept), to_vector(fused.kept)), kHalfCutSymmetricDiff)
          << c10::toString(type);
    } catch (const slime::Error& error) {
      EXPECT_EQ(error.code(), slime::ErrorCode::kUnsupported) << error.what();
      std::cout << "exact " << c10::toString(type) << " on CPU: unsupported by this LibTorch ("
                << error.what() << ")\n";
    }
  }
}

TEST(Selector, CudaMatchesCpu) {
  if (!at::hasCUDA() || slime::kernels::cuda_devices().empty()) GTEST_SKIP() << "no CUDA LibTorch or no GPU";
  for (int L : {288, 1008, 5000}) {  // 5000: beyond the one-block kernel, selected on the host
    const Inputs in = random_inputs(L, 40, 256, L);
    for (auto impl : {sm::SelectorImpl::kExact, sm::SelectorImpl::kFused}) {
      for (auto softmax : {sm::SoftmaxMode::kDouble, sm::SoftmaxMode::kSingle}) {
        for (auto mode : {sm::SelectorMode::kTopP, sm::SelectorMode::kTopK}) {
          const auto c = config(impl, softmax, mode, L / 2);
          const auto gpu = sm::select_local_tokens(in.local.cuda(), in.text.cuda(), in.mask.cuda(), c);
          ASSERT_TRUE(gpu.kept.is_cuda());
          // the selection itself is bit-exact: the CPU rule on the GPU's scores gives the same set
          EXPECT_TRUE(at::equal(gpu.kept.cpu(), sm::select_indices(gpu.scores.cpu(), c)));
          const auto cpu = sm::select_local_tokens(in.local, in.text, in.mask, c);
          EXPECT_EQ(to_vector(gpu.kept), to_vector(cpu.kept)) << "L " << L;
          EXPECT_TRUE(at::equal(gpu.selected.cpu(), in.local.index_select(0, gpu.kept.cpu())));
        }
      }
    }
  }
}
