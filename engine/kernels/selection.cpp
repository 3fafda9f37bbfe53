// Parameter checks for select_cuda and, in a build without nvcc, the entry point that says so.
#include "engine/kernels/selection.h"

#include "engine/common/error.h"

namespace slime::kernels {

void check_params(const SelectionParams& p, const char* who) {
  if (p.L < 0) throw_error(ErrorCode::kInvalidArgument, "{}: L {} must be >= 0", who, p.L);
  if (p.L > kMaxCudaSelectionLength)
    throw_error(ErrorCode::kUnsupported, "{}: L {} exceeds the one-block limit {}", who, p.L, kMaxCudaSelectionLength);
  if (p.out_count == nullptr) throw_error(ErrorCode::kInvalidArgument, "{}: out_count is null", who);
  if (p.L > 0 && (p.scores == nullptr || p.out_kept == nullptr))
    throw_error(ErrorCode::kInvalidArgument, "{}: scores or out_kept is null with L {}", who, p.L);
  if (p.rule == SelectionRule::kTopP && !(p.temperature > 0.0f))
    throw_error(ErrorCode::kInvalidArgument, "{}: temperature {} must be > 0", who, p.temperature);
  if (p.rule == SelectionRule::kTopK && p.k < 1) throw_error(ErrorCode::kInvalidArgument, "{}: k {} must be >= 1", who, p.k);
}

#if !SLIME_WITH_CUDA
void select_cuda(const SelectionParams&, void*) {
  throw_error(ErrorCode::kUnsupported, "select_cuda: this build has no CUDA kernels (configured without nvcc)");
}
#endif

}  // namespace slime::kernels
