// Internal to engine/kernels: the vectorised CPU loops of the fused selector score, included by
// selector_score_cpu.cpp (baseline ISA) and selector_score_cpu_avx2.cpp (-mavx2 -mfma). Everything
// is in an anonymous namespace, so the two differently compiled copies never merge at link time.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>

#include "engine/kernels/cpu_reference.h"
#include "engine/kernels/selector_score.h"

namespace slime::kernels {
namespace {

// 8-wide fp32 vectors (GCC/Clang vector extension), spelled out because the auto-vectoriser turns
// scalar lanes into shuffles and scalar adds: one ymm under AVX2, two xmm on baseline x86-64.
typedef float Vec8 __attribute__((vector_size(32)));
typedef std::uint16_t U16x8 __attribute__((vector_size(16)));
typedef std::uint32_t U32x8 __attribute__((vector_size(32)));

#define SLIME_ALWAYS_INLINE __attribute__((always_inline)) inline

inline int element_size(DType dtype) { return dtype == DType::kF32 ? 4 : 2; }

template <DType kType>
SLIME_ALWAYS_INLINE float load1(const void* row, int d) {
  if constexpr (kType == DType::kF32) {
    return static_cast<const float*>(row)[d];
  } else if constexpr (kType == DType::kBF16) {  // inline (bf16_bits_to_float is out of line)
    const std::uint32_t widened = static_cast<std::uint32_t>(static_cast<const std::uint16_t*>(row)[d]) << 16;
    float value;
    std::memcpy(&value, &widened, sizeof(value));
    return value;
  } else {
    return f16_bits_to_float(static_cast<const std::uint16_t*>(row)[d]);
  }
}

// z[d .. d+8) widened to fp32 (unaligned loads; bf16 widens exactly by a 16-bit shift).
template <DType kType>
SLIME_ALWAYS_INLINE void load8(const void* row, int d, Vec8& v) {  // out-param: no vector ABI
  if constexpr (kType == DType::kF32) {
    std::memcpy(&v, static_cast<const float*>(row) + d, sizeof(v));
  } else if constexpr (kType == DType::kBF16) {
    U16x8 half;
    std::memcpy(&half, static_cast<const std::uint16_t*>(row) + d, sizeof(half));
    const U32x8 widened = __builtin_convertvector(half, U32x8) << 16;
    std::memcpy(&v, &widened, sizeof(v));
  } else {
    for (int j = 0; j < 8; ++j) v[j] = f16_bits_to_float(static_cast<const std::uint16_t*>(row)[d + j]);
  }
}

// Σ_d z_d·u_d (when kDot) and Σ_d z_d² over one row z [D], in kVectors·8 independent lanes.
template <DType kType, bool kDot, int kVectors>
SLIME_ALWAYS_INLINE void row_sums(const void* row, const float* u, int D, float& dot, float& squares) {
  constexpr int kLanes = 8 * kVectors;
  Vec8 dot_lanes[kVectors] = {}, square_lanes[kVectors] = {};
  int d = 0;
  for (; d + kLanes <= D; d += kLanes) {
    // ~16 iterations ahead (into the next row near the end): one row at a time is too short a
    // stream for the hardware prefetcher to ramp up. A prefetch never faults past the buffer.
    __builtin_prefetch(static_cast<const char*>(row) + (d + 16 * kLanes) * element_size(kType));
    for (int q = 0; q < kVectors; ++q) {
      Vec8 v;
      load8<kType>(row, d + 8 * q, v);
      square_lanes[q] += v * v;  // one FMA where the TU is compiled with -mfma -ffp-contract=fast
      if constexpr (kDot) {
        Vec8 w;
        std::memcpy(&w, u + d + 8 * q, sizeof(w));
        dot_lanes[q] += v * w;
      }
    }
  }
  float dot_sum = 0.0f, square_sum = 0.0f;
  for (int q = 0; q < kVectors; ++q) {
    for (int j = 0; j < 8; ++j) {
      dot_sum += dot_lanes[q][j];
      square_sum += square_lanes[q][j];
    }
  }
  for (; d < D; ++d) {
    const float v = load1<kType>(row, d);
    square_sum += v * v;
    if constexpr (kDot) dot_sum += v * u[d];
  }
  dot = dot_sum;
  squares = square_sum;
}

// u [D] = Σ_t mask_t · e_t / max(‖e_t‖, eps).
template <DType kType, int kVectors>
void text_direction_typed(const TextDirectionParams& p) {
  std::fill(p.out_u, p.out_u + p.D, 0.0f);
  const auto* base = static_cast<const char*>(p.text);
  const std::int64_t row_bytes = p.text_row_stride * element_size(kType);
  for (int t = 0; t < p.T; ++t) {
    const float mask = p.mask ? p.mask[t] : 1.0f;
    if (mask == 0.0f) continue;  // a masked row adds exactly 0 and is never read
    const void* row = base + t * row_bytes;
    float unused = 0.0f, squares = 0.0f;
    row_sums<kType, false, kVectors>(row, nullptr, p.D, unused, squares);
    const float weight = mask / std::max(std::sqrt(squares), p.eps);
    int d = 0;
    for (; d + 8 <= p.D; d += 8) {  // u += weight · e_t, 8 lanes at a time
      Vec8 e, acc;
      load8<kType>(row, d, e);
      std::memcpy(&acc, p.out_u + d, sizeof(acc));
      acc += weight * e;
      std::memcpy(p.out_u + d, &acc, sizeof(acc));
    }
    for (; d < p.D; ++d) p.out_u[d] += weight * load1<kType>(row, d);
  }
}

// scores (and norms) of rows [row_begin, row_end).
template <DType kType, int kVectors>
void score_rows_typed(const SelectorScoreParams& p, int row_begin, int row_end) {
  const auto* base = static_cast<const char*>(p.tokens);
  const std::int64_t row_bytes = p.row_stride * element_size(kType);
  for (int i = row_begin; i < row_end; ++i) {
    float dot = 0.0f, squares = 0.0f;
    row_sums<kType, true, kVectors>(base + i * row_bytes, p.u, p.D, dot, squares);
    const float norm = std::sqrt(squares);
    p.out_scores[i] = dot / std::max(norm, p.eps);
    if (p.out_norms != nullptr) p.out_norms[i] = norm;
  }
}

template <int kVectors>
void text_direction_any(const TextDirectionParams& p) {
  switch (p.dtype) {
    case DType::kF32: return text_direction_typed<DType::kF32, kVectors>(p);
    case DType::kF16: return text_direction_typed<DType::kF16, kVectors>(p);
    case DType::kBF16: return text_direction_typed<DType::kBF16, kVectors>(p);
  }
}

template <int kVectors>
void score_rows_any(const SelectorScoreParams& p, int row_begin, int row_end) {
  switch (p.dtype) {
    case DType::kF32: return score_rows_typed<DType::kF32, kVectors>(p, row_begin, row_end);
    case DType::kF16: return score_rows_typed<DType::kF16, kVectors>(p, row_begin, row_end);
    case DType::kBF16: return score_rows_typed<DType::kBF16, kVectors>(p, row_begin, row_end);
  }
}

}  // namespace

namespace detail {
// Defined in selector_score_cpu_avx2.cpp when the build compiles it (SLIME_CPU_AVX2 = 1).
void text_direction_cpu_avx2(const TextDirectionParams& p);
void selector_score_rows_cpu_avx2(const SelectorScoreParams& p, int row_begin, int row_end);
}  // namespace detail

}  // namespace slime::kernels
