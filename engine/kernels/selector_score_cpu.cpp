// The fused selector score on the CPU, fast enough to stream (selector_score.h). Memory-bound like
// the CUDA kernels: the reference's single accumulator chains one add per element (~4 cycles of
// latency), ~10x below what the caches deliver; independent sums in 8-wide vectors break that
// chain (selector_score_cpu_impl.h). This file holds the baseline-ISA copy and the dispatch.
#include "engine/common/error.h"
#include "engine/kernels/selector_score_cpu_impl.h"

namespace slime::kernels {
namespace {

bool use_avx2() {
#if SLIME_CPU_AVX2
  static const bool has = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return has;
#else
  return false;
#endif
}

}  // namespace

void text_direction_cpu_fast(const TextDirectionParams& p) {
  check_params(p, "text_direction_cpu_fast");
#if SLIME_CPU_AVX2
  if (use_avx2()) return detail::text_direction_cpu_avx2(p);
#endif
  text_direction_any<2>(p);  // 2 vectors: 4 accumulators fit baseline x86-64's 16 xmm registers
}

void selector_score_rows_cpu(const SelectorScoreParams& p, int row_begin, int row_end) {
  check_params(p, "selector_score_rows_cpu");
  if (row_begin < 0 || row_end > p.L || row_begin > row_end)
    throw_error(ErrorCode::kInvalidArgument, "selector_score_rows_cpu: rows [{}, {}) outside [0, {})", row_begin, row_end, p.L);
#if SLIME_CPU_AVX2
  if (use_avx2()) return detail::selector_score_rows_cpu_avx2(p, row_begin, row_end);
#endif
  score_rows_any<2>(p, row_begin, row_end);
}

}  // namespace slime::kernels
