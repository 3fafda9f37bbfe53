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

// vertical_pass(horizontal_pass(IN, HORIZ), VERT) without the whole intermediate: horizontally
// filtered rows are made a step at a time as the vertical windows (VERT.first: rows of IN) reach
// them and dropped once passed, so the intermediate holds about a window instead of
// HORIZ.out_size x IN.height (a 1 x 4e6 image stretched to 336 wide: 4 GB; found by
// tests/fuzz/fuzz_image). Rows are filtered independently, so the bytes are the same.
SLIME_RESAMPLE_CLONES RgbImage both_passes(const RgbImage& in, const ResampleAxis& horiz, const ResampleAxis& vert) {
  RgbImage out(horiz.out_size, vert.out_size);
  const size_t n = size_t(horiz.out_size) * 3;
  const int step = std::max(64, vert.ksize);  // rows filtered per refill: few refills, small moves
  std::vector<uint8_t> band;                  // filtered rows [lo, hi) of IN, n bytes each
  int lo = 0, hi = 0;
  std::vector<int32_t> acc(n);
  for (int y = 0; y < vert.out_size; ++y) {
    const int a = vert.first[y], b = a + vert.count[y];  // both only move forward with y
    if (b > hi) {
      if (a >= hi) {
        band.clear();
        lo = hi = a;
      } else {
        band.erase(band.begin(), band.begin() + std::ptrdiff_t(size_t(a - lo) * n));
        lo = a;
      }
      const int new_hi = std::min(in.height, std::max(b, hi + step));
      RgbImage rows(in.width, new_hi - hi);
      std::copy_n(in.row(hi), rows.rgb.size(), rows.rgb.data());
      const RgbImage filtered = horizontal_pass(rows, horiz);
      band.insert(band.end(), filtered.rgb.begin(), filtered.rgb.end());
      hi = new_hi;
    }
    std::fill(acc.begin(), acc.end(), kHalf);
    const int32_t* k = &vert.weights[size_t(y) * vert.ksize];
    for (int t = 0; t < vert.count[y]; ++t) {
      const uint8_t* src = &band[size_t(a - lo + t) * n];
      const int32_t w = k[t];
      for (size_t i = 0; i < n; ++i) acc[i] += src[i] * w;
    }
    uint8_t* dst = out.row(y);
    for (size_t i = 0; i < n; ++i) dst[i] = clip8(acc[i]);
  }
  return out;
}

}  // namespace

ResampleAxis bicubic_axis(int in_size, int out_size) { return bicubic_axis(in_size, out_size, 0, out_size); }

ResampleAxis bicubic_axis(int in_size, int out_size, int first_out, int count) {
  if (in_size <= 0 || out_size <= 0)
    throw_error(ErrorCode::kInvalidArgument, "bicubic resize: sizes must be positive (in {}, out {})", in_size, out_size);
  if (first_out < 0 || count <= 0 || first_out > out_size - count)
    throw_error(ErrorCode::kInvalidArgument, "bicubic resize: outputs [{}, {}) are not inside [0, {})", first_out,
                int64_t(first_out) + count, out_size);
  ResampleAxis ax;
  ax.in_size = in_size;
  ax.out_size = count;
  const double scale = double(in_size) / out_size;
  const double filterscale = std::max(scale, 1.0);  // > 1 when downscaling: the antialias
  const double support = kBicubicSupport * filterscale;
  ax.ksize = int(std::ceil(support)) * 2 + 1;
  ax.first.resize(count);
  ax.count.resize(count);
  ax.weights.assign(size_t(count) * ax.ksize, 0);
  std::vector<double> w(ax.ksize);
  for (int i = 0; i < count; ++i) {
    const int xx = first_out + i;
    const double center = (xx + 0.5) * scale;
    const double ss = 1.0 / filterscale;  // Pillow multiplies by the reciprocal, not divides
    const int xmin = std::max(int(center - support + 0.5), 0);  // int(): truncation, as C's cast
    const int xmax = std::min(int(center + support + 0.5), in_size) - xmin;
    double ww = 0.0;
    for (int x = 0; x < xmax; ++x) {
      w[x] = bicubic_kernel((x + xmin - center + 0.5) * ss);
      ww += w[x];
    }
    int32_t* k = &ax.weights[size_t(i) * ax.ksize];
    for (int x = 0; x < xmax; ++x) {
      const double v = ww != 0.0 ? w[x] / ww : w[x];
      // Round half away from zero to 22 fractional bits (normalize_coeffs_8bpc).
      k[x] = v < 0 ? int32_t(-0.5 + v * (1 << kResamplePrecisionBits))
                   : int32_t(0.5 + v * (1 << kResamplePrecisionBits));
    }
    ax.first[i] = xmin;
    ax.count[i] = xmax;
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
  return both_passes(in, bicubic_axis(in.width, out_width), vert);
}

RgbImage pillow_resize_bicubic_crop(const RgbImage& in, int out_width, int out_height, int left, int top, int width,
                                    int height) {
  if (in.width <= 0 || in.height <= 0 || in.rgb.size() != size_t(in.width) * in.height * 3)
    throw_error(ErrorCode::kInvalidArgument, "bicubic resize: empty or inconsistent input image ({}x{}, {} bytes)",
                in.width, in.height, in.rgb.size());
  if (out_width <= 0 || out_height <= 0)
    throw_error(ErrorCode::kInvalidArgument, "bicubic resize: target size {}x{} must be positive", out_width, out_height);
  if (left < 0 || top < 0 || width <= 0 || height <= 0 || left > out_width - width || top > out_height - height)
    throw_error(ErrorCode::kInvalidArgument, "bicubic resize: crop {}x{} at ({}, {}) is not inside {}x{}", width,
                height, left, top, out_width, out_height);
  const bool need_h = out_width != in.width;
  const bool need_v = out_height != in.height;
  if (need_h && need_v)
    return both_passes(in, bicubic_axis(in.width, out_width, left, width), bicubic_axis(in.height, out_height, top, height));
  // The input rows the output rows [top, top + height) read: their vertical windows, or themselves.
  ResampleAxis vert;
  int y0 = top, y1 = top + height;
  if (need_v) {
    vert = bicubic_axis(in.height, out_height, top, height);
    y0 = vert.first.front();  // windows move forward with the output row
    y1 = vert.first.back() + vert.count.back();
    for (int& f : vert.first) f -= y0;
  }
  // The columns come out of the horizontal pass already cropped when it runs.
  const int x0 = need_h ? 0 : left, columns = need_h ? in.width : width;
  RgbImage band(columns, y1 - y0);
  for (int y = y0; y < y1; ++y)
    std::copy_n(in.row(y) + size_t(x0) * 3, size_t(columns) * 3, band.row(y - y0));
  if (need_h) band = horizontal_pass(band, bicubic_axis(in.width, out_width, left, width));
  return need_v ? vertical_pass(band, vert) : band;
}

}  // namespace slime::image
