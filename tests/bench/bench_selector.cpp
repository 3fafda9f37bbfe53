// Selector score: fused (u = Σ ê_t, then one dot per token; model.md §7.6) vs the upstream
// broadcast form (ATen ops over [L, T, D]; selector_impl = exact), at model sizes. Prints an
// exact/fused time ratio per shape after the table. CUDA variants only when a GPU is visible.
#include <benchmark/benchmark.h>

#include <ATen/ATen.h>

#include <unistd.h>

#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "engine/kernels/cpu_reference.h"
#include "engine/kernels/kernels_info.h"
#include "engine/kernels/selector_torch.h"

#if SLIME_WITH_CUDA
#include <cuda_runtime_api.h>
#endif

namespace sk = slime::kernels;

namespace {

struct Shape {
  int L, T, D;
  std::string suffix() const { return "/L:" + std::to_string(L) + "/T:" + std::to_string(T) + "/D:" + std::to_string(D); }
};
// P = 2 and P = 7 crops (L = 144·P) with a ~100-token prompt, at the 7B/8B hidden size, and a small case.
const Shape kShapes[] = {{288, 32, 1024}, {288, 100, 4096}, {1008, 100, 4096}};

struct Inputs {
  at::Tensor tokens, text, mask;  // [L, D], [T, D], [T] (last row masked, as §7.1's padding row)
};
Inputs make_inputs(const Shape& s, at::ScalarType type) {
  Inputs in{at::randn({s.L, s.D}).to(type), at::randn({s.T, s.D}).to(type), at::ones({s.T})};
  in.mask[s.T - 1] = 0.0f;
  return in;
}

void fused_cpu(benchmark::State& state, Shape s) {
  const Inputs in = make_inputs(s, at::kFloat);
  std::vector<float> u(s.D), scores(s.L);
  sk::TextDirectionParams tp;
  tp.text = in.text.data_ptr();
  tp.mask = in.mask.data_ptr<float>();
  tp.T = s.T;
  tp.D = s.D;
  tp.text_row_stride = s.D;
  tp.out_u = u.data();
  sk::SelectorScoreParams sp;
  sp.tokens = in.tokens.data_ptr();
  sp.L = s.L;
  sp.D = s.D;
  sp.row_stride = s.D;
  sp.u = u.data();
  sp.out_scores = scores.data();
  for (auto _ : state) {
    sk::text_direction_cpu(tp);
    sk::selector_score_cpu(sp);
    benchmark::DoNotOptimize(scores.data());
  }
  state.SetBytesProcessed(state.iterations() * int64_t(in.tokens.nbytes() + in.text.nbytes()));
}

void exact_aten(benchmark::State& state, Shape s, at::ScalarType type, bool cuda) {
  Inputs in = make_inputs(s, type);
  if (cuda) in = {in.tokens.cuda(), in.text.cuda(), in.mask.cuda()};
  for (auto _ : state) {
    at::Tensor scores = sk::selector_scores_exact(in.tokens, in.text, in.mask, 1e-8);
    if (cuda) scores = scores.cpu();  // synchronises
    benchmark::DoNotOptimize(scores.data_ptr());
  }
  state.SetBytesProcessed(state.iterations() * int64_t(in.tokens.nbytes() + in.text.nbytes()));
}

#if SLIME_WITH_CUDA
// Raw kernels on device buffers, timed with CUDA events (manual time excludes the host loop).
void fused_cuda(benchmark::State& state, Shape s, at::ScalarType type) {
  const Inputs in = make_inputs(s, type);
  void *tokens, *text;
  float *mask, *u, *scores, *workspace;
  cudaMalloc(&tokens, in.tokens.nbytes());
  cudaMalloc(&text, in.text.nbytes());
  cudaMalloc(reinterpret_cast<void**>(&mask), in.mask.nbytes());
  cudaMalloc(reinterpret_cast<void**>(&u), s.D * sizeof(float));
  cudaMalloc(reinterpret_cast<void**>(&scores), s.L * sizeof(float));
  cudaMalloc(reinterpret_cast<void**>(&workspace), s.T * sizeof(float));
  cudaMemcpy(tokens, in.tokens.data_ptr(), in.tokens.nbytes(), cudaMemcpyHostToDevice);
  cudaMemcpy(text, in.text.data_ptr(), in.text.nbytes(), cudaMemcpyHostToDevice);
  cudaMemcpy(mask, in.mask.data_ptr(), in.mask.nbytes(), cudaMemcpyHostToDevice);
  const sk::DType dtype = type == at::kHalf ? sk::DType::kF16 : type == at::kBFloat16 ? sk::DType::kBF16 : sk::DType::kF32;
  sk::TextDirectionParams tp;
  tp.text = text;
  tp.mask = mask;
  tp.T = s.T;
  tp.D = s.D;
  tp.text_row_stride = s.D;
  tp.dtype = dtype;
  tp.out_u = u;
  tp.workspace = workspace;
  sk::SelectorScoreParams sp;
  sp.tokens = tokens;
  sp.L = s.L;
  sp.D = s.D;
  sp.row_stride = s.D;
  sp.dtype = dtype;
  sp.u = u;
  sp.out_scores = scores;
  cudaEvent_t start, stop;
  cudaEventCreate(&start);
  cudaEventCreate(&stop);
  for (auto _ : state) {
    cudaEventRecord(start);
    sk::text_direction_cuda(tp, nullptr);
    sk::selector_score_cuda(sp, nullptr);
    cudaEventRecord(stop);
    cudaEventSynchronize(stop);
    float ms = 0;
    cudaEventElapsedTime(&ms, start, stop);
    state.SetIterationTime(ms / 1e3);
  }
  state.SetBytesProcessed(state.iterations() * int64_t(in.tokens.nbytes() + in.text.nbytes()));
  cudaEventDestroy(start);
  cudaEventDestroy(stop);
  for (void* p : {tokens, text, static_cast<void*>(mask), static_cast<void*>(u), static_cast<void*>(scores),
                  static_cast<void*>(workspace)})
    cudaFree(p);
}
#endif

// The console table, plus the real time of each run by name for the ratio lines.
class RatioReporter : public benchmark::ConsoleReporter {
 public:
  RatioReporter() : ConsoleReporter(isatty(fileno(stdout)) ? OO_ColorTabular : OO_Tabular) {}
  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const Run& run : runs) times_[run.benchmark_name()] = run.GetAdjustedRealTime();
  }
  void print_ratio(const std::string& slow, const std::string& fast) const {
    const auto a = times_.find(slow), b = times_.find(fast);
    if (a != times_.end() && b != times_.end() && b->second > 0)
      std::printf("%-48s / %-40s = %8.1fx\n", slow.c_str(), fast.c_str(), a->second / b->second);
  }

 private:
  std::map<std::string, double> times_;
};

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  const bool gpu = !sk::cuda_devices().empty();
  for (const Shape& s : kShapes) {
    benchmark::RegisterBenchmark(("fused_cpu_f32" + s.suffix()).c_str(), fused_cpu, s)->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark(("exact_aten_cpu_f32" + s.suffix()).c_str(), exact_aten, s, at::kFloat, false)
        ->Unit(benchmark::kMillisecond);
#if SLIME_WITH_CUDA
    if (gpu) {
      for (auto type : {at::kFloat, at::kHalf})
        benchmark::RegisterBenchmark((std::string("fused_cuda_") + (type == at::kHalf ? "f16" : "f32") + s.suffix()).c_str(),
                                     fused_cuda, s, type)
            ->UseManualTime()
            ->Unit(benchmark::kMicrosecond);
    }
#endif
    if (gpu && at::hasCUDA())
      benchmark::RegisterBenchmark(("exact_aten_cuda_f16" + s.suffix()).c_str(), exact_aten, s, at::kHalf, true)
          ->Unit(benchmark::kMicrosecond);
  }
  RatioReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  std::printf("\nexact / fused (same shape; >1 means the fused path is faster):\n");
  for (const Shape& s : kShapes) {
    reporter.print_ratio("exact_aten_cpu_f32" + s.suffix(), "fused_cpu_f32" + s.suffix());
    reporter.print_ratio("exact_aten_cuda_f16" + s.suffix(), "fused_cuda_f16" + s.suffix());
  }
  benchmark::Shutdown();
  return 0;
}
