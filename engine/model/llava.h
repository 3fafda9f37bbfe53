// LLaVA-1.5's image block (haotian-liu/LLaVA llava_arch.py; HF LlavaForConditionalGeneration): one
// S x S view (CLIP processor resize + centre crop, after expand2square with image_aspect_ratio
// "pad"), CLIP features of the selected layer, mlp2x_gelu -> [576, D]. Pixels: fp32 for HF-layout
// checkpoints (the processor's output), rounded to fp16 for the flat LLaVA layout (its runners
// cast images to fp16).
#pragma once
#include "engine/image/decode.h"
#include "engine/model/vlm.h"

namespace slime::model {

// Stages timed: preprocess, vision, adapters.
ImageBlock llava_image_block(Vlm& vlm, const image::RgbImage& image, NamedTensors* dump, StageTimes& times);

// The dtype the pixels are rounded to before the tower (see above).
at::ScalarType llava_pixel_dtype(const io::ModelConfig& config);

}  // namespace slime::model
