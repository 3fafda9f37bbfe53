// Shared by the test_kernels sources: random inputs and the naive double-precision oracle.
#pragma once
#include <ATen/ATen.h>

#include <cmath>
#include <vector>

#include "engine/kernels/selector_score.h"

namespace slime::kernels::testing {

struct Shape {
  int L, T, D;
};

// Random selector inputs in fp32: z [L, D], e [T, D], mask [T] with every third row masked out.
struct Inputs {
  at::Tensor tokens, text, mask;
};

inline Inputs random_inputs(Shape s, std::uint64_t seed) {
  auto gen = at::make_generator<at::CPUGeneratorImpl>(seed);
  Inputs in;
  in.tokens = at::randn({s.L, s.D}, gen);
  in.text = at::randn({s.T, s.D}, gen);
  in.mask = at::ones({s.T});
  for (int t = 2; t < s.T; t += 3) in.mask[t] = 0.0f;
  return in;
}

// s_i = Σ_t mask_t · (z_i·e_t) / (max(‖z_i‖, eps) · max(‖e_t‖, eps)) in double, straight from
// the definition (z, e any float dtype, read through fp32; mask fp32 or undefined).
inline std::vector<double> naive_scores(const at::Tensor& z_in, const at::Tensor& e_in, const at::Tensor& mask,
                                        double eps) {
  const at::Tensor z = z_in.to(at::kDouble).contiguous(), e = e_in.to(at::kDouble).contiguous();
  const auto za = z.accessor<double, 2>();
  const auto ea = e.accessor<double, 2>();
  const int64_t L = z.size(0), T = e.size(0), D = z.size(1);
  std::vector<double> m(T, 1.0);  // [T]
  for (int64_t t = 0; mask.defined() && t < T; ++t) m[t] = mask[t].item<double>();
  std::vector<double> out(L, 0.0);
  for (int64_t i = 0; i < L; ++i) {
    for (int64_t t = 0; t < T; ++t) {
      if (m[t] == 0.0) continue;
      double dot = 0, zz = 0, ee = 0;
      for (int64_t d = 0; d < D; ++d) {
        dot += za[i][d] * ea[t][d];
        zz += za[i][d] * za[i][d];
        ee += ea[t][d] * ea[t][d];
      }
      out[i] += m[t] * dot / (std::max(std::sqrt(zz), eps) * std::max(std::sqrt(ee), eps));
    }
  }
  return out;
}

inline DType dtype_of(const at::Tensor& x) {
  return x.scalar_type() == at::kHalf ? DType::kF16 : x.scalar_type() == at::kBFloat16 ? DType::kBF16 : DType::kF32;
}

}  // namespace slime::kernels::testing
