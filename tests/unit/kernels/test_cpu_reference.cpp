// The plain-loop CPU references against the definition of the score (model.md §7.2, §7.6).
#include <gtest/gtest.h>

#include <c10/util/BFloat16.h>
#include <c10/util/Half.h>

#include <cmath>
#include <iostream>
#include <limits>

#include "engine/common/error.h"
#include "engine/kernels/cpu_reference.h"
#include "tests/unit/kernels/kernels_test_util.h"

namespace sk = slime::kernels;
using sk::testing::Shape;

namespace {

constexpr float kEps = 1e-8f;  // F.cosine_similarity's default, as upstream calls it

// fp32 reference vs the double-precision definition, per unmasked text row (|s| <= that count,
// each cosine being <= 1). The fp32 sums run over D <= 4096 and T <= 100 terms; measured <= 3e-8
// on N(0, 1) data. 1e-6 leaves ~30x and still catches any indexing or clamp slip (those are O(1)).
constexpr double kFp32VsDoubleTol = 1e-6;

// Fused identity vs the broadcast form, both in fp32. The same real number (each norm is clamped
// separately in both, so the identity is exact even at the clamp), rounded differently: the fused
// form rounds u once per component and then one length-D dot; the broadcast form rounds T cosines
// and their sum. Measured <= 2.1e-8 per unmasked row up to L 288, T 100, D 4096; 1e-6 leaves ~50x.
constexpr double kFusedVsBroadcastTol = 1e-6;

// Runs text_direction_cpu + selector_score_cpu on [L, D] / [T, D] tensors of any supported dtype
// (rows may be strided), mask fp32 [T] or undefined.
std::vector<float> fused_cpu(const at::Tensor& z, const at::Tensor& e, const at::Tensor& mask, std::vector<float>* u_out = nullptr) {
  std::vector<float> u(z.size(1)), s(z.size(0));
  sk::TextDirectionParams tp;
  tp.text = e.data_ptr();
  tp.mask = mask.defined() ? mask.data_ptr<float>() : nullptr;
  tp.T = static_cast<int>(e.size(0));
  tp.D = static_cast<int>(e.size(1));
  tp.text_row_stride = e.stride(0);
  tp.dtype = sk::testing::dtype_of(e);
  tp.eps = kEps;
  tp.out_u = u.data();
  sk::text_direction_cpu(tp);
  sk::SelectorScoreParams sp;
  sp.tokens = z.data_ptr();
  sp.L = static_cast<int>(z.size(0));
  sp.D = tp.D;
  sp.row_stride = z.stride(0);
  sp.dtype = sk::testing::dtype_of(z);
  sp.u = u.data();
  sp.eps = kEps;
  sp.out_scores = s.data();
  sk::selector_score_cpu(sp);
  if (u_out) *u_out = u;
  return s;
}

double scale_of(const at::Tensor& mask, int64_t T) {
  return std::max(1.0, mask.defined() ? mask.ne(0).sum().item<double>() : static_cast<double>(T));
}

// Rows that exercise the eps clamp: token 0 and text 0 all zero, token 1 and text 1 with a norm
// (1e-9) below eps, so max(‖·‖, eps) = eps there.
void add_clamp_rows(sk::testing::Inputs& in) {
  in.tokens[0].zero_();
  in.text[0].zero_();
  if (in.tokens.size(0) > 1) {
    in.tokens[1].zero_();
    in.tokens[1][0] = 1e-9f;
  }
  if (in.text.size(0) > 1) {
    in.text[1].zero_();
    in.text[1][in.text.size(1) - 1] = -1e-9f;
  }
}

}  // namespace

TEST(CpuReference, HalfAndBfloatBitsWidenExactly) {
  for (uint32_t bits = 0; bits <= 0xffff; ++bits) {
    const float want_h = static_cast<float>(c10::Half(static_cast<uint16_t>(bits), c10::Half::from_bits()));
    const float got_h = sk::f16_bits_to_float(static_cast<uint16_t>(bits));
    const float want_b = static_cast<float>(c10::BFloat16(static_cast<uint16_t>(bits), c10::BFloat16::from_bits()));
    const float got_b = sk::bf16_bits_to_float(static_cast<uint16_t>(bits));
    if (std::isnan(want_h)) {
      EXPECT_TRUE(std::isnan(got_h)) << bits;
    } else {
      ASSERT_EQ(got_h, want_h) << bits;
    }
    if (std::isnan(want_b)) {
      EXPECT_TRUE(std::isnan(got_b)) << bits;
    } else {
      ASSERT_EQ(got_b, want_b) << bits;
    }
  }
}

TEST(CpuReference, FusedMatchesNaiveFormula) {
  // D not a multiple of 8 (1, 7, 13, 1023) next to multiples (8, 4096); T = 1 up to ~100.
  const Shape shapes[] = {{1, 1, 1}, {5, 3, 7}, {17, 9, 13}, {9, 4, 8}, {64, 20, 130}, {144, 40, 1023}, {32, 100, 4096}};
  for (const Shape& shape : shapes) {
    auto in = sk::testing::random_inputs(shape, 1000 + shape.D);
    add_clamp_rows(in);
    const auto got = fused_cpu(in.tokens, in.text, in.mask);
    const auto want = sk::testing::naive_scores(in.tokens, in.text, in.mask, kEps);
    const double tol = kFp32VsDoubleTol * scale_of(in.mask, shape.T);
    for (int i = 0; i < shape.L; ++i)
      ASSERT_NEAR(got[i], want[i], tol) << "L " << shape.L << " T " << shape.T << " D " << shape.D << " i " << i;
  }
}

TEST(CpuReference, HalfAndBfloatInputsAndStridedRows) {
  const Shape shape{48, 11, 300};
  auto in = sk::testing::random_inputs(shape, 7);
  // tokens: f16 rows inside a wider buffer (row_stride 310 > D); text: bf16, contiguous; no mask.
  const at::Tensor z = at::randn({shape.L, 310}).to(at::kHalf).narrow(1, 5, shape.D);
  const at::Tensor e = in.text.to(at::kBFloat16);
  ASSERT_EQ(z.stride(0), 310);
  const auto got = fused_cpu(z, e, at::Tensor());
  const auto want = sk::testing::naive_scores(z, e, at::Tensor(), kEps);  // on the same rounded values
  for (int i = 0; i < shape.L; ++i) ASSERT_NEAR(got[i], want[i], kFp32VsDoubleTol * shape.T) << i;
}

TEST(CpuReference, ClampedAndMaskedRows) {
  const Shape shape{4, 5, 16};
  auto in = sk::testing::random_inputs(shape, 3);
  add_clamp_rows(in);
  in.text[2].fill_(std::numeric_limits<float>::quiet_NaN());  // masked (t % 3 == 2): never read
  std::vector<float> u;
  const auto s = fused_cpu(in.tokens, in.text, in.mask, &u);
  for (float v : u) ASSERT_TRUE(std::isfinite(v));
  EXPECT_EQ(s[0], 0.0f);  // zero token: 0 / eps
  // tiny token z = 1e-9·δ_0: ‖z‖ < eps, so s = z·u / eps = 0.1·u_0 (not the unit-vector u_0)
  EXPECT_NEAR(s[1], 1e-9f * u[0] / kEps, 1e-6f * std::abs(u[0]));
  // the tiny text row contributes e/eps = -0.1 at the last column on top of the other rows
  auto without = in.text.clone();
  without[1].zero_();
  std::vector<float> u_without;
  fused_cpu(in.tokens, without, in.mask, &u_without);
  EXPECT_NEAR(u[shape.D - 1] - u_without[shape.D - 1], -0.1f, 1e-6f);
}

TEST(CpuReference, FusedIdentityMatchesBroadcastForm) {
  const Shape shapes[] = {{7, 3, 13}, {144, 40, 1023}, {288, 100, 4096}};
  for (const Shape& shape : shapes) {
    auto in = sk::testing::random_inputs(shape, 50 + shape.L);
    add_clamp_rows(in);
    const auto fused = fused_cpu(in.tokens, in.text, in.mask);
    std::vector<float> broadcast(shape.L);
    sk::TextDirectionParams tp;
    tp.text = in.text.data_ptr();
    tp.mask = in.mask.data_ptr<float>();
    tp.T = shape.T;
    tp.D = shape.D;
    tp.text_row_stride = shape.D;
    tp.eps = kEps;
    sk::SelectorScoreParams sp;
    sp.tokens = in.tokens.data_ptr();
    sp.L = shape.L;
    sp.D = shape.D;
    sp.row_stride = shape.D;
    sp.eps = kEps;
    sp.out_scores = broadcast.data();
    sk::selector_score_broadcast_cpu(sp, tp);
    const double scale = scale_of(in.mask, shape.T);
    double worst = 0.0;
    for (int i = 0; i < shape.L; ++i) worst = std::max(worst, std::abs(double(fused[i]) - broadcast[i]) / scale);
    std::cout << "fused vs broadcast, L " << shape.L << " T " << shape.T << " D " << shape.D
              << ": max |diff| / unmasked rows = " << worst << "\n";
    EXPECT_LE(worst, kFusedVsBroadcastTol);
  }
}

TEST(CpuReference, RejectsBadParams) {
  float u[4] = {}, s[2] = {}, data[8] = {};
  sk::SelectorScoreParams sp;
  sp.tokens = data;
  sp.L = 2;
  sp.D = 4;
  sp.row_stride = 3;  // < D
  sp.u = u;
  sp.out_scores = s;
  EXPECT_THROW(sk::selector_score_cpu(sp), slime::Error);
  sp.row_stride = 4;
  sp.u = nullptr;
  EXPECT_THROW(sk::selector_score_cpu(sp), slime::Error);
  sk::TextDirectionParams tp;
  tp.text = data;
  tp.T = 2;
  tp.D = 0;
  tp.text_row_stride = 4;
  tp.out_u = u;
  try {
    sk::text_direction_cpu(tp);
    FAIL() << "D = 0 accepted";
  } catch (const slime::Error& e) {
    EXPECT_EQ(e.code(), slime::ErrorCode::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("text_direction_cpu"), std::string::npos);
  }
}

TEST(CpuReference, FastPathMatchesReferenceAndSplitsBitwise) {
  // The adapter's vectorised loops vs the plain-loop specification: only the summation order
  // differs, so the per-row tolerance is the fp32-vs-double one. D covers the 16-lane body alone,
  // the tail alone and both; rows are strided; the clamp rows are in.
  const Shape shapes[] = {{9, 4, 7}, {17, 5, 16}, {33, 12, 4099}};
  for (const Shape& shape : shapes) {
    auto in = sk::testing::random_inputs(shape, 500 + shape.D);
    add_clamp_rows(in);
    for (auto type : {at::kFloat, at::kHalf, at::kBFloat16}) {
      const at::Tensor z = at::constant_pad_nd(in.tokens, {0, 5}).to(type).narrow(1, 0, shape.D);  // stride D + 5
      const at::Tensor e = in.text.to(type);
      std::vector<float> u_ref;
      const auto want = fused_cpu(z, e, in.mask, &u_ref);
      sk::TextDirectionParams tp;
      tp.text = e.data_ptr();
      tp.mask = in.mask.data_ptr<float>();
      tp.T = shape.T;
      tp.D = shape.D;
      tp.text_row_stride = e.stride(0);
      tp.dtype = sk::testing::dtype_of(e);
      tp.eps = kEps;
      std::vector<float> u(shape.D), whole(shape.L), split(shape.L), norms(shape.L);
      tp.out_u = u.data();
      sk::text_direction_cpu_fast(tp);
      sk::SelectorScoreParams sp;
      sp.tokens = z.data_ptr();
      sp.L = shape.L;
      sp.D = shape.D;
      sp.row_stride = z.stride(0);
      sp.dtype = tp.dtype;
      sp.u = u.data();
      sp.eps = kEps;
      sp.out_scores = whole.data();
      sp.out_norms = norms.data();
      sk::selector_score_rows_cpu(sp, 0, shape.L);
      const double tol = kFp32VsDoubleTol * scale_of(in.mask, shape.T);
      for (int d = 0; d < shape.D; ++d) ASSERT_NEAR(u[d], u_ref[d], tol) << "u " << d;
      for (int i = 0; i < shape.L; ++i) ASSERT_NEAR(whole[i], want[i], tol) << c10::toString(type) << " row " << i;
      EXPECT_EQ(whole[0], 0.0f);
      EXPECT_EQ(norms[0], 0.0f);  // the zero row: unclamped norm, so callers can see the clamp
      sp.out_scores = split.data();
      sp.out_norms = nullptr;
      for (int begin = 0; begin < shape.L; begin += 4) sk::selector_score_rows_cpu(sp, begin, std::min(begin + 4, shape.L));
      EXPECT_EQ(split, whole);
    }
  }
  sk::SelectorScoreParams bad;
  bad.D = 4;
  bad.row_stride = 4;
  float u = 0.0f;
  bad.u = &u;
  EXPECT_THROW(sk::selector_score_rows_cpu(bad, 0, 1), slime::Error);  // rows beyond L = 0
}
