// The AVX2 + FMA build of the vectorised CPU loops (selector_score_cpu_impl.h), compiled with
// -mavx2 -mfma -ffp-contract=fast on x86-64 only and called only when the CPU has both
// (selector_score_cpu.cpp checks at run time). 4 vectors (32 lanes) per sum: 8 ymm accumulators
// hide the FMA latency; with the data in cache this loop is compute-bound, so FMA halves its ops.
#include "engine/kernels/selector_score_cpu_impl.h"

namespace slime::kernels::detail {

void text_direction_cpu_avx2(const TextDirectionParams& p) { text_direction_any<4>(p); }

void selector_score_rows_cpu_avx2(const SelectorScoreParams& p, int row_begin, int row_end) {
  score_rows_any<4>(p, row_begin, row_end);
}

}  // namespace slime::kernels::detail
