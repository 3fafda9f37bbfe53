// Float arithmetic shared by the CPU reference and the CUDA selection kernel (selection.h), so
// both compute bit-identical softmax values and hence the same top-p kept set.
//
// Why not expf: glibc's expf and CUDA's expf (≤ 2 ulp) round differently, and a 1-ulp change of
// one probability can move a cumulative sum across γ or reorder two near-equal probabilities.
// softmax_exp uses only IEEE-754 +, -, *, floor and an exact power-of-two scaling, which round
// identically on both sides provided nothing is fused into an FMA: the device side spells the
// operations with the _rn intrinsics (never contracted), the host side is compiled with
// -ffp-contract=off (engine/kernels/CMakeLists.txt).
#pragma once
#include <cmath>

#if defined(__CUDACC__)
#define SLIME_HOST_DEVICE __host__ __device__
#else
#define SLIME_HOST_DEVICE
#endif

namespace slime::kernels::detail {

SLIME_HOST_DEVICE inline float add_rn(float a, float b) {
#if defined(__CUDA_ARCH__)
  return __fadd_rn(a, b);
#else
  return a + b;
#endif
}
SLIME_HOST_DEVICE inline float sub_rn(float a, float b) {
#if defined(__CUDA_ARCH__)
  return __fsub_rn(a, b);
#else
  return a - b;
#endif
}
SLIME_HOST_DEVICE inline float mul_rn(float a, float b) {
#if defined(__CUDA_ARCH__)
  return __fmul_rn(a, b);
#else
  return a * b;
#endif
}
SLIME_HOST_DEVICE inline float div_rn(float a, float b) {
#if defined(__CUDA_ARCH__)
  return __fdiv_rn(a, b);
#else
  return a / b;
#endif
}

// exp(x) to ~1 ulp for x <= 0 (softmax arguments are max-subtracted), Cephes expf: x = n·ln2 + r
// with |r| <= ln2/2 (Cody-Waite split: n·kLn2Hi is exact for |n| < 2^15), a degree-5 minimax
// polynomial, then ·2^n by ldexpf (exact for normal results, correctly rounded for subnormal ones
// on both sides: CUDA's ldexpf is exact and fp32 denormals are kept without -ftz).
SLIME_HOST_DEVICE inline float softmax_exp(float x) {
  constexpr float kMinLog = -103.972084f;  // below this exp(x) rounds to 0 in fp32
  constexpr float kLog2e = 1.44269504088896341f;
  constexpr float kLn2Hi = 0.693359375f;
  constexpr float kLn2Lo = -2.12194440e-4f;
  if (x != x) return x;  // NaN stays NaN
  if (x < kMinLog) return 0.0f;
  const float n = floorf(add_rn(mul_rn(kLog2e, x), 0.5f));
  float r = sub_rn(x, mul_rn(n, kLn2Hi));
  r = sub_rn(r, mul_rn(n, kLn2Lo));
  const float r2 = mul_rn(r, r);
  float poly = 1.9875691500e-4f;
  poly = add_rn(mul_rn(poly, r), 1.3981999507e-3f);
  poly = add_rn(mul_rn(poly, r), 8.3334519073e-3f);
  poly = add_rn(mul_rn(poly, r), 4.1665795894e-2f);
  poly = add_rn(mul_rn(poly, r), 1.6666665459e-1f);
  poly = add_rn(mul_rn(poly, r), 5.0000001201e-1f);
  const float y = add_rn(add_rn(mul_rn(poly, r2), r), 1.0f);
  return ldexpf(y, static_cast<int>(n));
}

}  // namespace slime::kernels::detail
