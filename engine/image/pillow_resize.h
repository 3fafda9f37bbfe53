// Pillow-compatible BICUBIC resize of RGB8 images, bit-exact with Pillow's `Image.resize(size)`
// (ImagingResample in src/libImaging/Resample.c; model.md §2.4). SliME's parity depends on it:
// OpenCV's INTER_CUBIC uses another kernel (a = -0.75), no antialias and 11-bit weights.
#pragma once
#include <cstdint>
#include <vector>

#include "engine/image/decode.h"

namespace slime::image {

// Fixed-point weights of one axis: output i reads `count[i]` inputs from `first[i]` with weights
// weights[i*ksize + 0 .. count[i]-1], each a signed value with kResamplePrecisionBits fraction bits.
struct ResampleAxis {
  int in_size = 0;
  int out_size = 0;
  int ksize = 0;
  std::vector<int> first;
  std::vector<int> count;
  std::vector<int32_t> weights;
};

// 32 - 8 (output bits) - 2 (headroom: the cubic's negative lobes let partial sums go below 0 or
// above 1.0): Pillow's PRECISION_BITS. Accumulators start at half an output step and are shifted
// right by this many bits, then clamped to [0, 255].
constexpr int kResamplePrecisionBits = 22;

// Pillow's precompute_coeffs + normalize_coeffs_8bpc for BICUBIC over the full box [0, in_size).
ResampleAxis bicubic_axis(int in_size, int out_size);
// Only outputs [first_out, first_out + count) of that axis (out_size of the result is COUNT): each
// output's weights depend on its own position alone, so these are the full axis's rows, exactly.
ResampleAxis bicubic_axis(int in_size, int out_size, int first_out, int count);

// Pillow's order: the horizontal pass (only when the width changes) into an 8-bit intermediate,
// then the vertical pass (only when the height changes). Same size -> a copy. Throws
// kInvalidArgument for non-positive sizes or an empty input.
RgbImage pillow_resize_bicubic(const RgbImage& in, int out_width, int out_height);

// pillow_resize_bicubic(in, out_width, out_height) cropped to WIDTH x HEIGHT at (LEFT, TOP), byte
// for byte, computing only the crop: a thin image resized for a 336 short side (1x3000 -> 336 x
// 1008000, a 1 GB intermediate) then costs the crop alone. kInvalidArgument for a box outside.
RgbImage pillow_resize_bicubic_crop(const RgbImage& in, int out_width, int out_height, int left, int top, int width,
                                    int height);

}  // namespace slime::image
