#include "engine/model/llava.h"

#include <torch/torch.h>

#include "engine/image/llava_preprocess.h"

namespace slime::model {

at::ScalarType llava_pixel_dtype(const io::ModelConfig& config) {
  return config.layout == "hf" ? at::kFloat : at::kHalf;
}

ImageBlock llava_image_block(Vlm& vlm, const image::RgbImage& img, NamedTensors* dump, StageTimes& times) {
  StageClock clock(vlm.device);
  const bool pad = vlm.config.image_aspect_ratio == "pad";
  const at::Tensor pixels = image::preprocess_llava(img, static_cast<int>(vlm.crop_size()), pad,
                                                    llava_pixel_dtype(vlm.config))
                                .to(vlm.device, vlm.vision_dtype);  // [1, 3, S, S]
  dump_tensor(dump, "vision.crops", pixels);
  clock.lap(times, "preprocess");

  const at::Tensor features = vlm.tower->forward(pixels);  // [1, N, E]
  dump_tensor(dump, "vision.features", features);
  clock.lap(times, "vision");

  ImageBlock block;
  block.rows = vlm.projector->forward_global(features[0].to(vlm.dtype), dump);  // [N, D]
  block.visual.global = block.rows.size(0);
  clock.lap(times, "adapters");
  dump_tensor(dump, "image.block", block.rows);
  return block;
}

}  // namespace slime::model
