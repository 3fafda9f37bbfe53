// Resize throughput on a 2000x1500 RGB image: our Pillow-exact bicubic (the one SliME's parity
// needs) vs OpenCV's INTER_CUBIC and INTER_AREA as peers (neither matches Pillow; model.md §2.4),
// to the fitted local size and to the 336x336 global view. All single-threaded (OpenCV's pool is
// set to 1 thread) so the ratio compares kernels, not core counts. Prints ratios at the end.
#include <map>
#include <string>

#include <benchmark/benchmark.h>
#include <fmt/format.h>
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include "engine/image/anyres.h"
#include "engine/image/decode.h"
#include "engine/image/pillow_resize.h"

namespace {

using namespace slime::image;

const RgbImage& input() {
  static const RgbImage img = read_image(SLIME_SOURCE_DIR "/tests/data/image/inputs/synth_2000x1500.png");
  return img;
}
const cv::Mat& input_mat() {
  static const cv::Mat m = cv::Mat(input().height, input().width, CV_8UC3, const_cast<uint8_t*>(input().rgb.data())).clone();
  return m;
}
Size fitted() {
  static const Size s = plan_anyres(input().width, input().height).resized;
  return s;
}

void BM_Pillow(benchmark::State& state, bool global) {
  const Size t = global ? Size{336, 336} : fitted();
  for (auto _ : state) benchmark::DoNotOptimize(pillow_resize_bicubic(input(), t.width, t.height).rgb.data());
  state.SetLabel(fmt::format("2000x1500 -> {}x{}", t.width, t.height));
}

void BM_OpenCV(benchmark::State& state, bool global, int interpolation) {
  cv::setNumThreads(1);
  const Size t = global ? Size{336, 336} : fitted();
  cv::Mat out;
  for (auto _ : state) {
    cv::resize(input_mat(), out, cv::Size(t.width, t.height), 0, 0, interpolation);
    benchmark::DoNotOptimize(out.data);
  }
  state.SetLabel(fmt::format("2000x1500 -> {}x{}", t.width, t.height));
}

BENCHMARK_CAPTURE(BM_Pillow, fitted, false)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_OpenCV, fitted_cubic, false, cv::INTER_CUBIC)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_OpenCV, fitted_area, false, cv::INTER_AREA)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Pillow, global336, true)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_OpenCV, global336_cubic, true, cv::INTER_CUBIC)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_OpenCV, global336_area, true, cv::INTER_AREA)->Unit(benchmark::kMillisecond);

// Console output as usual, plus the wall time per iteration by name for the ratio table (the
// mean when --benchmark_repetitions asks for aggregates; all benchmarks share one time unit).
class RatioReporter : public benchmark::ConsoleReporter {
 public:
  std::map<std::string, double> seconds;
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const auto& r : runs)
      if (r.run_type == Run::RT_Iteration || r.aggregate_name == "mean") seconds[r.run_name.str()] = r.GetAdjustedRealTime();
    ConsoleReporter::ReportRuns(runs);
  }
};

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  RatioReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  auto ratio = [&](const std::string& ours, const std::string& peer) {
    if (!reporter.seconds.count(ours) || !reporter.seconds.count(peer)) return;
    fmt::print("ratio {} / {} = {:.2f}x\n", ours, peer, reporter.seconds[ours] / reporter.seconds[peer]);
  };
  for (const char* target : {"fitted", "global336"}) {
    const std::string ours = fmt::format("BM_Pillow/{}", target);
    ratio(ours, fmt::format("BM_OpenCV/{}_cubic", target));
    ratio(ours, fmt::format("BM_OpenCV/{}_area", target));
  }
  benchmark::Shutdown();
  return 0;
}
