// The LibTorch adapter: selector_impl = fused (selector_scores) and = exact (selector_scores_exact).
#include <gtest/gtest.h>

#include <ATen/ATen.h>

#include <iostream>

#include "engine/common/error.h"
#include "engine/kernels/cpu_reference.h"
#include "engine/kernels/kernels_info.h"
#include "engine/kernels/selector_torch.h"
#include "tests/unit/kernels/kernels_test_util.h"

namespace sk = slime::kernels;
using sk::testing::Shape;

namespace {

constexpr double kEps = 1e-8;

// exact (ATen, fp32) vs fused (plain loops, fp32), per unmasked text row: the same real number with
// different rounding (see kFusedVsBroadcastTol in test_cpu_reference.cpp). Measured <= 3e-8 on
// N(0, 1) data up to L 288, T 100, D 4096; 1e-6 leaves ~30x.
constexpr double kFusedVsExactTol = 1e-6;

// fp32 paths vs the double-precision definition: as kFp32VsDoubleTol in test_cpu_reference.cpp.
constexpr double kVsDefinitionTol = 1e-6;

// CUDA fused vs CPU fused on the same inputs: both fp32 sums, different order (warp trees vs
// serial loops), so only ~sqrt(D)·6e-8 apart per unit of ‖u‖; 1e-5 per unmasked row is loose.
constexpr double kCudaVsCpuTol = 1e-5;

// exact in fp16 (what upstream runs) vs the fused form on the same fp16 inputs: the broadcast
// form rounds every normalised element and every cosine to fp16 (2^-11 relative) and sums T of
// them in fp16, so its error is ~1e-3 per unit of scale; 4e-3 leaves margin. bf16 keeps 3 fewer
// mantissa bits than fp16: 8x the budget.
constexpr double kExactFp16VsFusedTol = 4e-3;
constexpr double kExactBf16VsFusedTol = 3.2e-2;

at::Tensor reference_scores(const at::Tensor& z, const at::Tensor& e, const at::Tensor& mask) {
  auto naive = sk::testing::naive_scores(z, e, mask, kEps);
  return at::tensor(std::vector<double>(naive.begin(), naive.end()));
}

double max_diff_per_row(const at::Tensor& a, const at::Tensor& b, double scale) {
  return (a.to(at::kDouble) - b.to(at::kDouble)).abs().max().item<double>() / scale;
}

}  // namespace

TEST(SelectorTorch, FusedCpuEqualsReferenceAndNaive) {
  const Shape shape{96, 21, 515};
  auto in = sk::testing::random_inputs(shape, 21);
  const at::Tensor s = sk::selector_scores(in.tokens, in.text, in.mask, kEps);
  ASSERT_EQ(s.scalar_type(), at::kFloat);
  ASSERT_EQ(s.sizes(), at::IntArrayRef({shape.L}));
  EXPECT_LE(max_diff_per_row(s, reference_scores(in.tokens, in.text, in.mask), shape.T), kVsDefinitionTol);
  // non-contiguous (transposed-then-copied views) and f64 inputs take the same path
  const at::Tensor zt = in.tokens.t().contiguous().t();
  EXPECT_TRUE(at::equal(sk::selector_scores(zt, in.text.to(at::kDouble), in.mask, kEps), s));
  // no mask = every row counts
  EXPECT_LE(max_diff_per_row(sk::selector_scores(in.tokens, in.text, c10::nullopt, kEps),
                             reference_scores(in.tokens, in.text, at::Tensor()), shape.T), kVsDefinitionTol);
}

TEST(SelectorTorch, ExactMatchesBroadcastDefinitionAndFused) {
  const Shape shapes[] = {{9, 4, 13}, {144, 60, 1024}};
  for (const Shape& shape : shapes) {
    auto in = sk::testing::random_inputs(shape, 5);
    in.tokens[0].zero_();  // the eps clamp: 0/eps = 0 in both forms
    in.text[1].zero_();
    const at::Tensor exact = sk::selector_scores_exact(in.tokens, in.text, in.mask, kEps);
    ASSERT_EQ(exact.scalar_type(), at::kFloat);
    const double rows = in.mask.sum().item<double>();
    EXPECT_LE(max_diff_per_row(exact, reference_scores(in.tokens, in.text, in.mask), rows), kVsDefinitionTol);
    // the library's own cosine_similarity, as upstream calls it: bitwise on 2.x's ops, rounding-close on 1.13
    const at::Tensor library = at::cosine_similarity(in.tokens.unsqueeze(1), in.text.unsqueeze(0), -1, kEps)
                                   .masked_fill(in.mask.eq(0).unsqueeze(0), 0)
                                   .sum(-1);
    std::cout << "exact vs at::cosine_similarity: " << (at::equal(exact, library) ? "bitwise equal" : "not bitwise equal")
              << ", max |diff| / unmasked rows = " << max_diff_per_row(exact, library, rows) << "\n";
    EXPECT_LE(max_diff_per_row(exact, library, rows), kFusedVsExactTol);
    const double diff = max_diff_per_row(exact, sk::selector_scores(in.tokens, in.text, in.mask, kEps), rows);
    RecordProperty("fused_vs_exact_fp32", std::to_string(diff));
    std::cout << "fused vs exact (ATen fp32), L " << shape.L << " T " << shape.T << " D " << shape.D
              << ": max |diff| / unmasked rows = " << diff << "\n";
    EXPECT_LE(diff, kFusedVsExactTol) << shape.L << "x" << shape.T << "x" << shape.D;
  }
}

TEST(SelectorTorch, ExactFp16WithinFp16RoundingOfFused) {
  const Shape shape{64, 30, 256};
  auto in = sk::testing::random_inputs(shape, 8);
  const at::Tensor z = in.tokens.to(at::kHalf), e = in.text.to(at::kHalf);
  at::Tensor exact;
  try {
    exact = sk::selector_scores_exact(z, e, in.mask, kEps);
  } catch (const slime::Error& error) {
    // LibTorch 1.13 has no CPU clamp_min for f16 (2.x does): the adapter says so, clearly.
    ASSERT_EQ(error.code(), slime::ErrorCode::kUnsupported) << error.what();
    GTEST_SKIP() << error.what();
  }
  ASSERT_EQ(exact.scalar_type(), at::kHalf);
  const double rows = in.mask.sum().item<double>();
  const double diff = max_diff_per_row(exact, sk::selector_scores(z, e, in.mask, kEps), rows);
  RecordProperty("fused_vs_exact_fp16", std::to_string(diff));
  std::cout << "fused vs exact (ATen fp16): max |diff| / unmasked rows = " << diff << "\n";
  EXPECT_LE(diff, kExactFp16VsFusedTol);
}

TEST(SelectorTorch, RejectsBadShapesAndDtypes) {
  const at::Tensor z = at::randn({4, 8}), e = at::randn({3, 8});
  const auto code = [](auto&& call) {
    try {
      call();
    } catch (const slime::Error& error) {
      return error.code();
    }
    return slime::ErrorCode::kInternal;  // no throw
  };
  EXPECT_EQ(code([&] { sk::selector_scores(z, at::randn({3, 7}), c10::nullopt, kEps); }), slime::ErrorCode::kShape);
  EXPECT_EQ(code([&] { sk::selector_scores(z, e, at::ones({4}), kEps); }), slime::ErrorCode::kShape);
  EXPECT_EQ(code([&] { sk::selector_scores(z.to(at::kInt), e.to(at::kInt), c10::nullopt, kEps); }),
            slime::ErrorCode::kUnsupported);
  EXPECT_EQ(code([&] { sk::selector_scores_exact(z[0], e, c10::nullopt, kEps); }), slime::ErrorCode::kShape);
}

#if SLIME_TORCH_CUDA
TEST(SelectorTorch, FusedCudaMatchesCpu) {
  if (sk::cuda_devices().empty()) GTEST_SKIP() << "no CUDA device";
  const Shape shape{1008, 100, 4096};
  auto in = sk::testing::random_inputs(shape, 9);
  const double rows = in.mask.sum().item<double>();
  for (auto type : {at::kFloat, at::kHalf, at::kBFloat16}) {
    const at::Tensor z = in.tokens.to(type), e = in.text.to(type);
    const at::Tensor cpu = sk::selector_scores(z, e, in.mask, kEps);
    const at::Tensor gpu = sk::selector_scores(z.cuda(), e.cuda(), in.mask.cuda(), kEps);
    ASSERT_TRUE(gpu.is_cuda());
    EXPECT_LE(max_diff_per_row(gpu.cpu(), cpu, rows), kCudaVsCpuTol) << c10::toString(type);
    // the exact form on the GPU in the same dtype: the parity path
    const at::Tensor exact = sk::selector_scores_exact(z.cuda(), e.cuda(), in.mask.cuda(), kEps);
    EXPECT_LE(max_diff_per_row(exact.cpu(), cpu, rows), type == at::kFloat ? kFusedVsExactTol : type == at::kHalf ? kExactFp16VsFusedTol : kExactBf16VsFusedTol)
        << c10::toString(type);
  }
}
#endif
