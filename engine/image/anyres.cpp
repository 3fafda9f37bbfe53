// Plan + views of SliME's anyres preprocessing (anyres.h); resizing is Pillow's bicubic.
#include "engine/image/anyres.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "engine/common/error.h"
#include "engine/image/pillow_resize.h"

namespace slime::image {

Size fit_within(Size image, Size target) {
  const double scale_w = double(target.width) / image.width;
  const double scale_h = double(target.height) / image.height;
  Size out;
  if (scale_w < scale_h) {
    out.width = target.width;
    out.height = std::min(int(std::ceil(image.height * scale_w)), target.height);
  } else {
    out.height = target.height;
    out.width = std::min(int(std::ceil(image.width * scale_h)), target.width);
  }
  return out;
}

AnyresPlan plan_anyres(int width, int height, int query_count) {
  if (query_count <= 0)
    throw_error(ErrorCode::kInvalidArgument, "anyres plan: query count {} must be positive", query_count);
  AnyresPlan p;
  p.image = {width, height};
  p.grid = select_grid_uhd(width, height);  // validates the size
  p.canvas = {kPatchSize * p.grid.cols, kPatchSize * p.grid.rows};
  p.resized = fit_within(p.image, p.canvas);
  p.offset_x = (p.canvas.width - p.resized.width) / 2;  // non-negative: floor division as upstream's //
  p.offset_y = (p.canvas.height - p.resized.height) / 2;
  p.query_count = query_count;
  for (int r = 0; r < p.grid.rows; ++r)
    for (int c = 0; c < p.grid.cols; ++c)
      p.crops.push_back({c * kPatchSize, r * kPatchSize, (c + 1) * kPatchSize, (r + 1) * kPatchSize});
  return p;
}

RgbImage make_canvas(const RgbImage& image, const AnyresPlan& plan) {
  if (image.width != plan.image.width || image.height != plan.image.height)
    throw_error(ErrorCode::kInvalidArgument, "anyres: image is {}x{} but the plan is for {}x{}", image.width,
                image.height, plan.image.width, plan.image.height);
  const RgbImage resized = pillow_resize_bicubic(image, plan.resized.width, plan.resized.height);
  RgbImage canvas(plan.canvas.width, plan.canvas.height);  // zero-filled: black padding
  for (int y = 0; y < resized.height; ++y)
    std::memcpy(canvas.row(plan.offset_y + y) + size_t(plan.offset_x) * 3, resized.row(y), size_t(resized.width) * 3);
  return canvas;
}

std::vector<RgbImage> make_views(const RgbImage& image, const AnyresPlan& plan) {
  std::vector<RgbImage> views;
  views.reserve(1 + plan.crops.size());
  views.push_back(pillow_resize_bicubic(image, kPatchSize, kPatchSize));  // global: plain stretch
  const RgbImage canvas = make_canvas(image, plan);
  for (const Box& b : plan.crops) {
    RgbImage crop(b.right - b.left, b.bottom - b.top);
    for (int y = 0; y < crop.height; ++y)
      std::memcpy(crop.row(y), canvas.row(b.top + y) + size_t(b.left) * 3, size_t(crop.width) * 3);
    views.push_back(std::move(crop));
  }
  return views;
}

}  // namespace slime::image
