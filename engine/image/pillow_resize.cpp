// Bicubic resampling reproducing Pillow's ImagingResample (Resample.c) for 8-bit RGB:
// same double-precision coefficient recipe and evaluation order, same fixed-point rounding, same
// pass order and skip conditions, so outputs match byte for byte (tests/unit/image goldens).
#include "engine/image/pillow_resize.h"

#include <algorithm>
#include <cmath>

#include "engine/common/error.h"

namespace slime::image {
namespace {

// Keys cubic convolution kernel with a = -0.5, support 2, written with Pillow's operation order
// so every double rounds the same way.
double bicubic_kernel(double x) {
  constexpr double a = -0.5;
  if (x < 0.0) x = -x;
  if (x < 1.0) return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
  if (x < 2.0) return (((x - 5) * x + 8) * x - 4) * a;
  return 0.0;
}
constexpr double kBicubicSupport = 2.0;

// Clamp of acc >> 22 to a byte (Pillow's clip8; >> on a negative int is an arithmetic shift in
// C++20 and on every compiler we build with in C++17).
inline uint8_t clip8(int32_t acc) {
  int32_t v = acc >> kResamplePrecisionBits;
  return uint8_t(v < 0 ? 0 : (v > 255 ? 255 : v));
}

constexpr int32_t kHalf = int32_t(1) << (kResamplePrecisionBits - 1);

// The passes are pure integer code, so an AVX2 clone (chosen at load time where the CPU has it;
// baseline x86-64 lacks a packed 32-bit multiply) gives the same bytes, only faster.
#if defined(__GNUC__) && defined(__x86_64__) && !defined(__clang__)
#define SLIME_RESAMPLE_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define SLIME_RESAMPLE_CLONES
#endif

// Filters kBlockRows rows at once: the block is first transposed so that, for each input column,
// the kBlockRows*3 bytes of all its rows are contiguous; every tap then adds one weight times a
// fixed-length contiguous vector, which the compiler vectorises. Integer sums are exact, so the
// bytes equal Pillow's per-pixel loop.
constexpr int kBlockRows = 16;
constexpr int kBlockLanes = kBlockRows * 3;

SLIME_RESAMPLE_CLONES RgbImage horizontal_pass(const RgbImage& in, const ResampleAxis& ax) {
  RgbImage out(ax.out_size, in.height);
  std::vector<uint8_t> columns(size_t(in.width) * kBlockLanes, 0);  // [x][row][channel]
  for (int y0 = 0; y0 < in.height; y0 += kBlockRows) {
    const int rows = std::min(kBlockRows, in.height - y0);
    for (int r = 0; r < rows; ++r) {
      const uint8_t* src = in.row(y0 + r);
      for (int x = 0; x < in.width; ++x)
        for (int c = 0; c < 3; ++c) columns[size_t(x) * kBlockLanes + r * 3 + c] = src[x * 3 + c];
    }
    for (int x = 0; x < ax.out_size; ++x) {
      int32_t acc[kBlockLanes];
      std::fill(acc, acc + kBlockLanes, kHalf);
      const int32_t* k = &ax.weights[size_t(x) * ax.ksize];
      const uint8_t* col = &columns[size_t(ax.first[x]) * kBlockLanes];
      for (int t = 0; t < ax.count[x]; ++t, col += kBlockLanes) {
        const int32_t w = k[t];
        for (int i = 0; i < kBlockLanes; ++i) acc[i] += col[i] * w;
      }
      for (int r = 0; r < rows; ++r)
        for (int c = 0; c < 3; ++c) out.row(y0 + r)[x * 3 + c] = clip8(acc[r * 3 + c]);
    }
  }
  return out;
}

// Row-at-a-time accumulation: integer sums are exact, so summing whole rows (vectorisable) gives
// the same bytes as Pillow's per-pixel loop over taps.
SLIME_RESAMPLE_CLONES RgbImage vertical_pass(const RgbImage& in, const ResampleAxis& ax) {
  RgbImage out(in.width, ax.out_size);
  const size_t n = size_t(in.width) * 3;
  std::vector<int32_t> acc(n);
  for (int y = 0; y < ax.out_size; ++y) {
    std::fill(acc.begin(), acc.end(), kHalf);
    const int32_t* k = &ax.weights[size_t(y) * ax.ksize];
    for (int t = 0; t < ax.count[y]; ++t) {
      const uint8_t* src = in.row(ax.first[y] + t);
      const int32_t w = k[t];
      for (size_t i = 0; i < n; ++i) acc[i] += src[i] * w;
    }
    uint8_t* dst = out.row(y);
    for (size_t i = 0; i < n; ++i) dst[i] = clip8(acc[i]);
  }
  return out;
}

}  // namespace

ResampleAxis bicubic_axis(int in_size, int out_size) {
  if (in_size <= 0 || out_size <= 0)
    throw_error(ErrorCode::kInvalidArgument, "bicubic resize: sizes must be positive (in {}, out {})", in_size, out_size);
  ResampleAxis ax;
  ax.in_size = in_size;
  ax.out_size = out_size;
  const double scale = double(in_size) / out_size;
  const double filterscale = std::max(scale, 1.0);  // > 1 when downscaling: the antialias
  const double support = kBicubicSupport * filterscale;
  ax.ksize = int(std::ceil(support)) * 2 + 1;
  ax.first.resize(out_size);
  ax.count.resize(out_size);
  ax.weights.assign(size_t(out_size) * ax.ksize, 0);
  std::vector<double> w(ax.ksize);
  for (int xx = 0; xx < out_size; ++xx) {
    const double center = (xx + 0.5) * scale;
    const double ss = 1.0 / filterscale;  // Pillow multiplies by the reciprocal, not divides
    const int xmin = std::max(int(center - support + 0.5), 0);  // int(): truncation, as C's cast
    const int xmax = std::min(int(center + support + 0.5), in_size) - xmin;
    double ww = 0.0;
    for (int x = 0; x < xmax; ++x) {
      w[x] = bicubic_kernel((x + xmin - center + 0.5) * ss);
      ww += w[x];
    }
    int32_t* k = &ax.weights[size_t(xx) * ax.ksize];
    for (int x = 0; x < xmax; ++x) {
      const double v = ww != 0.0 ? w[x] / ww : w[x];
      // Round half away from zero to 22 fractional bits (normalize_coeffs_8bpc).
      k[x] = v < 0 ? int32_t(-0.5 + v * (1 << kResamplePrecisionBits))
                   : int32_t(0.5 + v * (1 << kResamplePrecisionBits));
    }
    ax.first[xx] = xmin;
    ax.count[xx] = xmax;
  }
  return ax;
}

RgbImage pillow_resize_bicubic(const RgbImage& in, int out_width, int out_height) {
  if (in.width <= 0 || in.height <= 0 || in.rgb.size() != size_t(in.width) * in.height * 3)
    throw_error(ErrorCode::kInvalidArgument, "bicubic resize: empty or inconsistent input image ({}x{}, {} bytes)",
                in.width, in.height, in.rgb.size());
  if (out_width <= 0 || out_height <= 0)
    throw_error(ErrorCode::kInvalidArgument, "bicubic resize: target size {}x{} must be positive", out_width, out_height);
  const bool need_h = out_width != in.width;
  const bool need_v = out_height != in.height;
  if (!need_h && !need_v) return in;
  if (!need_v) return horizontal_pass(in, bicubic_axis(in.width, out_width));
  const ResampleAxis vert = bicubic_axis(in.height, out_height);
  if (!need_h) return vertical_pass(in, vert);
  // Pillow filters horizontally only the rows the vertical pass reads; over the full image box
  // that is every row (the first window starts at 0 and the last ends at in.height).
  return vertical_pass(horizontal_pass(in, bicubic_axis(in.width, out_width)), vert);
}

}  // namespace slime::image
