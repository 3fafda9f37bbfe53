// CLIP normalisation with a 3x256 lookup table: each output depends only on (channel, byte), and
// the table holds exactly the float32 results of the processor's arithmetic.
#include "engine/image/clip_normalize.h"

#include <cstring>

#include "engine/common/error.h"

namespace slime::image {

float clip_normalize_value(int channel, uint8_t u) {
  // rescale: uint8 array * Python float (1/255) is computed in float64, then astype(float32).
  const float v = static_cast<float>(static_cast<double>(u) * (1.0 / 255.0));
  // normalize: mean/std are cast to the image dtype (float32) and the arithmetic stays float32.
  return (v - kClipMean[channel]) / kClipStd[channel];
}

at::Tensor clip_normalize(const std::vector<RgbImage>& views, at::ScalarType dtype) {
  if (views.empty()) throw_error(ErrorCode::kShape, "clip_normalize: no views to stack");
  if (dtype != at::kFloat && dtype != at::kHalf)
    throw_error(ErrorCode::kUnsupported, "clip_normalize: dtype {} is not float32 or float16", c10::toString(dtype));
  const int w = views[0].width, h = views[0].height;
  float table[3][256];
  for (int c = 0; c < 3; ++c)
    for (int u = 0; u < 256; ++u) table[c][u] = clip_normalize_value(c, uint8_t(u));

  at::Tensor out = at::empty({int64_t(views.size()), 3, h, w}, at::TensorOptions().dtype(at::kFloat));
  float* dst = out.data_ptr<float>();
  const size_t plane = size_t(w) * h;
  for (size_t i = 0; i < views.size(); ++i) {
    const RgbImage& v = views[i];
    if (v.width != w || v.height != h)
      throw_error(ErrorCode::kShape, "clip_normalize: view {} is {}x{}, view 0 is {}x{}", i, v.width, v.height, w, h);
    float* base = dst + i * 3 * plane;
    const uint8_t* src = v.rgb.data();
    for (size_t p = 0; p < plane; ++p, src += 3) {  // HWC bytes -> CHW floats
      base[p] = table[0][src[0]];
      base[plane + p] = table[1][src[1]];
      base[2 * plane + p] = table[2][src[2]];
    }
  }
  return dtype == at::kHalf ? out.to(at::kHalf) : out;
}

at::Tensor preprocess_anyres(const RgbImage& image, const AnyresPlan& plan, at::ScalarType dtype) {
  return clip_normalize(make_views(image, plan), dtype);
}

}  // namespace slime::image
