// The CUDA kernels against the CPU reference, through the raw-pointer interface and the CUDA
// runtime only (no LibTorch CUDA needed). Skipped at run time when no GPU is visible.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "engine/common/error.h"
#include "engine/kernels/cpu_reference.h"
#include "engine/kernels/kernels_info.h"
#include "engine/kernels/selector_score.h"
#include "tests/unit/kernels/kernels_test_util.h"

#if SLIME_WITH_CUDA
#include <cuda_runtime_api.h>
#endif

namespace sk = slime::kernels;

#if SLIME_WITH_CUDA
namespace {

constexpr float kEps = 1e-8f;

// GPU vs CPU reference, both fp32 sums over the same widened inputs: only the summation order
// differs (warp trees vs serial loops), ~sqrt(D)·6e-8 relative to ‖u‖ for a score and
// ~sqrt(T)·6e-8 for a component of u. 1e-5 relative is ~20x that and far below any real bug.
constexpr double kGpuVsCpuTol = 1e-5;

void check(cudaError_t status, const char* what) {
  if (status != cudaSuccess) FAIL() << what << ": " << cudaGetErrorString(status);
}

// Device copy of `bytes` host bytes, freed on scope exit. `offset_bytes` shifts the returned
// pointer inside a larger allocation to force the unaligned (scalar) kernel path.
struct DeviceBuffer {
  char* base = nullptr;
  void* ptr = nullptr;
  DeviceBuffer(const void* host, size_t bytes, size_t offset_bytes = 0) {
    check(cudaMalloc(reinterpret_cast<void**>(&base), bytes + offset_bytes + 16), "cudaMalloc");
    ptr = base + offset_bytes;
    if (host) check(cudaMemcpy(ptr, host, bytes, cudaMemcpyHostToDevice), "cudaMemcpy H2D");
  }
  ~DeviceBuffer() { cudaFree(base); }
  float* f() const { return static_cast<float*>(ptr); }
};

std::vector<float> to_host(const float* device, size_t n) {
  std::vector<float> out(n);
  check(cudaMemcpy(out.data(), device, n * sizeof(float), cudaMemcpyDeviceToHost), "cudaMemcpy D2H");
  return out;
}

double norm(const std::vector<float>& v) {
  double sum = 0;
  for (float x : v) sum += double(x) * x;
  return std::sqrt(sum);
}

struct Case {
  int L, T, D;
  int64_t row_pad;       // extra elements per row (row_stride = D + row_pad)
  size_t offset_bytes;   // misalign the device base pointers
  bool own_workspace;    // pass a workspace or let the call allocate it
};

void run_case(const Case& c, at::ScalarType type) {
  SCOPED_TRACE(std::string(c10::toString(type)) + " L " + std::to_string(c.L) + " T " + std::to_string(c.T) +
               " D " + std::to_string(c.D) + " pad " + std::to_string(c.row_pad) + " offset " +
               std::to_string(c.offset_bytes));
  auto in = sk::testing::random_inputs({c.L, c.T, c.D}, 100 + c.D);
  in.tokens[0].zero_();  // eps clamp
  const at::Tensor z = at::constant_pad_nd(in.tokens, {0, c.row_pad}).to(type).contiguous();  // [L, D + pad]
  const at::Tensor e = at::constant_pad_nd(in.text, {0, c.row_pad}).to(type).contiguous();    // [T, D + pad]
  const int64_t stride = c.D + c.row_pad;

  sk::TextDirectionParams tp;
  tp.text = e.data_ptr();
  tp.mask = in.mask.data_ptr<float>();
  tp.T = c.T;
  tp.D = c.D;
  tp.text_row_stride = stride;
  tp.dtype = sk::testing::dtype_of(e);
  tp.eps = kEps;
  std::vector<float> u_cpu(c.D), s_cpu(c.L);
  tp.out_u = u_cpu.data();
  sk::text_direction_cpu(tp);
  sk::SelectorScoreParams sp;
  sp.tokens = z.data_ptr();
  sp.L = c.L;
  sp.D = c.D;
  sp.row_stride = stride;
  sp.dtype = tp.dtype;
  sp.u = u_cpu.data();
  sp.eps = kEps;
  sp.out_scores = s_cpu.data();
  sk::selector_score_cpu(sp);

  DeviceBuffer d_text(e.data_ptr(), e.nbytes(), c.offset_bytes), d_tokens(z.data_ptr(), z.nbytes(), c.offset_bytes);
  DeviceBuffer d_mask(in.mask.data_ptr(), in.mask.nbytes()), d_u(nullptr, c.D * sizeof(float), c.offset_bytes);
  DeviceBuffer d_s(nullptr, c.L * sizeof(float)), d_ws(nullptr, c.T * sizeof(float));
  tp.text = d_text.ptr;
  tp.mask = d_mask.f();
  tp.out_u = d_u.f();
  tp.workspace = c.own_workspace ? d_ws.f() : nullptr;
  sk::text_direction_cuda(tp, nullptr);
  sp.tokens = d_tokens.ptr;
  sp.u = d_u.f();
  sp.out_scores = d_s.f();
  sk::selector_score_cuda(sp, nullptr);
  check(cudaDeviceSynchronize(), "kernels");

  const auto u_gpu = to_host(d_u.f(), c.D), s_gpu = to_host(d_s.f(), c.L);
  const double u_scale = std::max(1.0, norm(u_cpu));
  for (int d = 0; d < c.D; ++d) ASSERT_NEAR(u_gpu[d], u_cpu[d], kGpuVsCpuTol * u_scale) << "u[" << d << "]";
  for (int i = 0; i < c.L; ++i) ASSERT_NEAR(s_gpu[i], s_cpu[i], kGpuVsCpuTol * u_scale) << "s[" << i << "]";
  EXPECT_EQ(s_gpu[0], 0.0f);
}

}  // namespace

TEST(CudaKernels, MatchCpuReference) {
  if (sk::cuda_devices().empty()) GTEST_SKIP() << "no CUDA device";
  const Case cases[] = {
      {1, 1, 1, 0, 0, true},          // minimal, scalar path
      {7, 3, 13, 0, 0, false},        // D % 8 != 0: scalar path, call-allocated workspace
      {144, 40, 1024, 0, 0, true},    // vector path
      {288, 100, 4096, 0, 0, true},   // model size (P = 2)
      {1008, 100, 4096, 0, 0, false}, // model size (P = 7)
      {50, 9, 4096, 3, 0, true},      // row stride not a multiple of the vector width: scalar
      {50, 9, 4096, 8, 0, true},      // padded rows, still 16-byte aligned: vector
      {33, 5, 512, 0, 4, true},       // base pointers off by 4 bytes: scalar
      {3000, 2048, 64, 0, 0, true},   // many short rows, T at the 2048 truncation limit
  };
  for (auto type : {at::kFloat, at::kHalf, at::kBFloat16}) {
    for (const Case& c : cases) run_case(c, type);
  }
}

TEST(CudaKernels, EmptyInputs) {
  if (sk::cuda_devices().empty()) GTEST_SKIP() << "no CUDA device";
  DeviceBuffer d_u(nullptr, 8 * sizeof(float));
  check(cudaMemset(d_u.ptr, 0xff, 8 * sizeof(float)), "cudaMemset");
  sk::TextDirectionParams tp;  // T = 0: u = 0
  tp.D = 8;
  tp.text_row_stride = 8;
  tp.out_u = d_u.f();
  sk::text_direction_cuda(tp, nullptr);
  sk::SelectorScoreParams sp;  // L = 0: nothing to do, no launch
  sp.D = 8;
  sp.row_stride = 8;
  sp.u = d_u.f();
  sk::selector_score_cuda(sp, nullptr);
  check(cudaDeviceSynchronize(), "sync");
  for (float v : to_host(d_u.f(), 8)) EXPECT_EQ(v, 0.0f);
}
#endif

TEST(CudaKernels, UnavailableWithoutNvccOrParamsChecked) {
  sk::SelectorScoreParams sp;  // D = 0: rejected before any CUDA call, in every build
  try {
    sk::selector_score_cuda(sp, nullptr);
    FAIL() << "no throw";
  } catch (const slime::Error& error) {
    EXPECT_EQ(error.code(), sk::compiled_with_cuda() ? slime::ErrorCode::kInvalidArgument : slime::ErrorCode::kUnsupported)
        << error.what();
  }
}
