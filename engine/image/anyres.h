// SliME's "anyres" preprocessing plan and views (process_anyres_image in yfzhang114/SliME
// llava/mm_utils.py; model.md §2.2-2.3): a global 336x336 stretch of the whole image, then the
// image fitted (aspect kept) into a 336*cols x 336*rows black canvas cut into row-major crops.
#pragma once
#include <vector>

#include "engine/image/decode.h"
#include "engine/image/uhd_grid.h"

namespace slime::image {

constexpr int kGlobalTokens = 576;    // (336/14)^2 CLIP patch tokens of the global view
constexpr int kSeparatorTokens = 1;   // the `seperator` embedding between global and local tokens
constexpr int kDefaultQueryCount = 144;  // mm_resampler_dim: learnable queries per local crop

struct Size {
  int width = 0;
  int height = 0;
  bool operator==(const Size& o) const { return width == o.width && height == o.height; }
};

// Pillow crop box: [left, top) to (right, bottom), exclusive on the right/bottom.
struct Box {
  int left = 0, top = 0, right = 0, bottom = 0;
  bool operator==(const Box& o) const { return left == o.left && top == o.top && right == o.right && bottom == o.bottom; }
};

struct AnyresPlan {
  Size image;            // the input W x H
  GridShape grid;        // npw x nph from select_grid_uhd
  Size canvas;           // 336*cols x 336*rows
  Size resized;          // aspect-fitted size of the image on the canvas
  int offset_x = 0;      // paste position of the resized image on the canvas
  int offset_y = 0;
  std::vector<Box> crops;  // P boxes on the canvas, row-major (c = row*cols + col)
  int query_count = kDefaultQueryCount;
  // Upper bound on visual rows: global 576 + separator 1 + query_count per crop (the selector
  // can only drop local tokens, model.md §1).
  int visual_tokens() const { return kGlobalTokens + kSeparatorTokens + query_count * grid.count(); }
};

// Plans an image of the given size. Throws kInvalidArgument for non-positive sizes or query_count.
AnyresPlan plan_anyres(int width, int height, int query_count = kDefaultQueryCount);

// The aspect fit of resize_and_pad_image: double scales, strict `<`, ceil of the scaled side
// (800x600 into 1008x672 gives 897x672 because 800*(672/600) = 896.0000000000001).
Size fit_within(Size image, Size target);

// The 1+P views, each 336x336 RGB8: [global stretch, crop 0, ..., crop P-1].
std::vector<RgbImage> make_views(const RgbImage& image, const AnyresPlan& plan);

// The padded canvas itself (resized image pasted on black); make_views crops it.
RgbImage make_canvas(const RgbImage& image, const AnyresPlan& plan);

}  // namespace slime::image
