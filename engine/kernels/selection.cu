// Top-p / top-k selection in one thread block (selection.h). L is at most a few thousand, so the
// whole problem fits one block's shared memory and a rank-by-counting sort (O(L²/threads)
// comparisons, ~1k per thread at L = 1008) beats launching a device-wide sort.
//
// Bit-exactness with select_topp_cpu: every float operation that feeds the kept set is done in
// the reference's order with the same rounding: the divisions and subtractions are IEEE _rn
// intrinsics (never fused), exp is detail::softmax_exp (selection_math.h), and the two sums whose
// rounding depends on order (softmax normaliser, cumulative sum over the sorted p) run serially
// in one thread, as the reference's loops do. Only the max and the ranks, which are exact in
// any order, run in parallel. L serial adds cost ~L·4 cycles (a few µs at L = 1008).
#include <cub/block/block_reduce.cuh>
#include <cub/block/block_scan.cuh>
#include <cuda_runtime.h>

#include <cstdint>

#include "engine/kernels/cuda_check.h"
#include "engine/kernels/selection.h"
#include "engine/kernels/selection_math.h"

namespace slime::kernels {
namespace {

constexpr int kThreads = 1024;
constexpr int kPerThread = (kMaxCudaSelectionLength + kThreads - 1) / kThreads;  // indices per thread

using BlockReduce = cub::BlockReduce<float, kThreads>;
using BlockScan = cub::BlockScan<int, kThreads>;

// cub::Max is gone in CCCL 3 (CUDA 13); a local functor works with every CUB.
struct MaxOp {
  __device__ float operator()(float a, float b) const { return fmaxf(a, b); }
};

struct SharedScratch {
  union {
    typename BlockReduce::TempStorage reduce;
    typename BlockScan::TempStorage scan;
  } cub;
  float broadcast;  // the max, then the sum
  int count;        // K
};

// key [L] := softmax(key / temperature), in select_topp_cpu's operation order.
__device__ void softmax_block(float* key, int L, float temperature, SharedScratch& scratch) {
  float local_max = -INFINITY;
  for (int i = threadIdx.x; i < L; i += kThreads) {
    key[i] = detail::div_rn(key[i], temperature);
    local_max = fmaxf(local_max, key[i]);
  }
  const float block_max = BlockReduce(scratch.cub.reduce).Reduce(local_max, MaxOp());
  if (threadIdx.x == 0) scratch.broadcast = block_max;
  __syncthreads();
  const float max_value = scratch.broadcast;
  for (int i = threadIdx.x; i < L; i += kThreads) key[i] = detail::softmax_exp(detail::sub_rn(key[i], max_value));
  __syncthreads();
  if (threadIdx.x == 0) {  // serial, in index order: the reference's rounding
    float sum = 0.0f;
    for (int i = 0; i < L; ++i) sum = detail::add_rn(sum, key[i]);
    scratch.broadcast = sum;
  }
  __syncthreads();
  const float sum = scratch.broadcast;
  for (int i = threadIdx.x; i < L; i += kThreads) key[i] = detail::div_rn(key[i], sum);
  __syncthreads();
}

// Dynamic shared memory: key [L] fp32 (p, or s for top-k), score [L] fp32 (s, the tie-break),
// order [L] int32 (indices by key descending).
__global__ void __launch_bounds__(kThreads) select_kernel(SelectionParams p) {
  extern __shared__ float shared[];
  const int L = p.L;
  float* key = shared;
  float* score = shared + L;
  int* order = reinterpret_cast<int*>(shared + 2 * L);
  __shared__ SharedScratch scratch;

  for (int i = threadIdx.x; i < L; i += kThreads) key[i] = score[i] = p.scores[i];
  __syncthreads();
  if (p.rule == SelectionRule::kTopP) {
    if (p.softmax == SoftmaxMode::kDouble) softmax_block(key, L, 0.5f, scratch);  // the pre-6b4e0fe inner softmax
    softmax_block(key, L, p.temperature, scratch);
  }

  // rank_i = #{j : j sorts before i}, by key descending, ties by s descending, then lower index:
  // a permutation (the tie policy of selection.h), so order[rank_i] = i is the reference's sort.
  int rank[kPerThread];
#pragma unroll
  for (int r = 0; r < kPerThread; ++r) {
    const int i = threadIdx.x + r * kThreads;
    rank[r] = L;
    if (i >= L) continue;
    const float ki = key[i], si = score[i];
    int count = 0;
    for (int j = 0; j < L; ++j) {
      const float kj = key[j], sj = score[j];  // every thread reads the same j: a broadcast
      count += (kj > ki) || (kj == ki && (sj > si || (sj == si && j < i)));
    }
    rank[r] = count;
    order[count] = i;
  }
  __syncthreads();

  if (threadIdx.x == 0) {
    int K = 0;
    if (p.rule == SelectionRule::kTopP) {
      int m = 0;  // #{j : c_j <= gamma}, c the cumulative sum in sorted order (serial, as the reference)
      float cumulative = 0.0f;
      for (int j = 0; j < L; ++j) {
        cumulative = detail::add_rn(cumulative, key[order[j]]);
        if (cumulative <= p.gamma) ++m;
      }
      K = m < L ? m + 1 : L;  // one past the threshold, so K >= 1
    } else {
      K = p.k < L ? p.k : L;
    }
    scratch.count = K;
    *p.out_count = K;
  }
  __syncthreads();
  const int K = scratch.count;

  // Kept = rank < K; write the kept indices ascending (raster order) by an exclusive scan of the
  // flags in index order, one 1024-index chunk at a time.
  int base = 0;
#pragma unroll
  for (int r = 0; r < kPerThread; ++r) {
    if (r * kThreads >= L) break;  // uniform across the block
    const int i = threadIdx.x + r * kThreads;
    const int flag = (i < L && rank[r] < K) ? 1 : 0;
    int position = 0, total = 0;
    BlockScan(scratch.cub.scan).ExclusiveSum(flag, position, total);
    if (flag) p.out_kept[base + position] = i;
    base += total;
    __syncthreads();  // scratch.cub is reused by the next chunk
  }
}

}  // namespace

void select_cuda(const SelectionParams& p, void* stream_ptr) {
  check_params(p, "select_cuda");
  cudaStream_t stream = static_cast<cudaStream_t>(stream_ptr);
  if (p.L == 0) {  // nothing kept (a zero-size launch would be an error)
    SLIME_CUDA_CHECK(cudaMemsetAsync(p.out_count, 0, sizeof(int), stream), "select_cuda: cudaMemsetAsync");
    return;
  }
  const size_t shared_bytes = static_cast<size_t>(p.L) * (2 * sizeof(float) + sizeof(int));
  select_kernel<<<1, kThreads, shared_bytes, stream>>>(p);
  SLIME_CUDA_CHECK(cudaGetLastError(), "select_kernel launch");
}

}  // namespace slime::kernels
