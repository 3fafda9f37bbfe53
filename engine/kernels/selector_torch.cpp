#include "engine/kernels/selector_torch.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include <string>

#include "engine/common/error.h"
#include "engine/kernels/cpu_reference.h"
#include "engine/kernels/selector_score.h"

#if SLIME_TORCH_CUDA
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>
#endif

namespace slime::kernels {
namespace {

DType to_dtype(at::ScalarType type, const char* what) {
  switch (type) {
    case at::kFloat: return DType::kF32;
    case at::kHalf: return DType::kF16;
    case at::kBFloat16: return DType::kBF16;
    default: throw_error(ErrorCode::kUnsupported, "selector_scores: {} dtype {} (want f32/f16/bf16)", what, c10::toString(type));
  }
}

// A [rows, D] view the kernels can read: f64 narrowed, last dim contiguous, rows at a positive stride.
at::Tensor kernel_ready(const at::Tensor& x) {
  at::Tensor y = x.scalar_type() == at::kDouble ? x.to(at::kFloat) : x;
  if (y.stride(1) != 1 || y.stride(0) < y.size(1)) y = y.contiguous();
  return y;
}

void check_inputs(const at::Tensor& tokens, const at::Tensor& text, const c10::optional<at::Tensor>& mask,
                  const char* who) {
  if (tokens.dim() != 2 || text.dim() != 2 || tokens.size(1) != text.size(1) || tokens.size(1) == 0)
    throw_error(ErrorCode::kShape, "{}: want tokens [L, D] and text [T, D] with D > 0, got {} and {}", who,
                c10::str(tokens.sizes()), c10::str(text.sizes()));
  if (tokens.device() != text.device())
    throw_error(ErrorCode::kInvalidArgument, "{}: tokens on {} but text on {}", who, tokens.device().str(),
                text.device().str());
  if (mask && (mask->dim() != 1 || mask->size(0) != text.size(0) || mask->device() != text.device()))
    throw_error(ErrorCode::kShape, "{}: mask must be [T = {}] on {}, got {} on {}", who, text.size(0),
                text.device().str(), c10::str(mask->sizes()), mask->device().str());
}

at::Tensor exact_scores(const at::Tensor& tokens, const at::Tensor& text, const c10::optional<at::Tensor>& mask,
                        double eps) {
  const int64_t L = tokens.size(0), T = text.size(0), D = tokens.size(1);
  // PyTorch 2.x cosine_similarity(x1, x2, dim=-1): expand both to [L, T, D] first, norm each
  // (over the expanded views, as upstream does, so the reduction sees the same shapes), clamp
  // each norm at eps separately, divide, multiply, sum over D.
  const at::Tensor x1 = tokens.unsqueeze(1).expand({L, T, D});
  const at::Tensor x2 = text.unsqueeze(0).expand({L, T, D});
  at::Tensor x1_norm = at::linalg_vector_norm(x1, 2, at::IntArrayRef{-1}, /*keepdim=*/true);  // [L, T, 1]
  at::Tensor x2_norm = at::linalg_vector_norm(x2, 2, at::IntArrayRef{-1}, /*keepdim=*/true);  // [L, T, 1]
  x1_norm.clamp_min_(eps);
  x2_norm.clamp_min_(eps);
  at::Tensor similarity = ((x1 / x1_norm) * (x2 / x2_norm)).sum(-1);  // [L, T]
  if (mask) {
    // upstream: similarity.masked_fill((attn_mask == False).unsqueeze(0), 0).sum(dim=-1)
    similarity = similarity.masked_fill(mask->eq(0).unsqueeze(0), 0);
  }
  return similarity.sum(-1);  // [L]
}

}  // namespace

at::Tensor selector_scores(const at::Tensor& tokens_in, const at::Tensor& text_in, const c10::optional<at::Tensor>& mask_in,
                           double eps, at::Tensor* out_norms) {
  check_inputs(tokens_in, text_in, mask_in, "selector_scores");
  const at::Tensor tokens = kernel_ready(tokens_in);  // [L, D]
  const at::Tensor text = kernel_ready(text_in);      // [T, D]
  at::Tensor mask;                                     // [T] fp32 weights, undefined = all ones
  if (mask_in) mask = mask_in->to(at::kFloat).contiguous();
  const auto fp32 = tokens.options().dtype(at::kFloat);
  at::Tensor u = at::empty({text.size(1)}, fp32);         // [D]
  at::Tensor scores = at::empty({tokens.size(0)}, fp32);  // [L]

  TextDirectionParams tp;
  tp.text = text.data_ptr();
  tp.mask = mask.defined() ? mask.data_ptr<float>() : nullptr;
  tp.T = static_cast<int>(text.size(0));
  tp.D = static_cast<int>(text.size(1));
  tp.text_row_stride = text.stride(0);
  tp.dtype = to_dtype(text.scalar_type(), "text");
  tp.eps = static_cast<float>(eps);
  tp.out_u = u.data_ptr<float>();
  SelectorScoreParams sp;
  sp.tokens = tokens.data_ptr();
  sp.L = static_cast<int>(tokens.size(0));
  sp.D = tp.D;
  sp.row_stride = tokens.stride(0);
  sp.dtype = to_dtype(tokens.scalar_type(), "tokens");
  sp.u = tp.out_u;
  sp.eps = tp.eps;
  sp.out_scores = scores.data_ptr<float>();
  if (out_norms != nullptr) {
    *out_norms = at::empty({tokens.size(0)}, fp32);  // [L]
    sp.out_norms = out_norms->data_ptr<float>();
  }

  if (tokens.device().is_cpu()) {
    // The vectorised loops, rows split over ATen's threads (rows are independent: bitwise the same
    // for any split). The plain-loop references stay the specification the tests hold this to.
    text_direction_cpu_fast(tp);
    constexpr int64_t kRowsPerTask = 16;  // 16 rows of D = 4096 fp32: 256 KB per task
    at::parallel_for(0, tokens.size(0), kRowsPerTask, [&](int64_t begin, int64_t end) {
      selector_score_rows_cpu(sp, static_cast<int>(begin), static_cast<int>(end));
    });
  } else if (tokens.device().is_cuda()) {
#if SLIME_TORCH_CUDA
    const c10::cuda::CUDAGuard guard(tokens.device());
    void* stream = c10::cuda::getCurrentCUDAStream(tokens.device().index()).stream();
    at::Tensor workspace = at::empty({text.size(0)}, fp32);  // [T], from the caching allocator
    tp.workspace = workspace.data_ptr<float>();
    text_direction_cuda(tp, stream);
    selector_score_cuda(sp, stream);
#else
    throw_error(ErrorCode::kUnsupported, "selector_scores: a CUDA tensor, but this build's LibTorch has no CUDA");
#endif
  } else {
    throw_error(ErrorCode::kUnsupported, "selector_scores: device {} (want cpu or cuda)", tokens.device().str());
  }
  return scores;
}

at::Tensor selector_scores_exact(const at::Tensor& tokens, const at::Tensor& text, const c10::optional<at::Tensor>& mask,
                                 double eps) {
  check_inputs(tokens, text, mask, "selector_scores_exact");
  try {
    return exact_scores(tokens, text, mask, eps);
  } catch (const c10::Error& error) {
    // LibTorch 1.13 lacks some CPU half kernels (clamp_min for f16); name the dtype, not a dispatch key.
    if (std::string(error.what_without_backtrace()).find("not implemented for") == std::string::npos) throw;
    throw_error(ErrorCode::kUnsupported, "selector_scores_exact: {} on {} is not supported by this LibTorch: {}",
                c10::toString(tokens.scalar_type()), tokens.device().str(), error.what_without_backtrace());
  }
}

}  // namespace slime::kernels
