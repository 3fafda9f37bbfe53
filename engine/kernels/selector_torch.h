// LibTorch adapter for the selector score (model.md §7.2, §7.6): the two `selector_impl` values.
#pragma once
#include <ATen/core/Tensor.h>
#include <c10/util/Optional.h>

namespace slime::kernels {

// selector_impl = fused. tokens z [L, D] and text e [T, D] on one device (f32/f16/bf16; f64 is
// narrowed to f32), mask [T] (nonzero keeps a text row; none = all rows summed: upstream's
// mask=None branch takes a mean, which inference never reaches, model.md §7.1). Returns s [L] fp32:
// s_i = (z_i · Σ_t mask_t ê_t) / max(‖z_i‖, eps). CPU tensors run the vectorised CPU loops on
// ATen's threads (text_direction_cpu_fast / selector_score_rows_cpu), CUDA tensors the kernels on
// the current stream. out_norms, when given, receives ‖z_i‖ [L] fp32
// before the eps clamp (same pass, no second read of the tokens).
at::Tensor selector_scores(const at::Tensor& tokens, const at::Tensor& text, const c10::optional<at::Tensor>& mask,
                           double eps = 1e-8, at::Tensor* out_norms = nullptr);

// selector_impl = exact: upstream's F.cosine_similarity(z[:, None], e[None], dim=-1), masked_fill
// of masked text columns with 0, sum over T, spelled out in the ATen ops of PyTorch 2.x's
// cosine_similarity (upstream pins torch 2.1.2). LibTorch 1.13's at::cosine_similarity agrees on
// the eps clamp but rounds differently (not bitwise equal on random fp32 data), hence the spelling.
// Materialises [L, T, D]; returns s [L] in the inputs' dtype, for bit-parity runs.
at::Tensor selector_scores_exact(const at::Tensor& tokens, const at::Tensor& text,
                                 const c10::optional<at::Tensor>& mask, double eps = 1e-8);

}  // namespace slime::kernels
