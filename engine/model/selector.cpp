#include "engine/model/selector.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <string>
#include <vector>

#include "engine/common/error.h"
#include "engine/io/model_config.h"
#include "engine/kernels/cpu_reference.h"
#include "engine/kernels/kernels_info.h"
#include "engine/kernels/selection.h"
#include "engine/kernels/selector_torch.h"

#if SLIME_TORCH_CUDA
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>
#endif

namespace slime::model {

const char* selector_mode_name(SelectorMode mode) {
  switch (mode) {
    case SelectorMode::kTopP: return "topp";
    case SelectorMode::kTopK: return "topk";
    case SelectorMode::kAll: return "all";
  }
  return "unknown";
}

const char* selector_impl_name(SelectorImpl impl) { return impl == SelectorImpl::kExact ? "exact" : "fused"; }
const char* softmax_mode_name(SoftmaxMode mode) { return mode == SoftmaxMode::kDouble ? "double" : "single"; }

SelectorConfig selector_config_from(const io::ModelConfig& config) {
  const io::SelectorConfig& knobs = config.selector;
  SelectorConfig out;
  if (knobs.mode == "topp") {
    out.mode = SelectorMode::kTopP;
  } else if (knobs.mode == "topk") {
    out.mode = SelectorMode::kTopK;
  } else if (knobs.mode == "all") {
    out.mode = SelectorMode::kAll;
  } else {
    throw_error(ErrorCode::kInvalidArgument, "{}: selector_mode '{}' (want topp|topk|all)", config.source, knobs.mode);
  }
  if (knobs.softmax != "double" && knobs.softmax != "single")
    throw_error(ErrorCode::kInvalidArgument, "{}: selector_softmax '{}' (want double|single)", config.source, knobs.softmax);
  if (knobs.impl != "exact" && knobs.impl != "fused")
    throw_error(ErrorCode::kInvalidArgument, "{}: selector_impl '{}' (want exact|fused)", config.source, knobs.impl);
  out.softmax = knobs.softmax == "double" ? SoftmaxMode::kDouble : SoftmaxMode::kSingle;
  out.impl = knobs.impl == "exact" ? SelectorImpl::kExact : SelectorImpl::kFused;
  out.topk = knobs.topk.value_or(0);
  out.gamma = config.resampler.topp;
  out.temperature = config.resampler.temp;
  return out;
}

namespace {

void check_config(const SelectorConfig& c) {
  if (!(c.temperature > 0.0))
    throw_error(ErrorCode::kInvalidArgument, "selector: mm_resampler_temp {} must be > 0", c.temperature);
  if (c.mode == SelectorMode::kTopP && !(c.gamma > 0.0 && c.gamma <= 1.0))
    throw_error(ErrorCode::kInvalidArgument, "selector: mm_resampler_topp {} must be in (0, 1]", c.gamma);
  if (c.mode == SelectorMode::kTopK && c.topk < 1)
    throw_error(ErrorCode::kInvalidArgument, "selector: selector_topk {} must be >= 1 for selector_mode topk", c.topk);
  if (!(c.eps >= 0.0)) throw_error(ErrorCode::kInvalidArgument, "selector: eps {} must be >= 0", c.eps);
}

void check_inputs(const at::Tensor& local, const at::Tensor& text, const at::Tensor& mask) {
  if (!local.defined() || !text.defined() || local.dim() != 2 || text.dim() != 2 || local.size(1) != text.size(1))
    throw_error(ErrorCode::kShape, "selector: want local [L, D] and text_embeds [T, D], got {} and {}",
                local.defined() ? c10::str(local.sizes()) : "undefined", text.defined() ? c10::str(text.sizes()) : "undefined");
  if (local.device() != text.device())
    throw_error(ErrorCode::kInvalidArgument, "selector: local on {} but text_embeds on {}", local.device().str(),
                text.device().str());
  if (mask.defined() && (mask.dim() != 1 || mask.size(0) != text.size(0)))
    throw_error(ErrorCode::kShape, "selector: text_mask must be [T = {}], got {}", text.size(0), c10::str(mask.sizes()));
}

c10::optional<at::Tensor> optional_mask(const at::Tensor& mask, const at::Tensor& text) {
  if (!mask.defined()) return c10::nullopt;
  return mask.to(text.device());
}

// fused: s_i = ẑ_i · Σ_t ê_t (model.md §7.6) — one read of z and e, no [L, T, D] buffer.
//
// Why the identity holds at the eps clamp too: PyTorch 2.x (upstream pins 2.1.2) clamps each norm
// on its own, cos(z, e) = (z·e) / (max(‖z‖, eps) · max(‖e‖, eps)). The denominator is a product
// of a z-only and an e-only factor, so Σ_t cos(z, e_t) = (z / max(‖z‖, eps)) · Σ_t e_t / max(‖e_t‖,
// eps) in real arithmetic for every z and e, clamped or not. It would NOT hold under the joint
// clamp of torch <= 1.12, (z·e) / max(‖z‖·‖e‖, eps): there a term with ‖z‖·‖e_t‖ < eps divides
// by eps instead of the norms, which no single u can express.
//
// The per-token fallback: rows with ‖z_i‖ < eps (in practice all-zero rows, e.g. padding) are
// recomputed term by term, Σ_t cos(z_i, e_t), with the broadcast form on those rows only (O(T·D)
// each). The value agrees with the fused one in real arithmetic, but near-zero rows are where the
// two roundings differ most in relative terms (z / eps magnifies the tiny entries), and a zero row
// then gets exactly the exact path's 0. Text rows at the clamp need nothing: e_t / eps enters u as
// it enters every per-token cosine. The norms come from the fused pass (no second read of z).
// (In fp16, upstream's clamp_min(1e-8) rounds the bound to 0, so its zero rows give 0/0 = NaN,
// which masked_fill hides for the padding text row; inferred, unverified. The fused path and the
// fallback work in fp32 and give 0.)
at::Tensor fused_scores(const at::Tensor& local, const at::Tensor& text, const c10::optional<at::Tensor>& mask,
                        double eps) {
  at::Tensor norms;  // [L] fp32, ‖z_i‖ before the clamp
  at::Tensor scores = kernels::selector_scores(local, text, mask, eps, &norms);  // [L] fp32
  const at::Tensor clamped = norms.lt(eps).nonzero().squeeze(1);                  // [n] int64 (a sync on CUDA)
  if (clamped.numel() > 0) {
    // fp32 keeps this dtype-independent (LibTorch 1.13's CPU kernels lack f16 clamp_min).
    c10::optional<at::Tensor> mask32;
    if (mask) mask32 = mask->to(at::kFloat);
    const at::Tensor fixed = kernels::selector_scores_exact(local.index_select(0, clamped).to(at::kFloat),
                                                            text.to(at::kFloat), mask32, eps);  // [n] fp32
    scores.index_copy_(0, clamped, fixed);
  }
  return scores;
}

at::Tensor to_index_tensor(const std::vector<std::int64_t>& kept, const at::Device& device) {
  return at::tensor(kept, at::TensorOptions().dtype(at::kLong)).to(device);  // [K]
}

#if SLIME_TORCH_CUDA
at::Tensor select_indices_cuda(const at::Tensor& scores, const SelectorConfig& c) {
  const c10::cuda::CUDAGuard guard(scores.device());
  const int64_t L = scores.size(0);
  at::Tensor kept = at::empty({L}, scores.options().dtype(at::kLong));  // [L] capacity
  at::Tensor count = at::empty({1}, scores.options().dtype(at::kInt));  // [1] K
  kernels::SelectionParams p;
  p.scores = scores.data_ptr<float>();
  p.L = static_cast<int>(L);
  p.rule = c.mode == SelectorMode::kTopK ? kernels::SelectionRule::kTopK : kernels::SelectionRule::kTopP;
  p.temperature = static_cast<float>(c.temperature);
  p.gamma = static_cast<float>(c.gamma);
  p.softmax = c.softmax;
  p.k = static_cast<int>(std::min<int64_t>(c.topk, L > 0 ? L : 1));
  p.out_kept = kept.data_ptr<std::int64_t>();
  p.out_count = count.data_ptr<int>();
  kernels::select_cuda(p, c10::cuda::getCurrentCUDAStream(scores.device().index()).stream());
  return kept.narrow(0, 0, count.item<int>());  // the one sync: K sizes the output
}
#endif

}  // namespace

at::Tensor selector_scores(const at::Tensor& local, const at::Tensor& text, const at::Tensor& mask,
                           const SelectorConfig& config) {
  check_inputs(local, text, mask);
  check_config(config);
  const c10::optional<at::Tensor> m = optional_mask(mask, text);
  if (config.impl == SelectorImpl::kFused) return fused_scores(local, text, m, config.eps);
  // exact: the broadcast cosine in the inputs' dtype (same ops as upstream, §7.2); the selection
  // then reads those (possibly fp16-rounded) values widened to fp32.
  return kernels::selector_scores_exact(local, text, m, config.eps).to(at::kFloat);
}

at::Tensor select_indices(const at::Tensor& scores_in, const SelectorConfig& config) {
  check_config(config);
  if (!scores_in.defined() || scores_in.dim() != 1)
    throw_error(ErrorCode::kShape, "selector: scores must be [L]");
  const at::Tensor scores = scores_in.to(at::kFloat).contiguous();  // [L]
  const int64_t L = scores.size(0);
  if (config.mode == SelectorMode::kAll) return at::arange(L, scores.options().dtype(at::kLong));
#if SLIME_TORCH_CUDA
  if (scores.is_cuda() && L <= kernels::kMaxCudaSelectionLength && kernels::compiled_with_cuda())
    return select_indices_cuda(scores, config);
#endif
  // CPU (or an L beyond the one-block kernel): the reference on host values.
  const at::Tensor host = scores.cpu();
  const float* s = host.data_ptr<float>();
  const int n = static_cast<int>(L);
  const std::vector<std::int64_t> kept =
      config.mode == SelectorMode::kTopK
          ? kernels::select_topk_cpu(s, n, static_cast<int>(std::min<int64_t>(config.topk, 1 << 30)))
          : kernels::select_topp_cpu(s, n, static_cast<float>(config.temperature), static_cast<float>(config.gamma),
                                     config.softmax);
  return to_index_tensor(kept, scores.device());
}

SelectionResult select_local_tokens(const at::Tensor& local, const at::Tensor& text_embeds, const at::Tensor& text_mask,
                                    const SelectorConfig& config) {
  SelectionResult out;
  out.scores = selector_scores(local, text_embeds, text_mask, config);  // [L] fp32
  out.kept = select_indices(out.scores, config);                        // [K] int64 ascending
  out.selected = config.mode == SelectorMode::kAll ? local : local.index_select(0, out.kept);  // [K, D]
  return out;
}

}  // namespace slime::model
