// Fused text-guided selector score (model.md §7.2, §7.6), CUTLASS-style plain interface: raw
// pointers, sizes, strides and a dtype tag. No CUDA or LibTorch headers, so CPU-only code and the
// LibTorch adapter can include it; the stream is a cudaStream_t passed as void* (nullptr = legacy
// default stream).
//
//   u   = Σ_t mask_t · e_t / max(‖e_t‖, eps)          text_direction_*   e: [T, D]
//   s_i = (z_i · u) / max(‖z_i‖, eps)                 selector_score_*   z: [L, D]
//
// Each norm is clamped separately, as PyTorch 2.x cosine_similarity does, so Σ_t cos(z_i, e_t)
// equals s_i in real arithmetic; only the rounding differs (tests measure it). All sums are fp32.
#pragma once
#include <cstdint>

namespace slime::kernels {

enum class DType { kF32, kF16, kBF16 };  // element type of the [*, D] inputs
const char* dtype_name(DType dtype);

struct TextDirectionParams {
  const void* text = nullptr;   // [T, D] rows of `dtype`, row i at text + i*text_row_stride elements
  const float* mask = nullptr;  // [T] weights (1 keep, 0 drop); nullptr = all ones (a sum, §7.1)
  int T = 0;                    // T = 0 is valid: u = 0
  int D = 0;
  std::int64_t text_row_stride = 0;  // in elements, >= D; the last dim must be contiguous
  DType dtype = DType::kF32;
  float eps = 1e-8f;            // F.cosine_similarity's default
  float* out_u = nullptr;       // [D] fp32
  // [T] fp32 scratch for the per-row weights mask_t / max(‖e_t‖, eps) (CUDA only; the CPU
  // reference ignores it). nullptr: the CUDA call allocates it stream-ordered (cudaMallocAsync).
  float* workspace = nullptr;
};

struct SelectorScoreParams {
  const void* tokens = nullptr;  // [L, D] rows of `dtype`
  int L = 0;
  int D = 0;
  std::int64_t row_stride = 0;   // in elements, >= D
  DType dtype = DType::kF32;
  const float* u = nullptr;      // [D] fp32 from text_direction_*
  float eps = 1e-8f;
  float* out_scores = nullptr;   // [L] fp32
  // [L] fp32 ‖z_i‖ before the eps clamp, or nullptr. Lets a caller find the rows whose norm hits
  // the clamp (the selector's per-token fallback) without a second pass over the tokens.
  float* out_norms = nullptr;
};

// Throw slime::Error(kInvalidArgument) naming `who` and the bad field (null pointer, D <= 0,
// stride < D, negative sizes). Both the CPU reference and the CUDA entry points call them.
void check_params(const TextDirectionParams& p, const char* who);
void check_params(const SelectorScoreParams& p, const char* who);

// The CPU production path (the LibTorch adapter's CPU branch), same contracts as the plain-loop
// references in cpu_reference.h (the specification), but with 16 or 32 independent fp32 partial
// sums per row in 8-wide vectors (no -ffast-math needed); only the summation order
// differs from the reference (and between hosts: AVX2 hosts sum in 32 lanes, others in 16).
// selector_score_rows_cpu fills rows [row_begin, row_end) only, so a caller can split L across
// threads; every row is independent, so the split never changes a bit.
void text_direction_cpu_fast(const TextDirectionParams& p);
void selector_score_rows_cpu(const SelectorScoreParams& p, int row_begin, int row_end);

// Device pointers; asynchronous on `stream`. Errors throw slime::Error(kInternal) naming the kernel
// and the cudaError string; in a build without nvcc both throw slime::Error(kUnsupported).
void text_direction_cuda(const TextDirectionParams& p, void* stream);
void selector_score_cuda(const SelectorScoreParams& p, void* stream);

}  // namespace slime::kernels
