// SliME's Resampler (model.md §5) at the shapes a SliME-7B run uses, fp32 on CPU: the local
// compressor R144 (grid 12, Nq 144) over P crops of 576 CLIP tokens (P = 2, the smallest UHD grid
// beyond one crop, and P = 6), and the global expert R576 (grid 24) over one image. Random weights
// (the constructor's init): speed does not depend on values. Reports GFLOP/s of the attention's
// matmuls (a lower bound on the work: LayerNorms and the softmax are left out).
#include <benchmark/benchmark.h>

#include <ATen/ATen.h>
#include <torch/torch.h>

#include "engine/model/resampler.h"

namespace {

constexpr int64_t kEmbed = 1024;  // mm_hidden_size of CLIP ViT-L/14-336
constexpr int64_t kKeys = 576;    // 24x24 patch tokens per crop
constexpr int64_t kHeads = 8;     // upstream mm_hidden_size // 128

// Per crop: K/V in-projection (2 S E^2), Q in-projection and out_proj (2 Nq E^2), Q·Kᵀ and P·V
// (2 Nq S E); x2 for multiply-add.
double resampler_flops(int64_t crops, int64_t nq) {
  const double e = kEmbed, s = kKeys, q = double(nq);
  return crops * 2.0 * (2 * s * e * e + 2 * q * e * e + 2 * q * s * e);
}

void resampler_fp32(benchmark::State& state) {
  const int64_t grid = state.range(0), crops = state.range(1);
  torch::manual_seed(0);
  slime::model::ResamplerOptions options;
  options.embed_dim = kEmbed;
  options.grid = grid;
  options.num_heads = kHeads;
  slime::model::Resampler resampler(options);
  const at::Tensor x = at::randn({crops, kKeys, kEmbed});  // [P, 576, 1024]
  c10::InferenceMode guard;
  for (auto _ : state) benchmark::DoNotOptimize(resampler->forward(x));  // [P, G*G, 1024]
  state.counters["GFLOP"] = benchmark::Counter(resampler_flops(crops, grid * grid) * state.iterations() / 1e9,
                                                 benchmark::Counter::kIsRate);
}

// {grid, crops}: R144 on 2 and 6 crops, R576 on the global view.
BENCHMARK(resampler_fp32)->ArgNames({"grid", "crops"})->Args({12, 2})->Args({12, 6})->Args({24, 1})
    ->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
