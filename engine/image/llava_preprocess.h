// Image preprocessing of the two baselines the paper compares SliME with (model.md §1: "SliME is
// not LLaVA-NeXT"), reproducing transformers' processors pixel for pixel:
//   - LLaVA-1.5: CLIPImageProcessor (shortest edge -> S with Pillow bicubic, centre crop S x S),
//     optionally after LLaVA's expand2square onto the mean colour (image_aspect_ratio "pad");
//   - LLaVA-NeXT "anyres": LlavaNextImageProcessor of transformers 4.40.2 (best pinpoint, aspect
//     fit + centred zero padding, S x S patches, plus the whole image resized to S x S first),
//     and the integer geometry its modeling code applies to the features (grid shape, unpad).
// HF writes resolutions as (height, width); so does this file.
#pragma once
#include <array>
#include <cstdint>
#include <vector>

#include <torch/types.h>

#include "engine/image/decode.h"

namespace slime::image {

struct Resolution {
  int64_t height = 0;
  int64_t width = 0;
  bool operator==(const Resolution& o) const { return height == o.height && width == o.width; }
};

// --- LLaVA-1.5 ---

// CLIPImageProcessor's resize (shortest edge -> SIZE, the other side as
// get_resize_output_image_size computes it) with Pillow bicubic, then its center_crop to SIZE x SIZE.
RgbImage clip_resize_center_crop(const RgbImage& image, int size);

// LLaVA's expand2square: a max(W, H) square filled with FILL, the image pasted at
// ((side - W) / 2, (side - H) / 2). A square image is returned unchanged.
RgbImage expand_to_square(const RgbImage& image, std::array<uint8_t, 3> fill);

// tuple(int(x * 255) for x in OPENAI_CLIP_MEAN): the fill LLaVA uses with image_aspect_ratio "pad".
std::array<uint8_t, 3> clip_mean_fill();

// One LLaVA-1.5 view: [1, 3, SIZE, SIZE] CLIP-normalised (clip_normalize), dtype kFloat or kHalf.
at::Tensor preprocess_llava(const RgbImage& image, int size, bool pad_to_square, at::ScalarType dtype = at::kFloat);

// --- LLaVA-NeXT (anyres) ---

// transformers' select_best_resolution: the pinpoint keeping the most effective resolution, then
// the least waste; the first one wins exact ties. kInvalidArgument for an empty list.
Resolution select_best_resolution(Resolution image, const std::vector<Resolution>& pinpoints);

struct LlavaNextPlan {
  Resolution image;    // original H, W (what HF passes as image_sizes)
  Resolution best;     // the chosen pinpoint
  Resolution resized;  // aspect-fitted size inside `best` (_get_patch_output_size)
  int64_t crop = 336;  // patch side S (the vision tower's image_size)
  int64_t rows() const { return best.height / crop; }
  int64_t cols() const { return best.width / crop; }
  int64_t patches() const { return rows() * cols(); }
};

// kInvalidArgument for non-positive sizes, an empty pinpoint list or a pinpoint that is not a
// multiple of CROP.
LlavaNextPlan plan_llava_next(int width, int height, const std::vector<Resolution>& pinpoints, int64_t crop);

// [1 + P, 3, S, S]: the whole image resized to S x S first, then the P patches row-major; each
// through the processor's resize (shortest edge S) + centre crop + CLIP normalisation.
at::Tensor preprocess_llava_next(const RgbImage& image, const LlavaNextPlan& plan, at::ScalarType dtype = at::kFloat);

// modeling_llava_next's get_anyres_image_grid_shape: (rows, cols) of patches for IMAGE.
std::pair<int64_t, int64_t> llava_next_grid_shape(Resolution image, const std::vector<Resolution>& pinpoints,
                                                  int64_t crop);

// modeling_llava_next's unpad_image on a [C, feat_height, feat_width] feature map of an image of
// ORIGINAL size: the kept rows [top, bottom) and columns [left, right), with HF's integer quirks.
struct UnpadBox {
  int64_t top = 0, bottom = 0, left = 0, right = 0;
};
UnpadBox llava_next_unpad_box(Resolution original, int64_t feat_height, int64_t feat_width);

}  // namespace slime::image
