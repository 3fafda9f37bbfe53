// LLaVA-NeXT's image block as HF transformers 4.40 LlavaNextForConditionalGeneration builds it
// (not SliME: model.md §1): anyres views [1+P, 3, S, S] (the whole image first), CLIP features,
// mlp2x_gelu on every view, then the packing of modeling_llava_next.py:
//   base = view 0 [N, D] (N = g², g = S / patch)
//   patches [P, N, D] -> view (rows, cols, g, g, D) -> permute to [D, rows·g, cols·g]
//   -> unpad to the original aspect ratio -> append image_newline as one more column
//   -> [h'·(w'+1), D] row-major; block = [base; that].
// Pinpoints are (height, width) in HF-layout configs and (width, height) in the original LLaVA
// layout; both are read.
#pragma once
#include <array>
#include <vector>

#include "engine/image/decode.h"
#include "engine/image/llava_preprocess.h"
#include "engine/model/vlm.h"

namespace slime::model {

// The config's pinpoints as (height, width).
std::vector<image::Resolution> llava_next_pinpoints(const io::ModelConfig& config);

// projected [1+P, N, D] -> the packed block [N + h'·(w'+1), D]. kShape when N is not g² or P does
// not match the grid of IMAGE.
at::Tensor pack_llava_next_features(const at::Tensor& projected, image::Resolution image,
                                    const std::vector<image::Resolution>& pinpoints, int64_t crop,
                                    const at::Tensor& newline);

// Stages timed: preprocess, vision, adapters (projector + packing). visual.global = N,
// local_before = P·N patch tokens, local_after = the packed rows after the base (unpadded tokens
// plus one newline per row).
ImageBlock llava_next_image_block(Vlm& vlm, const image::RgbImage& image, NamedTensors* dump, StageTimes& times);

}  // namespace slime::model
