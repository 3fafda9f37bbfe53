// Pillow-exact bicubic resize: every golden output of scripts/reference/gen_image_golden.py
// (Pillow's Image.resize) must be reproduced byte for byte.
#include <gtest/gtest.h>

#include "engine/common/error.h"
#include "engine/image/pillow_resize.h"
#include "tests/unit/image/image_test_util.h"

namespace slime::image {
namespace {

using test::kImageData;

TEST(PillowResize, MatchesPillowOnEveryGolden) {
  const auto golden = test::load_json(kImageData + "resize.json");
  ASSERT_GE(golden["cases"].size(), 50u);
  int with_png = 0;
  for (const auto& c : golden["cases"]) {
    const std::string input = c["input"];
    const int w = c["size"][0], h = c["size"][1];
    SCOPED_TRACE(fmt::format("{} -> {}x{}", input, w, h));
    const RgbImage src = read_image(kImageData + input);
    const RgbImage got = pillow_resize_bicubic(src, w, h);
    EXPECT_EQ(test::first_row_mismatch(got, c["row_crc32"]), "");
    if (!c["expected"].is_null()) {  // small outputs: pixel-level report
      ++with_png;
      EXPECT_EQ(test::first_difference(got, read_image(kImageData + c["expected"].get<std::string>())), "");
    }
  }
  EXPECT_GT(with_png, 10);
}

TEST(PillowResize, SameSizeIsACopy) {
  RgbImage img(3, 2);
  for (size_t i = 0; i < img.rgb.size(); ++i) img.rgb[i] = uint8_t(i * 37);
  EXPECT_EQ(pillow_resize_bicubic(img, 3, 2).rgb, img.rgb);
}

TEST(PillowResize, CoefficientsSumToOneInFixedPoint) {
  // Each row of weights was normalised to sum 1.0 before rounding, so the fixed-point sum is
  // 2^22 up to one rounding step per tap.
  for (auto [in, out] : {std::pair{2000, 336}, {600, 672}, {7, 1}, {1, 9}, {1500, 1501}}) {
    const ResampleAxis ax = bicubic_axis(in, out);
    for (int i = 0; i < out; ++i) {
      int64_t sum = 0;
      for (int t = 0; t < ax.count[i]; ++t) sum += ax.weights[size_t(i) * ax.ksize + t];
      EXPECT_LE(std::abs(sum - (int64_t(1) << kResamplePrecisionBits)), ax.count[i]) << in << "->" << out << " @" << i;
      EXPECT_GE(ax.first[i], 0);
      EXPECT_LE(ax.first[i] + ax.count[i], in);
      EXPECT_LE(ax.count[i], ax.ksize);
    }
  }
  // Antialias: downscaling 2000 -> 336 widens the kernel to ceil(2*2000/336)*2+1 taps.
  EXPECT_EQ(bicubic_axis(2000, 336).ksize, 25);
  EXPECT_EQ(bicubic_axis(336, 2000).ksize, 5);
}

TEST(PillowResize, RejectsBadSizes) {
  RgbImage img(4, 4);
  EXPECT_THROW(pillow_resize_bicubic(img, 0, 4), Error);
  EXPECT_THROW(pillow_resize_bicubic(img, 4, -1), Error);
  EXPECT_THROW(pillow_resize_bicubic(RgbImage(), 4, 4), Error);
}

}  // namespace
}  // namespace slime::image
