// CUDA kernels for the fused selector score (selector_score.h). Memory-bound: each kernel reads its
// input once (T·D, then L·D elements), accumulates in fp32, and never builds the L×T×D buffer of
// the broadcast form. Deterministic: fixed reduction orders, no atomics.
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <cstdint>

#include "engine/kernels/cuda_check.h"
#include "engine/kernels/selector_score.h"

namespace slime::kernels {
namespace {

constexpr int kWarpSize = 32;
constexpr int kWarpsPerBlock = 8;   // one warp per row, 256 threads per block
constexpr int kColumnSlices = 8;    // text_direction: threads along T per 32-column block

template <typename T> __device__ __forceinline__ float to_f32(T x);
template <> __device__ __forceinline__ float to_f32<float>(float x) { return x; }
template <> __device__ __forceinline__ float to_f32<__half>(__half x) { return __half2float(x); }
template <> __device__ __forceinline__ float to_f32<__nv_bfloat16>(__nv_bfloat16 x) { return __bfloat162float(x); }

__device__ __forceinline__ float warp_sum(float v) {
  for (int offset = kWarpSize / 2; offset > 0; offset >>= 1) v += __shfl_xor_sync(0xffffffffu, v, offset);
  return v;
}

// One warp walks one row z [D]: returns Σ z_d² and, when kDot, Σ z_d·u_d (partial per lane; the
// caller reduces). kVec: 16-byte loads (4 floats or 8 halves), valid when the row and u are
// 16-byte aligned and D is a multiple of the vector width (checked on the host).
template <typename T, bool kVec, bool kDot>
__device__ __forceinline__ void row_partials(const T* __restrict__ row, const float* __restrict__ u, int D,
                                             int lane, float& dot, float& squares) {
  if constexpr (kVec) {
    constexpr int kN = 16 / sizeof(T);
    const uint4* row_vec = reinterpret_cast<const uint4*>(row);
#pragma unroll 4  // several 16-byte loads in flight per lane: one warp per row is latency-bound otherwise
    for (int c = lane; c < D / kN; c += kWarpSize) {
      const uint4 raw = __ldg(row_vec + c);
      const T* x = reinterpret_cast<const T*>(&raw);
      float u_chunk[kN];  // the matching kN entries of u, as kN/4 float4 loads
      if constexpr (kDot) {
#pragma unroll
        for (int q = 0; q < kN / 4; ++q) {
          const float4 four = __ldg(reinterpret_cast<const float4*>(u + c * kN) + q);
          u_chunk[4 * q] = four.x;
          u_chunk[4 * q + 1] = four.y;
          u_chunk[4 * q + 2] = four.z;
          u_chunk[4 * q + 3] = four.w;
        }
      }
#pragma unroll
      for (int j = 0; j < kN; ++j) {
        const float v = to_f32(x[j]);
        squares += v * v;
        if constexpr (kDot) dot += v * u_chunk[j];
      }
    }
  } else {
    for (int d = lane; d < D; d += kWarpSize) {
      const float v = to_f32(row[d]);
      squares += v * v;
      if constexpr (kDot) dot += v * __ldg(u + d);
    }
  }
}

// weights [T]: mask_t / max(‖e_t‖, eps), 0 for masked rows (not read: padding may hold anything).
template <typename T, bool kVec>
__global__ void text_weights_kernel(const T* __restrict__ text, const float* __restrict__ mask, int T_rows, int D,
                                    std::int64_t stride, float eps, float* __restrict__ weights) {
  const int t = blockIdx.x * kWarpsPerBlock + threadIdx.x / kWarpSize;
  const int lane = threadIdx.x % kWarpSize;
  if (t >= T_rows) return;
  const float m = mask ? mask[t] : 1.0f;
  if (m == 0.0f) {
    if (lane == 0) weights[t] = 0.0f;
    return;
  }
  float unused = 0.0f, squares = 0.0f;
  row_partials<T, kVec, false>(text + t * stride, nullptr, D, lane, unused, squares);
  squares = warp_sum(squares);
  if (lane == 0) weights[t] = m / fmaxf(sqrtf(squares), eps);
}

// u [D] = Σ_t weights_t · e_t. Block (32, kColumnSlices): 32 adjacent columns (coalesced reads),
// slice y sums rows y, y+8, ...; the slices are then added in a fixed order.
template <typename T>
__global__ void text_direction_kernel(const T* __restrict__ text, const float* __restrict__ weights, int T_rows,
                                      int D, std::int64_t stride, float* __restrict__ out_u) {
  __shared__ float partial[kColumnSlices][kWarpSize];
  const int d = blockIdx.x * kWarpSize + threadIdx.x;
  float acc = 0.0f;
  if (d < D) {
    for (int t = threadIdx.y; t < T_rows; t += kColumnSlices) {
      const float w = weights[t];
      if (w != 0.0f) acc += w * to_f32(text[t * stride + d]);  // w is warp-uniform: no divergence
    }
  }
  partial[threadIdx.y][threadIdx.x] = acc;
  __syncthreads();
  if (threadIdx.y == 0 && d < D) {
    float sum = 0.0f;
#pragma unroll
    for (int y = 0; y < kColumnSlices; ++y) sum += partial[y][threadIdx.x];
    out_u[d] = sum;
  }
}

// scores [L]: (z_i · u) / max(‖z_i‖, eps), one warp per token row.
template <typename T, bool kVec>
__global__ void selector_score_kernel(const T* __restrict__ tokens, int L, int D, std::int64_t stride,
                                      const float* __restrict__ u, float eps, float* __restrict__ scores,
                                      float* __restrict__ norms) {
  const int i = blockIdx.x * kWarpsPerBlock + threadIdx.x / kWarpSize;
  const int lane = threadIdx.x % kWarpSize;
  if (i >= L) return;
  float dot = 0.0f, squares = 0.0f;
  row_partials<T, kVec, true>(tokens + i * stride, u, D, lane, dot, squares);
  dot = warp_sum(dot);
  squares = warp_sum(squares);
  if (lane == 0) {
    const float norm = sqrtf(squares);
    scores[i] = dot / fmaxf(norm, eps);
    if (norms != nullptr) norms[i] = norm;  // optional: one extra store per row
  }
}

// 16-byte loads are legal when every row start (base + i·stride) and u are 16-byte aligned.
template <typename T>
bool can_vectorise(const void* base, std::int64_t stride, int D, const float* u) {
  constexpr int kN = 16 / sizeof(T);
  const auto aligned = [](const void* ptr) { return reinterpret_cast<std::uintptr_t>(ptr) % 16 == 0; };
  return aligned(base) && (u == nullptr || aligned(u)) && D % kN == 0 && stride % kN == 0;
}

int blocks_for_rows(int rows) { return (rows + kWarpsPerBlock - 1) / kWarpsPerBlock; }

template <typename T>
void text_direction_typed(const TextDirectionParams& p, cudaStream_t stream) {
  const T* text = static_cast<const T*>(p.text);
  float* weights = p.workspace;
  if (weights == nullptr)
    SLIME_CUDA_CHECK(cudaMallocAsync(reinterpret_cast<void**>(&weights), sizeof(float) * p.T, stream),
                     "text_direction_cuda: cudaMallocAsync(workspace)");
  const dim3 row_block(kWarpsPerBlock * kWarpSize);
  if (can_vectorise<T>(p.text, p.text_row_stride, p.D, nullptr)) {
    text_weights_kernel<T, true><<<blocks_for_rows(p.T), row_block, 0, stream>>>(text, p.mask, p.T, p.D, p.text_row_stride, p.eps, weights);
  } else {
    text_weights_kernel<T, false><<<blocks_for_rows(p.T), row_block, 0, stream>>>(text, p.mask, p.T, p.D, p.text_row_stride, p.eps, weights);
  }
  SLIME_CUDA_CHECK(cudaGetLastError(), "text_weights_kernel launch");
  const int column_blocks = (p.D + kWarpSize - 1) / kWarpSize;
  text_direction_kernel<T><<<column_blocks, dim3(kWarpSize, kColumnSlices), 0, stream>>>(text, weights, p.T, p.D, p.text_row_stride, p.out_u);
  SLIME_CUDA_CHECK(cudaGetLastError(), "text_direction_kernel launch");
  if (p.workspace == nullptr)
    SLIME_CUDA_CHECK(cudaFreeAsync(weights, stream), "text_direction_cuda: cudaFreeAsync(workspace)");
}

template <typename T>
void selector_score_typed(const SelectorScoreParams& p, cudaStream_t stream) {
  const T* tokens = static_cast<const T*>(p.tokens);
  const dim3 block(kWarpsPerBlock * kWarpSize);
  if (can_vectorise<T>(p.tokens, p.row_stride, p.D, p.u)) {
    selector_score_kernel<T, true><<<blocks_for_rows(p.L), block, 0, stream>>>(tokens, p.L, p.D, p.row_stride, p.u, p.eps, p.out_scores, p.out_norms);
  } else {
    selector_score_kernel<T, false><<<blocks_for_rows(p.L), block, 0, stream>>>(tokens, p.L, p.D, p.row_stride, p.u, p.eps, p.out_scores, p.out_norms);
  }
  SLIME_CUDA_CHECK(cudaGetLastError(), "selector_score_kernel launch");
}

}  // namespace

void text_direction_cuda(const TextDirectionParams& p, void* stream_ptr) {
  check_params(p, "text_direction_cuda");
  cudaStream_t stream = static_cast<cudaStream_t>(stream_ptr);
  if (p.T == 0) {  // no rows: u = 0 (a zero-block grid would be a launch error)
    SLIME_CUDA_CHECK(cudaMemsetAsync(p.out_u, 0, sizeof(float) * p.D, stream), "text_direction_cuda: cudaMemsetAsync");
    return;
  }
  switch (p.dtype) {
    case DType::kF32: return text_direction_typed<float>(p, stream);
    case DType::kF16: return text_direction_typed<__half>(p, stream);
    case DType::kBF16: return text_direction_typed<__nv_bfloat16>(p, stream);
  }
}

void selector_score_cuda(const SelectorScoreParams& p, void* stream_ptr) {
  check_params(p, "selector_score_cuda");
  if (p.L == 0) return;
  cudaStream_t stream = static_cast<cudaStream_t>(stream_ptr);
  switch (p.dtype) {
    case DType::kF32: return selector_score_typed<float>(p, stream);
    case DType::kF16: return selector_score_typed<__half>(p, stream);
    case DType::kBF16: return selector_score_typed<__nv_bfloat16>(p, stream);
  }
}

}  // namespace slime::kernels
