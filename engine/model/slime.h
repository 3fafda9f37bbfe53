// SliME's image block (model.md §1-§8; upstream llava_arch.py encode_images +
// prepare_inputs_labels_for_multimodal, eval path):
//   anyres views [1+P, 3, 336, 336] (pixels rounded to fp16 as the runners cast them)
//   -> CLIP F [1+P, 576, E]
//   -> global: Projector (gated mixture or MLP) on F[0] -> G [576, D]
//   -> local: R_Nq + shared MLP + raster order on F[1:] -> [L, D] -> text-guided selector -> S [K, D]
//   -> [G; embed(seperator); S] (or one branch alone under use_global_only / use_local_only).
// The selector's text query is the embedding of the whole prompt without the image id, plus one
// masked zero row per removed image id, cut to tokenizer_model_max_length (§7.1).
#pragma once
#include <cstdint>
#include <vector>

#include "engine/image/decode.h"
#include "engine/model/vlm.h"

namespace slime::model {

// Stages timed: preprocess, vision, adapters, compress, select.
ImageBlock slime_image_block(Vlm& vlm, const image::RgbImage& image, const std::vector<int32_t>& ids,
                             NamedTensors* dump, StageTimes& times);

}  // namespace slime::model
