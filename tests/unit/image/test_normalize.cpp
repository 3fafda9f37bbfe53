// CLIP normalisation: every (channel, byte) value bit-exact against numpy's fp32 arithmetic as
// transformers' CLIPImageProcessor does it, and its fp16 rounding; tensor layout [N, 3, H, W].
#include <cstring>

#include <gtest/gtest.h>

#include "engine/common/error.h"
#include "engine/image/clip_normalize.h"
#include "tests/unit/image/image_test_util.h"

namespace slime::image {
namespace {

uint32_t bits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}

TEST(ClipNormalize, BitExactAgainstNumpy) {
  const auto golden = test::load_json(test::kImageData + "normalize.json");
  RgbImage ramp(256, 1);
  for (int u = 0; u < 256; ++u) ramp.rgb[size_t(u) * 3] = ramp.rgb[size_t(u) * 3 + 1] = ramp.rgb[size_t(u) * 3 + 2] = uint8_t(u);
  const at::Tensor f32 = clip_normalize({ramp}, at::kFloat);
  const at::Tensor f16 = clip_normalize({ramp}, at::kHalf);
  ASSERT_EQ(f16.scalar_type(), at::kHalf);
  const at::Tensor f16_bits = f16.view(at::kShort);
  for (int c = 0; c < 3; ++c)
    for (int u = 0; u < 256; ++u) {
      EXPECT_EQ(bits(clip_normalize_value(c, uint8_t(u))), golden["fp32_bits"][c][u].get<uint32_t>()) << c << "," << u;
      EXPECT_EQ(bits(f32[0][c][0][u].item<float>()), golden["fp32_bits"][c][u].get<uint32_t>()) << c << "," << u;
      EXPECT_EQ(uint16_t(f16_bits[0][c][0][u].item<int16_t>()), golden["fp16_bits"][c][u].get<uint16_t>()) << c << "," << u;
    }
}

TEST(ClipNormalize, LayoutIsViewsThenChw) {
  RgbImage a(2, 3), b(2, 3);
  a.row(1)[1 * 3 + 2] = 255;  // view 0, x=1 y=1, blue
  b.row(2)[0 * 3 + 0] = 255;  // view 1, x=0 y=2, red
  const at::Tensor t = clip_normalize({a, b});
  ASSERT_EQ(t.sizes(), (at::IntArrayRef{2, 3, 3, 2}));
  EXPECT_EQ(t[0][2][1][1].item<float>(), clip_normalize_value(2, 255));
  EXPECT_EQ(t[0][2][0][0].item<float>(), clip_normalize_value(2, 0));
  EXPECT_EQ(t[1][0][2][0].item<float>(), clip_normalize_value(0, 255));
  EXPECT_THROW(clip_normalize({a, RgbImage(3, 2)}), Error);
  EXPECT_THROW(clip_normalize({}), Error);
  EXPECT_THROW(clip_normalize({a}, at::kDouble), Error);
}

TEST(ClipNormalize, PreprocessAnyresShape) {
  const RgbImage img = read_image(test::kImageData + "inputs/synth_1000x200.png");
  const AnyresPlan p = plan_anyres(img.width, img.height);
  const at::Tensor t = preprocess_anyres(img, p, at::kHalf);
  EXPECT_EQ(t.sizes(), (at::IntArrayRef{1 + p.grid.count(), 3, 336, 336}));
  EXPECT_EQ(t.scalar_type(), at::kHalf);
}

}  // namespace
}  // namespace slime::image
