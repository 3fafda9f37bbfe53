// Image preprocessing of the two baselines the paper compares SliME with (model.md §1: "SliME is
// not LLaVA-NeXT"), reproducing transformers' processors pixel for pixel:
//   - LLaVA-1.5: CLIPImageProcessor (shortest edge -> S with Pillow bicubic, centre crop S x S),
//     optionally after LLaVA's expand2square onto the mean colour (image_aspect_ratio "pad");
//   - LLaVA-NeXT "anyres": LlavaNextImageProcessor of transformers 4.40.2 (best pinpoint, aspect
//     fit + centred zero padding, S x S patches, plus the whole image resized to S x S first),
//     and the integer geometry its modeling code applies to the features (grid shape, unpad).
// HF writes resolutions as (height, width); so does this file. In 4.40.2 the processor returns
// image_sizes = get_image_size(image) = (height, width), and the model's get_anyres_image_grid_shape
// and unpad_image read it as (height, width) too (the former's docstring says "(width, height)",
// the code does not). Goldens: tests/data/image_llava (scripts/reference/gen_llava_image_golden.py).
//
// HF quirks reproduced here, on purpose:
//   - _pad_for_patching pads both sides by (pinpoint - fitted) // 2, so an odd margin leaves the
//     canvas one pixel short: the last patch row/column is S-1 deep, and the per-patch resize
//     (shortest edge -> S) stretches such a patch to S+1 along its other side, of which the centre
//     crop keeps the first S ((S+1 - S) // 2 = 0).
//   - The model's geometry runs on image_sizes as a LongTensor, i.e. in float32 (`w / tensor` is
//     torch's reciprocal() * w), while the processor's select_best_resolution runs on Python ints
//     (float64). They disagree on rare sizes (e.g. 484x969 HxW: the processor makes 1x3 patches,
//     the model's grid is 1x2 and HF then reshapes the features into the wrong grid);
//     llava_next_grid_shape follows the model, the plan follows the processor. Callers that need
//     both to agree should compare them.
// Not reproduced: transformers guesses the channel axis from the array shape, so an image whose
// height is 1 or 3 (e.g. 1x1) is taken as channels-first and the processors raise ValueError unless
// called with input_data_format="channels_last"; this file processes such images as that call does.
// (_pad_for_patching never passes the format, so the same guess would break a fitted image 1 or 3
// pixels high, only possible for aspect ratios beyond ~100:1.)
#pragma once
#include <array>
#include <cstdint>
#include <utility>
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
// kInvalidArgument for SIZE <= 0 or an empty image, kUnsupported when the long side would pass INT_MAX.
RgbImage clip_resize_center_crop(const RgbImage& image, int size);

// LLaVA's expand2square: a max(W, H) square filled with FILL, the image pasted at
// ((side - W) / 2, (side - H) / 2). A square image is returned unchanged. kUnsupported when the
// square would exceed kDefaultMaxPixels (Pillow's decompression-bomb bound).
RgbImage expand_to_square(const RgbImage& image, std::array<uint8_t, 3> fill);

// tuple(int(x * 255) for x in OPENAI_CLIP_MEAN): the fill LLaVA uses with image_aspect_ratio "pad".
std::array<uint8_t, 3> clip_mean_fill();

// One LLaVA-1.5 view: [1, 3, SIZE, SIZE] CLIP-normalised (clip_normalize), dtype kFloat or kHalf.
at::Tensor preprocess_llava(const RgbImage& image, int size, bool pad_to_square, at::ScalarType dtype = at::kFloat);

// --- LLaVA-NeXT (anyres) ---

// transformers' select_best_resolution: the pinpoint keeping the most effective resolution, then
// the least waste; the first one wins exact ties. kInvalidArgument for an empty list. In float64, as
// the processor calls it (image size as Python ints).
Resolution select_best_resolution(Resolution image, const std::vector<Resolution>& pinpoints);

// The same function as modeling_llava_next (4.40.2) runs it on an image_sizes LongTensor row: the
// scales and scaled sides in float32 (see the file comment).
Resolution select_best_resolution_model(Resolution image, const std::vector<Resolution>& pinpoints);

struct LlavaNextPlan {
  Resolution image;    // original H, W (what HF passes as image_sizes)
  Resolution best;     // the chosen pinpoint
  Resolution resized;  // aspect-fitted size inside `best` (_get_patch_output_size)
  int64_t crop = 336;  // patch side S (the vision tower's image_size)
  int64_t rows() const { return best.height / crop; }
  int64_t cols() const { return best.width / crop; }
  int64_t patches() const { return rows() * cols(); }
};

// kInvalidArgument for non-positive sizes, a crop below 2 (an odd margin would then lose a whole
// patch row), an empty pinpoint list or a pinpoint that is not a multiple of CROP.
LlavaNextPlan plan_llava_next(int width, int height, const std::vector<Resolution>& pinpoints, int64_t crop);

// The 1 + P RGB8 views, S x S each: the whole image stretched to S x S, then the P patches of the
// zero-padded canvas row-major, each through the processor's resize (shortest edge S) + centre crop.
// kShape when IMAGE is not the plan's size.
std::vector<RgbImage> llava_next_views(const RgbImage& image, const LlavaNextPlan& plan);

// [1 + P, 3, S, S]: llava_next_views CLIP-normalised (clip_normalize), dtype kFloat or kHalf.
at::Tensor preprocess_llava_next(const RgbImage& image, const LlavaNextPlan& plan, at::ScalarType dtype = at::kFloat);

// modeling_llava_next's get_anyres_image_grid_shape: (rows, cols) of patches for IMAGE, from
// select_best_resolution_model (float32; may differ from the plan's rows()/cols(), see above).
std::pair<int64_t, int64_t> llava_next_grid_shape(Resolution image, const std::vector<Resolution>& pinpoints,
                                                  int64_t crop);

// modeling_llava_next's unpad_image on a [C, feat_height, feat_width] feature map of an image of
// ORIGINAL size: the kept rows [top, bottom) and columns [left, right), with HF's integer quirks
// (float32 ratios and scale as on a LongTensor, padding = (current - new) // 2 on both sides, the
// slice [padding : current - padding] with Python's slice rules). Only one axis is ever cut.
struct UnpadBox {
  int64_t top = 0, bottom = 0, left = 0, right = 0;
};
UnpadBox llava_next_unpad_box(Resolution original, int64_t feat_height, int64_t feat_width);

}  // namespace slime::image
