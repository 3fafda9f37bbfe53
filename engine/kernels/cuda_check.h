// Internal to engine/kernels: how .cu files raise errors without including fmt/error.h (nvcc
// never sees fmt). Not installed with the public headers.
#pragma once

namespace slime::kernels::detail {

// Throws slime::Error(kInternal, "<what>: <error_name> (<error_string>)").
[[noreturn]] void throw_cuda_error(const char* what, const char* error_name, const char* error_string);

}  // namespace slime::kernels::detail

// SLIME_CUDA_CHECK(cudaMemsetAsync(...), "text_direction_cuda: memset")
#define SLIME_CUDA_CHECK(expr, what)                                                        \
  do {                                                                                      \
    const cudaError_t slime_status_ = (expr);                                               \
    if (slime_status_ != cudaSuccess)                                                       \
      ::slime::kernels::detail::throw_cuda_error((what), cudaGetErrorName(slime_status_),   \
                                                 cudaGetErrorString(slime_status_));        \
  } while (0)
