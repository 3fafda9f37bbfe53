// Plain-loop CPU references for the selector (model.md §7): the specification the CUDA kernels
// and the LibTorch adapter are tested against. Readable first; single-threaded.
#pragma once
#include <cstdint>
#include <vector>

#include "engine/kernels/selector_score.h"

namespace slime::kernels {

// IEEE binary16 / bfloat16 bit patterns to float (exact; both are subsets of fp32).
float f16_bits_to_float(std::uint16_t bits);
float bf16_bits_to_float(std::uint16_t bits);

// Same contracts as text_direction_cuda / selector_score_cuda, on host pointers (workspace unused).
void text_direction_cpu(const TextDirectionParams& p);
void selector_score_cpu(const SelectorScoreParams& p);

// The upstream broadcast form (§7.2, PyTorch 2.x cosine_similarity):
//   s_i = Σ_{t: mask_t != 0} Σ_d (z_id / max(‖z_i‖, eps)) · (e_td / max(‖e_t‖, eps))
// Reads tokens/L/D/row_stride/dtype/eps/out_scores from `tokens` (its `u` is unused) and
// text/mask/T/text_row_stride/dtype from `text` (its out_u/workspace are unused). The mask is a
// boolean here, as upstream's masked_fill; the fused form uses it as a weight (same for 0/1).
// O(L·T·D): a test oracle, not a code path.
void selector_score_broadcast_cpu(const SelectorScoreParams& tokens, const TextDirectionParams& text);

// §7.4: kDouble = p = softmax(softmax(s / 0.5) / τ) (paper-era weights, the default);
//       kSingle = p = softmax(s / τ) (upstream HEAD after 6b4e0fe, lmms-eval).
enum class SoftmaxMode { kDouble, kSingle };

// §7.3 top-p on scores s [L]: p as above, sort descending, c = cumsum, m = #{j : c_j <= gamma};
// keep the first m+1 sorted indices if m < L, else all L; return them ascending (raster order).
// Arithmetic is fp32 throughout (softmax, cumsum, the comparison), as upstream run on fp32 scores.
// Ties in p are ordered by the score s, then by lower index (selection.h: the tie policy, and how
// it relates to upstream's unstable torch.sort). p is monotone in s in real arithmetic, but fp32
// rounding (the double softmax squeezes p to ≈ 1/L) merges neighbouring scores into one p value;
// breaking those ties by s restores the real-arithmetic order, so top-p keeps the same set as
// top-k by s with k = K, and exact and fused scores that agree in order keep the same set.
std::vector<std::int64_t> select_topp_cpu(const float* scores, int L, float temperature, float gamma,
                                          SoftmaxMode mode);

// §7.5 top-k: the min(k, L) highest scores, ties broken by lower index, returned ascending.
std::vector<std::int64_t> select_topk_cpu(const float* scores, int L, int k);

}  // namespace slime::kernels
