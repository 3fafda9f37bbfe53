// One CLIP ViT-L/14-336 encoder layer (C 1024, 16 heads, MLP 4096, T = 577 tokens) in fp32 on CPU,
// reported as GFLOP/s, beside its peer: a bare fp32 GEMM of the layer's largest shape (fc1,
// [577, 1024] x [1024, 4096]), the ceiling the layer's matmuls can reach on this machine. Prints
// layer/GEMM throughput ratios after the table. Random weights: speed does not depend on values.
#include <benchmark/benchmark.h>

#include <ATen/ATen.h>
#include <torch/torch.h>

#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "engine/io/model_config.h"
#include "engine/model/clip.h"

namespace {

constexpr int64_t kTokens = 577;  // CLS + 24x24 patches

slime::io::ClipVisionConfig vit_l14_336() {
  slime::io::ClipVisionConfig c;
  c.hidden_size = 1024;
  c.intermediate_size = 4096;
  c.num_hidden_layers = 24;
  c.num_attention_heads = 16;
  c.image_size = 336;
  c.patch_size = 14;
  return c;
}

// Multiply-adds x2 of one layer on N images: q/k/v/out (4 C^2 per token), fc1 + fc2 (2 C I per
// token), QK^T and PV (2 T^2 C per image). LayerNorms, softmax and the activation are O(T C) and
// left out, so the figure is a lower bound on the work done.
double layer_flops(int64_t n, const slime::io::ClipVisionConfig& c) {
  const double t = kTokens, d = c.hidden_size, i = c.intermediate_size;
  return n * 2.0 * (t * (4 * d * d + 2 * d * i) + 2 * t * t * d);
}

void clip_layer_fp32(benchmark::State& state) {
  const int64_t n = state.range(0);
  const auto config = vit_l14_336();
  torch::manual_seed(0);
  slime::model::ClipEncoderLayer layer(config);  // default (Kaiming/uniform) init
  const at::Tensor x = at::randn({n, kTokens, config.hidden_size});  // [N, 577, 1024]
  c10::InferenceMode guard;
  for (auto _ : state) benchmark::DoNotOptimize(layer->forward(x));
  state.counters["GFLOP"] = benchmark::Counter(layer_flops(n, config) * state.iterations() / 1e9,
                                                 benchmark::Counter::kIsRate);
}

void gemm_fc1_fp32(benchmark::State& state) {
  const int64_t n = state.range(0);
  const at::Tensor a = at::randn({n * kTokens, 1024}), b = at::randn({1024, 4096});
  c10::InferenceMode guard;
  for (auto _ : state) benchmark::DoNotOptimize(at::matmul(a, b));
  state.counters["GFLOP"] = benchmark::Counter(2.0 * n * kTokens * 1024 * 4096 * state.iterations() / 1e9,
                                                 benchmark::Counter::kIsRate);
}

BENCHMARK(clip_layer_fp32)->Arg(1)->Arg(3)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(gemm_fc1_fp32)->Arg(1)->Arg(3)->Unit(benchmark::kMillisecond)->UseRealTime();

// Collects GFLOP/s (counter "GFLOP", a rate, shown as N/s) per (benchmark, N) to print layer/GEMM ratios after the table.
class RatioReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const Run& run : runs) {
      if (run.run_type != Run::RT_Iteration) continue;
      const auto it = run.counters.find("GFLOP");
      if (it != run.counters.end()) rates_[run.benchmark_name()] = it->second.value;
    }
  }
  void print_ratios() const {
    for (const char* arg : {"1", "3"}) {
      const auto layer = rates_.find(std::string("clip_layer_fp32/") + arg + "/real_time");
      const auto gemm = rates_.find(std::string("gemm_fc1_fp32/") + arg + "/real_time");
      if (layer == rates_.end() || gemm == rates_.end()) continue;
      std::printf("N=%s: layer %.1f GFLOP/s = %.2f x the fc1 GEMM's %.1f GFLOP/s\n", arg, layer->second,
                  layer->second / gemm->second, gemm->second);
    }
  }

 private:
  std::map<std::string, double> rates_;
};

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  std::printf("LibTorch intra-op threads: %d\n", at::get_num_threads());
  RatioReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  reporter.print_ratios();
  benchmark::Shutdown();
  return 0;
}
