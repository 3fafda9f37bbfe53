// Selector score: fused (u = Σ ê_t, then one dot per token; model.md §7.6) vs the upstream
// broadcast form (ATen ops over [L, T, D]; selector_impl = exact), at model sizes. Prints an
// exact/fused time ratio per shape after the table. CUDA variants only when a GPU is visible.
//
// The selector module (engine/model/selector.h) at L = 1008, T = 100, D = 4096 in fp32 and bf16:
//  - bytes: every variant reports the fused path's floor, one read of the L×D tokens and the T×D
//    text rows, as bytes_per_second, next to a bandwidth peer in the same run: at::sum over a
//    buffer of exactly those bytes (read-only streaming, all ATen threads). time / peer time is
//    the ratio to the bandwidth floor (target for fused: <= 2).
//  - peak extra memory: each path runs once in a fresh child process (this binary with
//    --peak=IMPL:DTYPE) that resets the kernel's RSS high-water mark (/proc/self/clear_refs, 5)
//    after building its inputs and reports VmHWM - VmRSS; printed beside the count from the code.
#include <benchmark/benchmark.h>

#include <ATen/ATen.h>

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "engine/common/error.h"
#include "engine/kernels/cpu_reference.h"
#include "engine/kernels/kernels_info.h"
#include "engine/kernels/selector_torch.h"
#include "engine/model/selector.h"

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

// The plain-loop CPU reference (the specification; single accumulator chains), not the production
// CPU path: that is module_fused below (vectorised loops on ATen threads).
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

// ---- The selector module at the model size: fused vs exact vs a bandwidth peer ----

const Shape kModuleShape{1008, 100, 4096};  // P = 7, a ~100-token prompt, 7B/8B hidden size

const char* type_name(at::ScalarType type) {
  return type == at::kBFloat16 ? "bf16" : type == at::kHalf ? "f16" : "f32";
}

int64_t floor_bytes(const Shape& s, at::ScalarType type) {  // one read of z [L, D] and e [T, D]
  return int64_t(s.L + s.T) * s.D * int64_t(c10::elementSize(type));
}

slime::model::SelectorConfig module_config(slime::model::SelectorImpl impl) {
  slime::model::SelectorConfig c;
  c.impl = impl;
  return c;
}

void module_scores(benchmark::State& state, Shape s, at::ScalarType type, slime::model::SelectorImpl impl, bool cuda) {
  Inputs in = make_inputs(s, type);
  if (cuda) in = {in.tokens.cuda(), in.text.cuda(), in.mask.cuda()};
  const auto config = module_config(impl);
  try {
    for (auto _ : state) {
      at::Tensor scores = slime::model::selector_scores(in.tokens, in.text, in.mask, config);  // [L] fp32
      if (cuda) scores = scores.cpu();  // synchronises (4 KB back)
      benchmark::DoNotOptimize(scores.data_ptr());
    }
  } catch (const slime::Error& error) {  // e.g. a dtype this LibTorch's CPU kernels lack
    state.SkipWithError(error.what());
    return;
  }
  state.SetBytesProcessed(state.iterations() * floor_bytes(s, type));
}

// The peer: stream the same number of bytes once (a sum; nothing written but the scalar).
void memread_peer(benchmark::State& state, Shape s, at::ScalarType type, bool cuda) {
  at::Tensor buffer = at::randn({int64_t(s.L + s.T) * s.D}).to(type);
  if (cuda) buffer = buffer.cuda();
  for (auto _ : state) {
    at::Tensor total = buffer.sum();
    if (cuda) total = total.cpu();  // synchronises
    benchmark::DoNotOptimize(total.data_ptr());
  }
  state.SetBytesProcessed(state.iterations() * floor_bytes(s, type));
}

std::string module_name(const char* what, at::ScalarType type, bool cuda = false) {
  return std::string(what) + (cuda ? "_cuda_" : "_") + type_name(type) + kModuleShape.suffix();
}

// ---- Peak extra memory, one fresh process per path ----

int64_t status_kib(const char* key) {  // a "Vm…: N kB" line of /proc/self/status
  std::ifstream status("/proc/self/status");
  std::string line;
  const std::string prefix = std::string(key) + ":";
  while (std::getline(status, line))
    if (line.rfind(prefix, 0) == 0) return std::atoll(line.c_str() + prefix.size());
  return -1;
}

// Child: --peak=IMPL:DTYPE. Prints the peak extra resident bytes of one selector_scores call.
int peak_child(const std::string& spec) {
  const auto impl = spec.rfind("exact", 0) == 0 ? slime::model::SelectorImpl::kExact : slime::model::SelectorImpl::kFused;
  const at::ScalarType type = spec.find("bf16") != std::string::npos ? at::kBFloat16 : at::kFloat;
  const auto config = module_config(impl);
  const Inputs warm = make_inputs({16, 4, 64}, type);  // thread pools, dispatch tables: not the path's cost
  slime::model::selector_scores(warm.tokens, warm.text, warm.mask, config);
  const Inputs in = make_inputs(kModuleShape, type);
  {
    std::ofstream reset("/proc/self/clear_refs");
    reset << "5";  // VmHWM := VmRSS
  }
  const int64_t rss = status_kib("VmRSS");
  try {
    const at::Tensor scores = slime::model::selector_scores(in.tokens, in.text, in.mask, config);
    benchmark::DoNotOptimize(scores.data_ptr());
  } catch (const slime::Error&) {
    std::printf("unsupported\n");
    return 0;
  }
  std::printf("%lld\n", static_cast<long long>((status_kib("VmHWM") - rss) * 1024));
  return 0;
}

std::string run_peak_child(const char* self, const std::string& spec) {
  const std::string command = std::string(self) + " --peak=" + spec;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return "failed";
  char buffer[128] = {0};
  const bool got = std::fgets(buffer, sizeof(buffer), pipe) != nullptr;
  pclose(pipe);
  std::string out = got ? buffer : "failed";
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  return out;
}

void print_peak_memory(const char* self) {
  const Shape& s = kModuleShape;
  std::printf("\npeak extra memory of one selector_scores call, L %d T %d D %d (fresh process each):\n", s.L, s.T, s.D);
  std::printf("%-6s %-5s %16s %16s\n", "impl", "dtype", "measured (B)", "counted (B)");
  for (auto type : {at::kFloat, at::kBFloat16}) {
    const int64_t element = int64_t(c10::elementSize(type));
    // exact: x1/‖x1‖, x2/‖x2‖ and their product are three live [L, T, D] tensors before the sum.
    const int64_t exact_count = 3 * int64_t(s.L) * s.T * s.D * element;
    // fused: u [D], scores [L], norms [L], the fp32 mask [T], one widened row each for z and e [D].
    const int64_t fused_count = (3 * int64_t(s.D) + 2 * s.L + s.T) * 4;
    for (const char* impl : {"exact", "fused"}) {
      const std::string spec = std::string(impl) + ":" + type_name(type);
      std::printf("%-6s %-5s %16s %16lld\n", impl, type_name(type), run_peak_child(self, spec).c_str(),
                  static_cast<long long>(impl[0] == 'e' ? exact_count : fused_count));
    }
  }
}

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
  if (argc == 2 && std::string(argv[1]).rfind("--peak=", 0) == 0) return peak_child(argv[1] + 7);
  benchmark::Initialize(&argc, argv);
  const bool gpu = !sk::cuda_devices().empty();
  for (const Shape& s : kShapes) {
    benchmark::RegisterBenchmark(("fused_cpu_f32" + s.suffix()).c_str(), fused_cpu, s)->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark(("exact_aten_cpu_f32" + s.suffix()).c_str(), exact_aten, s, at::kFloat, false)
        ->Unit(benchmark::kMillisecond);
#if SLIME_WITH_CUDA
    if (gpu) {
      for (auto type : {at::kFloat, at::kHalf, at::kBFloat16})
        benchmark::RegisterBenchmark((std::string("fused_cuda_") + type_name(type) + s.suffix()).c_str(), fused_cuda, s, type)
            ->UseManualTime()
            ->Unit(benchmark::kMicrosecond);
    }
#endif
    if (gpu && at::hasCUDA())
      benchmark::RegisterBenchmark(("exact_aten_cuda_f16" + s.suffix()).c_str(), exact_aten, s, at::kHalf, true)
          ->Unit(benchmark::kMicrosecond);
  }
  // CPU always; the same on the GPU when this LibTorch has CUDA and a device is visible.
  std::vector<bool> devices = {false};
  if (gpu && at::hasCUDA()) devices.push_back(true);
  for (bool cuda : devices) {
    for (auto type : {at::kFloat, at::kBFloat16}) {
      benchmark::RegisterBenchmark(module_name("module_fused", type, cuda).c_str(), module_scores, kModuleShape, type,
                                   slime::model::SelectorImpl::kFused, cuda)
          ->Unit(benchmark::kMillisecond);
      benchmark::RegisterBenchmark(module_name("module_exact", type, cuda).c_str(), module_scores, kModuleShape, type,
                                   slime::model::SelectorImpl::kExact, cuda)
          ->Unit(benchmark::kMillisecond);
      benchmark::RegisterBenchmark(module_name("memread_peer", type, cuda).c_str(), memread_peer, kModuleShape, type, cuda)
          ->Unit(benchmark::kMillisecond);
    }
  }
  RatioReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  std::printf("\nexact / fused (same shape; >1 means the fused path is faster):\n");
  for (const Shape& s : kShapes) {
    reporter.print_ratio("exact_aten_cpu_f32" + s.suffix(), "fused_cpu_f32" + s.suffix());
    reporter.print_ratio("exact_aten_cuda_f16" + s.suffix(), "fused_cuda_f16" + s.suffix());
  }
  std::printf("\ntime / bandwidth-peer time on the same bytes (the ratio to the bandwidth floor; fused target <= 2):\n");
  for (bool cuda : {false, true}) {
    for (auto type : {at::kFloat, at::kBFloat16}) {
      reporter.print_ratio(module_name("module_fused", type, cuda), module_name("memread_peer", type, cuda));
      reporter.print_ratio(module_name("module_exact", type, cuda), module_name("memread_peer", type, cuda));
      reporter.print_ratio(module_name("module_exact", type, cuda), module_name("module_fused", type, cuda));
    }
  }
  std::printf("floor bytes: f32 %lld, bf16 %lld\n", static_cast<long long>(floor_bytes(kModuleShape, at::kFloat)),
              static_cast<long long>(floor_bytes(kModuleShape, at::kBFloat16)));
  char self[4096] = {0};  // the child runs this binary; popen's shell would make /proc/self/exe itself
  if (readlink("/proc/self/exe", self, sizeof(self) - 1) > 0) print_peak_memory(self);
  benchmark::Shutdown();
  return 0;
}
