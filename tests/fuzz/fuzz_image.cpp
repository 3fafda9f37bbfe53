// fuzz-libs: slime_image slime_image_torch
// Image decode + preprocessing of arbitrary sizes (engine/image). Byte 0 picks the path:
//   even: bytes 1.. are an encoded file, decoded with a 4 Mpx limit (larger images must be refused
//         as slime::Error before any allocation, so the fuzzer never runs out of memory), then
//         preprocessed as below;
//   odd:  bytes 1..8 are a width and height (int32, any value): the SliME anyres plan and the
//         LLaVA-NeXT plan/grid/unpad geometry are computed for it, and when it has at most
//         kSyntheticPixels pixels and kSyntheticSide per side an image of that size (filled from
//         the remaining bytes) is preprocessed.
// Preprocessing = SliME's anyres views, LLaVA-1.5's resize + centre crop and pad-to-square, and
// LLaVA-NeXT's views; every view must come out 336 x 336 and as many as the plan says.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "engine/common/error.h"
#include "engine/image/anyres.h"
#include "engine/image/decode.h"
#include "engine/image/llava_preprocess.h"

namespace {

using namespace slime::image;

constexpr int kSide = 336;                         // the CLIP ViT-L/14-336 view side
constexpr int64_t kDecodePixels = 4'000'000;       // per-input memory stays well under libFuzzer's 2 GB
constexpr int64_t kSyntheticPixels = 1'000'000;    // keeps the synthetic path fast
// Pillow-exact resizing reads every input row for each output row's window, so a thin image costs
// in proportion to its long side (1 x 512001: 34 s under ASan): longer ones are planned only.
constexpr int kSyntheticSide = 16384;
const std::vector<Resolution> kPinpoints = {{336, 672}, {672, 336}, {672, 672}, {1008, 336}, {336, 1008}};

void check_views(const std::vector<RgbImage>& views, size_t expected) {
  if (views.size() != expected) std::abort();
  for (const auto& v : views)
    if (v.width != kSide || v.height != kSide || v.rgb.size() != size_t(kSide) * kSide * 3) std::abort();
}

void geometry(int width, int height) {
  try {
    const AnyresPlan plan = plan_anyres(width, height);
    if (plan.crops.size() != size_t(plan.grid.count())) std::abort();
    for (const Box& b : plan.crops)
      if (b.left < 0 || b.top < 0 || b.right > plan.canvas.width || b.bottom > plan.canvas.height) std::abort();
  } catch (const slime::Error&) {
  }
  try {
    const LlavaNextPlan plan = plan_llava_next(width, height, kPinpoints, kSide);
    const auto [rows, cols] = llava_next_grid_shape(plan.image, kPinpoints, kSide);
    const UnpadBox box = llava_next_unpad_box(plan.image, rows * 24, cols * 24);
    if (box.top < 0 || box.left < 0 || box.bottom > rows * 24 || box.right > cols * 24) std::abort();
  } catch (const slime::Error&) {
  }
}

void preprocess(const RgbImage& image) {
  const AnyresPlan plan = plan_anyres(image.width, image.height);
  check_views(make_views(image, plan), 1 + plan.crops.size());
  const RgbImage clip = clip_resize_center_crop(image, kSide);
  if (clip.width != kSide || clip.height != kSide) std::abort();
  const RgbImage square = expand_to_square(image, clip_mean_fill());
  if (square.width != std::max(image.width, image.height) || square.width != square.height) std::abort();
  const LlavaNextPlan next = plan_llava_next(image.width, image.height, kPinpoints, kSide);
  check_views(llava_next_views(image, next), 1 + size_t(next.patches()));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  try {
    if (data[0] % 2 == 0) {
      DecodeOptions options;
      options.max_pixels = kDecodePixels;
      const RgbImage image = decode_image(data + 1, size - 1, "fuzz input", options);
      if (image.width <= 0 || image.height <= 0 || int64_t(image.width) * image.height > kDecodePixels) std::abort();
      if (image.rgb.size() != size_t(image.width) * image.height * 3) std::abort();
      preprocess(image);
    } else if (size >= 9) {
      int32_t width, height;
      std::memcpy(&width, data + 1, 4);
      std::memcpy(&height, data + 5, 4);
      geometry(width, height);
      if (width > 0 && height > 0 && int64_t(width) * height <= kSyntheticPixels &&
          std::max(width, height) <= kSyntheticSide) {
        RgbImage image(width, height);
        if (size > 9)
          for (size_t i = 0; i < image.rgb.size(); ++i) image.rgb[i] = data[9 + i % (size - 9)];
        preprocess(image);
      }
    }
  } catch (const slime::Error&) {
    // Malformed input must end here, as slime::Error; anything else escapes and is a finding.
  }
  return 0;
}
