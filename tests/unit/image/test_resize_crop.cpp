// Resize-and-crop in one pass (pillow_resize_bicubic_crop), added when tests/fuzz/fuzz_image timed
// out on a 1x3000 image: LLaVA-1.5's preprocessing resized it to 336x1008000 (1 GB) before taking
// the centre 336x336. The crop must equal resizing the whole image and cropping, byte for byte.
#include <gtest/gtest.h>

#include <cstring>

#include "engine/common/error.h"
#include "engine/image/llava_preprocess.h"
#include "engine/image/pillow_resize.h"
#include "tests/unit/image/image_test_util.h"

namespace {

using slime::image::RgbImage;

RgbImage pattern(int w, int h) {
  RgbImage im(w, h);
  for (size_t i = 0; i < im.rgb.size(); ++i) im.rgb[i] = uint8_t((i * 37 + i / 7 * 11) & 255);
  return im;
}

RgbImage crop(const RgbImage& im, int x0, int y0, int w, int h) {
  RgbImage out(w, h);
  for (int y = 0; y < h; ++y) std::memcpy(out.row(y), im.row(y0 + y) + size_t(x0) * 3, size_t(w) * 3);
  return out;
}

TEST(PreprocessFuzz, ResizeCropEqualsResizeThenCrop) {
  struct Case { int in_w, in_h, out_w, out_h, left, top, w, h; };
  const Case cases[] = {
      {40, 30, 100, 70, 10, 5, 33, 40},   // both passes, upscale
      {90, 70, 31, 29, 0, 0, 31, 29},     // both passes, downscale, the whole output
      {50, 20, 50, 60, 7, 13, 20, 30},    // vertical pass only
      {20, 50, 75, 50, 30, 0, 45, 50},    // horizontal pass only
      {25, 25, 25, 25, 3, 4, 10, 11},     // no pass: a plain crop
      {3, 300, 336, 33600, 0, 16632, 336, 336},  // a thin image as clip_resize_center_crop sees it
  };
  for (const Case& c : cases) {
    const RgbImage in = pattern(c.in_w, c.in_h);
    const RgbImage want = crop(slime::image::pillow_resize_bicubic(in, c.out_w, c.out_h), c.left, c.top, c.w, c.h);
    const RgbImage got = slime::image::pillow_resize_bicubic_crop(in, c.out_w, c.out_h, c.left, c.top, c.w, c.h);
    EXPECT_EQ(slime::test::first_difference(got, want), "") << c.in_w << "x" << c.in_h << " -> " << c.out_w << "x"
                                                             << c.out_h;
  }
  EXPECT_THROW(slime::image::pillow_resize_bicubic_crop(pattern(4, 4), 8, 8, 5, 0, 4, 4), slime::Error);
}

// Both passes interleave over a window of rows (a 1 x 512001 image timed out fuzz_image and was
// stretched through a 516 MB intermediate): the same bytes as the horizontal resize (width only)
// followed by the vertical one (height only), which is the whole-intermediate composition.
TEST(PreprocessFuzz, InterleavedPassesEqualThePassesApart) {
  struct Case { int in_w, in_h, out_w, out_h; };
  for (const Case& c : {Case{1, 20000, 336, 336}, Case{3000, 2, 336, 336}, Case{700, 500, 336, 336},
                        Case{97, 1031, 1008, 672}, Case{40, 30, 100, 70}}) {
    const RgbImage in = pattern(c.in_w, c.in_h);
    const RgbImage apart = slime::image::pillow_resize_bicubic(slime::image::pillow_resize_bicubic(in, c.out_w, c.in_h),
                                                               c.out_w, c.out_h);
    EXPECT_EQ(slime::test::first_difference(slime::image::pillow_resize_bicubic(in, c.out_w, c.out_h), apart), "")
        << c.in_w << "x" << c.in_h << " -> " << c.out_w << "x" << c.out_h;
  }
}

TEST(PreprocessFuzz, ThinImagesResizeOnlyTheCentreCrop) {
  // 1x3000: the full resize would be 336 x 1008000 pixels; the crop alone is instant.
  const RgbImage view = slime::image::clip_resize_center_crop(pattern(1, 3000), 336);
  EXPECT_EQ(view.width, 336);
  EXPECT_EQ(view.height, 336);
}

TEST(PreprocessFuzz, ExpandToSquareRefusesSquaresBeyondThePixelLimit) {
  // 1 x 20000 would pad to 4e8 pixels, over Pillow's decompression-bomb bound.
  try {
    slime::image::expand_to_square(pattern(1, 20000), slime::image::clip_mean_fill());
    ADD_FAILURE() << "no error";
  } catch (const slime::Error& e) {
    EXPECT_EQ(e.code(), slime::ErrorCode::kUnsupported) << e.what();
  }
}

}  // namespace
