// Parameter checks shared by the CPU reference and the CUDA entry points, the CUDA error helper,
// and, in a build without nvcc, the *_cuda entry points that say so.
#include "engine/kernels/selector_score.h"

#include "engine/common/error.h"
#include "engine/kernels/cuda_check.h"

namespace slime::kernels {

const char* dtype_name(DType dtype) {
  switch (dtype) {
    case DType::kF32: return "f32";
    case DType::kF16: return "f16";
    case DType::kBF16: return "bf16";
  }
  return "unknown";
}

void check_params(const TextDirectionParams& p, const char* who) {
  if (p.T < 0 || p.D <= 0) throw_error(ErrorCode::kInvalidArgument, "{}: need T >= 0 and D > 0, got T {} D {}", who, p.T, p.D);
  if (p.text_row_stride < p.D)
    throw_error(ErrorCode::kInvalidArgument, "{}: text_row_stride {} < D {}", who, p.text_row_stride, p.D);
  if (p.T > 0 && p.text == nullptr) throw_error(ErrorCode::kInvalidArgument, "{}: text is null with T {}", who, p.T);
  if (p.out_u == nullptr) throw_error(ErrorCode::kInvalidArgument, "{}: out_u is null", who);
  if (!(p.eps >= 0.0f)) throw_error(ErrorCode::kInvalidArgument, "{}: eps {} must be >= 0", who, p.eps);
}

void check_params(const SelectorScoreParams& p, const char* who) {
  if (p.L < 0 || p.D <= 0) throw_error(ErrorCode::kInvalidArgument, "{}: need L >= 0 and D > 0, got L {} D {}", who, p.L, p.D);
  if (p.row_stride < p.D) throw_error(ErrorCode::kInvalidArgument, "{}: row_stride {} < D {}", who, p.row_stride, p.D);
  if (p.L > 0 && (p.tokens == nullptr || p.out_scores == nullptr))
    throw_error(ErrorCode::kInvalidArgument, "{}: tokens or out_scores is null with L {}", who, p.L);
  if (p.u == nullptr) throw_error(ErrorCode::kInvalidArgument, "{}: u is null", who);
  if (!(p.eps >= 0.0f)) throw_error(ErrorCode::kInvalidArgument, "{}: eps {} must be >= 0", who, p.eps);
}

namespace detail {
void throw_cuda_error(const char* what, const char* error_name, const char* error_string) {
  throw_error(ErrorCode::kInternal, "{}: {} ({})", what, error_name, error_string);
}
}  // namespace detail

#if !SLIME_WITH_CUDA
void text_direction_cuda(const TextDirectionParams&, void*) {
  throw_error(ErrorCode::kUnsupported, "text_direction_cuda: this build has no CUDA kernels (configured without nvcc); "
              "use selector_impl=exact or a CPU tensor");
}
void selector_score_cuda(const SelectorScoreParams&, void*) {
  throw_error(ErrorCode::kUnsupported, "selector_score_cuda: this build has no CUDA kernels (configured without nvcc); "
              "use selector_impl=exact or a CPU tensor");
}
#endif

}  // namespace slime::kernels
