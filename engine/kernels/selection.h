// Top-p / top-k token selection on the GPU (model.md §7.3-§7.5), plain interface: raw device
// pointers, sizes, and a cudaStream_t passed as void* (nullptr = legacy default stream). The CPU
// specification is select_topp_cpu / select_topk_cpu (cpu_reference.h); this kernel returns
// exactly their kept set on the same fp32 scores (tests/unit/kernels/test_cuda_selection.cpp).
//
// Tie policy (both sides): indices are ranked by p (top-p) or s (top-k) descending; equal p by s
// descending; equal s by the LOWER raster index first.
//  - Equal p, different s: softmax is strictly monotone in real arithmetic, but fp32 rounding
//    merges neighbouring scores into one p (the double softmax squeezes p to ≈ 1/L, §7.4), so a
//    tie on p is broken by the real-arithmetic order. Top-p then keeps the K best scores (the
//    same set as top-k with k = K, as long as the rounded softmax is monotone, which it is up to
//    a possible 1-ulp wobble of the exp polynomial), and the exact and fused impls, whose scores differ by
//    rounding only, keep the same set unless two scores at the cut swap order.
//  - Equal s: identical tokens, or scores rounded to fp16/bf16 (the exact impl computes them in
//    the input dtype), where ties are common. Upstream calls torch.sort, which is not stable, so
//    its kept set on ties depends on the CUDA sort's internal order and on the fp16 softmax and
//    cumsum roundings (§7.4, unverified); the lower-index rule is a deterministic stand-in. Kept
//    sets from half-precision inputs can therefore differ from an upstream run at the cut, which
//    is why parity compares them with a ±1-token tolerance (§12.5) outside bit-exact fp32.
#pragma once
#include <cstdint>

#include "engine/kernels/cpu_reference.h"  // SoftmaxMode

namespace slime::kernels {

enum class SelectionRule { kTopP, kTopK };

// The kernel runs in one thread block holding p, s and the sort order in shared memory (12 bytes
// per token plus CUB scratch, within the 48 KB every GPU grants without opt-in). L = 144·P <= 1008
// for P <= 7.
constexpr int kMaxCudaSelectionLength = 3072;

struct SelectionParams {
  const float* scores = nullptr;  // [L] fp32, device; finite values (NaN has no rank)
  int L = 0;                      // 0 <= L <= kMaxCudaSelectionLength
  SelectionRule rule = SelectionRule::kTopP;
  float temperature = 1.0f;       // top-p: τ = mm_resampler_temp, > 0
  float gamma = 0.95f;            // top-p: γ = mm_resampler_topp
  SoftmaxMode softmax = SoftmaxMode::kDouble;  // top-p
  int k = 1;                      // top-k: keep min(k, L), k >= 1
  std::int64_t* out_kept = nullptr;  // [L] device capacity; the first K entries ascending
  int* out_count = nullptr;          // [1] device: K
};

// Throws slime::Error(kInvalidArgument) naming `who` and the bad field; kUnsupported for
// L > kMaxCudaSelectionLength (the caller then selects on the host).
void check_params(const SelectionParams& p, const char* who);

// Asynchronous on `stream`. Errors throw slime::Error(kInternal) with the cudaError string; in a
// build without nvcc it throws slime::Error(kUnsupported).
void select_cuda(const SelectionParams& p, void* stream);

}  // namespace slime::kernels
