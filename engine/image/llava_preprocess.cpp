// LLaVA-1.5 / LLaVA-NeXT preprocessing, following transformers' code paths step by step (the
// functions named in the comments are transformers 4.37.2 / 4.40.2 unless said otherwise).
#include "engine/image/llava_preprocess.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <tuple>

#include "engine/common/error.h"
#include "engine/image/clip_normalize.h"
#include "engine/image/pillow_resize.h"

namespace slime::image {
namespace {

// Python's `a // b` for b > 0 (floors; C++ truncates towards zero).
int64_t floor_div(int64_t a, int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }

// Python's slice [start:stop] on a sequence of LEN items, as [first, last) with last >= first.
std::pair<int64_t, int64_t> py_slice(int64_t start, int64_t stop, int64_t len) {
  auto clamp = [len](int64_t i) { return std::clamp(i < 0 ? i + len : i, int64_t(0), len); };
  const int64_t a = clamp(start), b = clamp(stop);
  return {a, std::max(a, b)};
}

// The pixels [x0, x0 + w) x [y0, y0 + h) of IMAGE, which must contain them.
RgbImage crop(const RgbImage& image, int x0, int y0, int w, int h) {
  RgbImage out(w, h);
  for (int y = 0; y < h; ++y) std::memcpy(out.row(y), image.row(y0 + y) + size_t(x0) * 3, size_t(w) * 3);
  return out;
}

void check_pinpoints(const std::vector<Resolution>& pinpoints, const char* what) {
  if (pinpoints.empty()) throw_error(ErrorCode::kInvalidArgument, "{}: empty pinpoint list", what);
  for (const Resolution& p : pinpoints)
    if (p.height <= 0 || p.width <= 0)
      throw_error(ErrorCode::kInvalidArgument, "{}: pinpoint {}x{} (HxW) is not positive", what, p.height, p.width);
}

// _get_patch_output_size: fit IMAGE into TARGET keeping the aspect, in float64 as Python does
// (strict `<`, ceil of the scaled side, capped at the target).
Resolution patch_output_size(Resolution image, Resolution target) {
  const double scale_w = double(target.width) / double(image.width);
  const double scale_h = double(target.height) / double(image.height);
  if (scale_w < scale_h)
    return {std::min(int64_t(std::ceil(double(image.height) * scale_w)), target.height), target.width};
  return {target.height, std::min(int64_t(std::ceil(double(image.width) * scale_h)), target.width)};
}

}  // namespace

// --- LLaVA-1.5 ---

RgbImage clip_resize_center_crop(const RgbImage& image, int size) {
  if (size <= 0) throw_error(ErrorCode::kInvalidArgument, "clip_resize_center_crop: size {} is not positive", size);
  if (image.width <= 0 || image.height <= 0)
    throw_error(ErrorCode::kInvalidArgument, "clip_resize_center_crop: empty {}x{} image", image.width, image.height);
  // get_resize_output_image_size(default_to_square=False): the short side becomes SIZE, the long
  // one int(size * long / short) -- an exact int product, one correctly rounded division, truncation.
  const bool portrait = image.width <= image.height;
  const int64_t shorter = portrait ? image.width : image.height, longer = portrait ? image.height : image.width;
  const auto new_long = int64_t(double(int64_t(size) * longer) / double(shorter));
  if (new_long > std::numeric_limits<int>::max())  // only for aspect ratios beyond ~1e7 : 1
    throw_error(ErrorCode::kUnsupported, "clip_resize_center_crop: {}x{} would be resized to a {}-pixel side",
                image.width, image.height, new_long);
  const int out_w = int(portrait ? size : new_long), out_h = int(portrait ? new_long : size);
  // center_crop: top = (H - size) // 2, left = (W - size) // 2. Both sides are >= SIZE here, so
  // HF's zero-padding branch for images smaller than the crop cannot be reached.
  if (out_w < size || out_h < size)
    throw_error(ErrorCode::kInternal, "clip_resize_center_crop: resized {}x{} is smaller than {}", out_w, out_h, size);
  // Resize and crop in one: the same bytes without the full resized image, which for thin images
  // is huge (found by tests/fuzz/fuzz_image: 1x3000 -> 336x1008000).
  return pillow_resize_bicubic_crop(image, out_w, out_h, (out_w - size) / 2, (out_h - size) / 2, size, size);
}

RgbImage expand_to_square(const RgbImage& image, std::array<uint8_t, 3> fill) {
  if (image.width == image.height) return image;
  const int side = std::max(image.width, image.height);
  // A thin image's square can be far larger than the image (1 x 1e6 -> 1e12 pixels); refused by
  // the bound decoding applies to images (found by tests/fuzz/fuzz_image).
  if (int64_t(side) * side > kDefaultMaxPixels)
    throw_error(ErrorCode::kUnsupported, "expand_to_square: {}x{} would pad to a {}x{} square, over the limit of {} pixels",
                image.width, image.height, side, side, kDefaultMaxPixels);
  RgbImage out(side, side);
  for (size_t p = 0; p < out.rgb.size(); p += 3) std::memcpy(&out.rgb[p], fill.data(), 3);
  const int x0 = (side - image.width) / 2, y0 = (side - image.height) / 2;
  for (int y = 0; y < image.height; ++y)
    std::memcpy(out.row(y0 + y) + size_t(x0) * 3, image.row(y), size_t(image.width) * 3);
  return out;
}

std::array<uint8_t, 3> clip_mean_fill() {
  // The Python floats of OPENAI_CLIP_MEAN (double, not kClipMean's float32) times 255, truncated:
  // (122, 116, 104).
  constexpr double kMean[3] = {0.48145466, 0.4578275, 0.40821073};
  return {uint8_t(kMean[0] * 255), uint8_t(kMean[1] * 255), uint8_t(kMean[2] * 255)};
}

at::Tensor preprocess_llava(const RgbImage& image, int size, bool pad_to_square, at::ScalarType dtype) {
  const RgbImage view = pad_to_square ? clip_resize_center_crop(expand_to_square(image, clip_mean_fill()), size)
                                      : clip_resize_center_crop(image, size);
  return clip_normalize({view}, dtype);
}

// --- LLaVA-NeXT ---

Resolution select_best_resolution(Resolution image, const std::vector<Resolution>& pinpoints) {
  check_pinpoints(pinpoints, "select_best_resolution");
  if (image.height <= 0 || image.width <= 0)
    throw_error(ErrorCode::kInvalidArgument, "select_best_resolution: image {}x{} (HxW) is not positive", image.height,
                image.width);
  Resolution best;
  int64_t max_effective = 0;
  double min_wasted = std::numeric_limits<double>::infinity();  // so the first pinpoint always counts
  for (const Resolution& p : pinpoints) {
    // min(w / W, h / H) in float64; Python's min returns the first unless the second is smaller.
    const double sw = double(p.width) / double(image.width), sh = double(p.height) / double(image.height);
    const double scale = sh < sw ? sh : sw;
    const int64_t dw = int64_t(double(image.width) * scale), dh = int64_t(double(image.height) * scale);
    const int64_t effective = std::min(dw * dh, image.width * image.height);
    const int64_t wasted = p.width * p.height - effective;
    if (effective > max_effective || (effective == max_effective && double(wasted) < min_wasted)) {
      max_effective = effective;
      min_wasted = double(wasted);
      best = p;
    }
  }
  return best;
}

Resolution select_best_resolution_model(Resolution image, const std::vector<Resolution>& pinpoints) {
  check_pinpoints(pinpoints, "select_best_resolution_model");
  if (image.height <= 0 || image.width <= 0)
    throw_error(ErrorCode::kInvalidArgument, "select_best_resolution_model: image {}x{} (HxW) is not positive",
                image.height, image.width);
  // As select_best_resolution, but image_sizes[i] is a LongTensor: `w / tensor` is torch's
  // __rtruediv__, reciprocal() * w, each step rounded to float32; tensor * float32 stays float32;
  // int() truncates. Everything after is integer.
  Resolution best;
  int64_t max_effective = 0;
  double min_wasted = std::numeric_limits<double>::infinity();
  const float ow = float(image.width), oh = float(image.height);
  for (const Resolution& p : pinpoints) {
    const float sw = (1.0f / ow) * float(p.width), sh = (1.0f / oh) * float(p.height);
    const float scale = sh < sw ? sh : sw;
    const auto dw = int64_t(ow * scale), dh = int64_t(oh * scale);
    const int64_t effective = std::min(dw * dh, image.width * image.height);
    const int64_t wasted = p.width * p.height - effective;
    if (effective > max_effective || (effective == max_effective && double(wasted) < min_wasted)) {
      max_effective = effective;
      min_wasted = double(wasted);
      best = p;
    }
  }
  return best;
}

LlavaNextPlan plan_llava_next(int width, int height, const std::vector<Resolution>& pinpoints, int64_t crop) {
  if (width <= 0 || height <= 0)
    throw_error(ErrorCode::kInvalidArgument, "plan_llava_next: image {}x{} (WxH) is not positive", width, height);
  if (crop < 2) throw_error(ErrorCode::kInvalidArgument, "plan_llava_next: crop {} is below 2", crop);
  check_pinpoints(pinpoints, "plan_llava_next");
  for (const Resolution& p : pinpoints)
    if (p.height % crop || p.width % crop)
      throw_error(ErrorCode::kInvalidArgument, "plan_llava_next: pinpoint {}x{} (HxW) is not a multiple of crop {}",
                  p.height, p.width, crop);
  LlavaNextPlan plan;
  plan.image = {height, width};
  plan.best = select_best_resolution(plan.image, pinpoints);
  plan.resized = patch_output_size(plan.image, plan.best);
  plan.crop = crop;
  return plan;
}

std::vector<RgbImage> llava_next_views(const RgbImage& image, const LlavaNextPlan& plan) {
  if (image.width != plan.image.width || image.height != plan.image.height)
    throw_error(ErrorCode::kShape, "llava_next_views: image is {}x{} (WxH), the plan is for {}x{}", image.width,
                image.height, plan.image.width, plan.image.height);
  const int s = int(plan.crop);
  std::vector<RgbImage> views;
  views.reserve(size_t(1 + plan.patches()));
  // The original stretched to S x S (resize with a (S, S) size), then _preprocess' resize + crop,
  // which are copies at that size.
  views.push_back(clip_resize_center_crop(pillow_resize_bicubic(image, s, s), s));

  // _resize_for_patching, then _pad_for_patching: pad(image, ((py, py), (px, px))) with zeros.
  // The margin is the same on both sides, so an odd leftover makes the canvas one pixel short of
  // the pinpoint and the last patch row/column S-1 pixels deep.
  const int rw = int(plan.resized.width), rh = int(plan.resized.height);
  const RgbImage resized = pillow_resize_bicubic(image, rw, rh);
  const int px = int((plan.best.width - rw) / 2), py = int((plan.best.height - rh) / 2);
  RgbImage padded(rw + 2 * px, rh + 2 * py);
  for (int y = 0; y < rh; ++y) std::memcpy(padded.row(py + y) + size_t(px) * 3, resized.row(y), size_t(rw) * 3);

  // divide_to_patches (row-major, numpy slicing clips the last ones), then each patch through
  // _preprocess: shortest edge -> S (an (S-1) x S patch becomes S x (S+1)), centre crop S x S.
  for (int y = 0; y < padded.height; y += s)
    for (int x = 0; x < padded.width; x += s) {
      const RgbImage patch = crop(padded, x, y, std::min(s, padded.width - x), std::min(s, padded.height - y));
      views.push_back(clip_resize_center_crop(patch, s));
    }
  if (int64_t(views.size()) != 1 + plan.patches())
    throw_error(ErrorCode::kInternal, "llava_next_views: {} patches, the plan has {}", views.size() - 1,
                plan.patches());
  return views;
}

at::Tensor preprocess_llava_next(const RgbImage& image, const LlavaNextPlan& plan, at::ScalarType dtype) {
  return clip_normalize(llava_next_views(image, plan), dtype);
}

std::pair<int64_t, int64_t> llava_next_grid_shape(Resolution image, const std::vector<Resolution>& pinpoints,
                                                  int64_t crop) {
  if (crop <= 0) throw_error(ErrorCode::kInvalidArgument, "llava_next_grid_shape: crop {} is not positive", crop);
  const Resolution best = select_best_resolution_model(image, pinpoints);
  return {best.height / crop, best.width / crop};
}

UnpadBox llava_next_unpad_box(Resolution original, int64_t feat_height, int64_t feat_width) {
  if (original.height <= 0 || original.width <= 0 || feat_height <= 0 || feat_width <= 0)
    throw_error(ErrorCode::kInvalidArgument,
                "llava_next_unpad_box: original {}x{} or features {}x{} (HxW) not positive", original.height,
                original.width, feat_height, feat_width);
  // original_size is a LongTensor row in the model: its ratio (tensor / tensor) is a float32
  // division, the scale `current / tensor` is reciprocal() * current in float32 (__rtruediv__),
  // and the features' ratio, a Python float, is rounded to float32 for the comparison.
  const float ow = float(original.width), oh = float(original.height);
  const float original_ratio = ow / oh;
  const auto current_ratio = float(double(feat_width) / double(feat_height));
  UnpadBox box{0, feat_height, 0, feat_width};
  if (original_ratio > current_ratio) {
    const float scale = (1.0f / ow) * float(feat_width);
    const auto new_height = int64_t(oh * scale);
    const int64_t padding = floor_div(feat_height - new_height, 2);
    std::tie(box.top, box.bottom) = py_slice(padding, feat_height - padding, feat_height);
  } else {
    const float scale = (1.0f / oh) * float(feat_height);
    const auto new_width = int64_t(ow * scale);
    const int64_t padding = floor_div(feat_width - new_width, 2);
    std::tie(box.left, box.right) = py_slice(padding, feat_width - padding, feat_width);
  }
  return box;
}

}  // namespace slime::image
