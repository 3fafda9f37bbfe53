// Text-guided selector (model.md §7): scores each local token against the prompt's text
// embeddings and keeps a subset in raster order. No parameters; the knobs come from the resolved
// config (architecture.md: selector_mode, mm_resampler_topp, selector_topk, mm_resampler_temp,
// selector_softmax, selector_impl).
#pragma once
#include <ATen/core/Tensor.h>

#include <cstdint>

#include "engine/kernels/cpu_reference.h"  // SoftmaxMode

namespace slime::io {
struct ModelConfig;
}

namespace slime::model {

enum class SelectorMode { kTopP, kTopK, kAll };
enum class SelectorImpl { kExact, kFused };
using kernels::SoftmaxMode;

const char* selector_mode_name(SelectorMode mode);  // "topp" | "topk" | "all"
const char* selector_impl_name(SelectorImpl impl);  // "exact" | "fused"
const char* softmax_mode_name(SoftmaxMode mode);    // "double" | "single"

// Defaults are the released SliME checkpoints' config.json values (γ 0.95, τ 1.0).
struct SelectorConfig {
  SelectorMode mode = SelectorMode::kTopP;
  double gamma = 0.95;       // mm_resampler_topp, (0, 1]
  int64_t topk = 0;          // selector_topk, >= 1 for mode topk
  double temperature = 1.0;  // mm_resampler_temp, > 0
  // double = p = softmax(softmax(s/0.5)/τ), the selector the released weights were trained with
  // (SliME-Llama3-8B was uploaded 2024-06-02, before upstream commit 6b4e0fe removed the inner
  // softmax; model.md §7.4), hence the default. single = upstream HEAD and lmms-eval.
  SoftmaxMode softmax = SoftmaxMode::kDouble;
  // exact = upstream's broadcast cosine (bit parity, materialises [L, T, D]); fused = §7.6.
  SelectorImpl impl = SelectorImpl::kExact;
  double eps = 1e-8;  // F.cosine_similarity's default
};

// From config.resampler (topp, temp) and config.selector (mode, topk, softmax, impl); the strings
// were validated by the config parser, an unknown one here is kInvalidArgument all the same.
SelectorConfig selector_config_from(const io::ModelConfig& config);

struct SelectionResult {
  at::Tensor scores;    // [L] fp32: s_i = Σ_t cos(z_i, e_t) over unmasked text rows (dump selector.scores)
  at::Tensor kept;      // [K] int64, ascending raster indices (dump selector.kept)
  at::Tensor selected;  // [K, D] local rows in raster order, local's dtype
};

// local z [L, D] (projected, raster-ordered local tokens), text_embeds e [T, D] (§7.1's query),
// text_mask [T] (nonzero keeps a row; undefined = all rows), all on one device (CPU or CUDA),
// f32/f16/bf16. L = 0 gives empty results. Throws slime::Error (kShape, kInvalidArgument,
// kUnsupported) naming the tensor or knob.
SelectionResult select_local_tokens(const at::Tensor& local, const at::Tensor& text_embeds, const at::Tensor& text_mask,
                                    const SelectorConfig& config);

// The score alone ([L] fp32) under config.impl, with the fused path's per-token fallback.
at::Tensor selector_scores(const at::Tensor& local, const at::Tensor& text_embeds, const at::Tensor& text_mask,
                           const SelectorConfig& config);

// The kept raster indices [K] int64 ascending for scores [L] fp32 (CPU or CUDA) under config's
// mode; on CUDA the selection kernel, bit-identical to the CPU reference.
at::Tensor select_indices(const at::Tensor& scores, const SelectorConfig& config);

}  // namespace slime::model
