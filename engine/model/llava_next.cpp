#include "engine/model/llava_next.h"

#include <cmath>

#include <torch/torch.h>

#include "engine/common/error.h"
#include "engine/io/torch_tensors.h"
#include "engine/model/llava.h"

namespace slime::model {

std::vector<image::Resolution> llava_next_pinpoints(const io::ModelConfig& config) {
  std::vector<image::Resolution> out;
  const bool hf = config.layout == "hf";
  for (const auto& p : config.image_grid_pinpoints)
    out.push_back(hf ? image::Resolution{p[0], p[1]} : image::Resolution{p[1], p[0]});
  if (out.empty())
    throw_error(ErrorCode::kInvalidArgument, "{}: a llava_next model needs image_grid_pinpoints", config.source);
  return out;
}

at::Tensor pack_llava_next_features(const at::Tensor& projected, image::Resolution img,
                                    const std::vector<image::Resolution>& pinpoints, int64_t crop,
                                    const at::Tensor& newline) {
  if (projected.dim() != 3 || projected.size(0) < 1)
    throw_error(ErrorCode::kShape, "llava_next: projected features must be [1+P, N, D], got {}",
                io::shape_str(projected.sizes()));
  const int64_t n = projected.size(1), d = projected.size(2);
  const auto g = static_cast<int64_t>(std::llround(std::sqrt(static_cast<double>(n))));
  if (g * g != n)
    throw_error(ErrorCode::kShape, "llava_next: {} tokens per view is not a square grid", n);
  const at::Tensor base = projected[0];  // [N, D]
  if (projected.size(0) == 1) return torch::cat({base, newline.view({1, d}).to(base.dtype())}, 0);  // HF's 1-view branch

  const auto [rows, cols] = image::llava_next_grid_shape(img, pinpoints, crop);
  const int64_t patches = projected.size(0) - 1;
  if (rows * cols != patches)
    throw_error(ErrorCode::kShape, "llava_next: {} patch views, but the grid of a {}x{} image is {}x{}", patches,
                img.width, img.height, rows, cols);
  // [P, N, D] -> [rows, cols, g, g, D] -> [D, rows, g, cols, g] -> [D, rows·g, cols·g]
  at::Tensor grid = projected.slice(0, 1).reshape({rows, cols, g, g, d}).permute({4, 0, 2, 1, 3}).contiguous();
  grid = grid.reshape({d, rows * g, cols * g});
  const image::UnpadBox box = image::llava_next_unpad_box(img, rows * g, cols * g);
  grid = grid.slice(1, box.top, box.bottom).slice(2, box.left, box.right);  // [D, h', w']
  const at::Tensor nl = newline.to(grid.dtype()).view({d, 1, 1}).expand({d, grid.size(1), 1});
  grid = torch::cat({grid, nl}, 2);                  // [D, h', w' + 1]
  const at::Tensor packed = grid.flatten(1, 2).transpose(0, 1);  // [h'·(w'+1), D]
  return torch::cat({base, packed}, 0);
}

ImageBlock llava_next_image_block(Vlm& vlm, const image::RgbImage& img, NamedTensors* dump, StageTimes& times) {
  if (vlm.config.mm_patch_merge_type != "spatial_unpad")
    throw_error(ErrorCode::kUnsupported, "{}: llava_next runs with mm_patch_merge_type spatial_unpad (HF), not '{}'",
                vlm.config.source, vlm.config.mm_patch_merge_type);
  StageClock clock(vlm.device);
  const std::vector<image::Resolution> pinpoints = llava_next_pinpoints(vlm.config);
  const int64_t crop = vlm.crop_size();
  const image::LlavaNextPlan plan = image::plan_llava_next(img.width, img.height, pinpoints, crop);
  const at::Tensor pixels =
      image::preprocess_llava_next(img, plan, llava_pixel_dtype(vlm.config)).to(vlm.device, vlm.vision_dtype);
  dump_tensor(dump, "vision.crops", pixels);  // [1+P, 3, S, S]
  clock.lap(times, "preprocess");

  const at::Tensor features = vlm.tower->forward(pixels);  // [1+P, N, E]
  dump_tensor(dump, "vision.features", features);
  clock.lap(times, "vision");

  const at::Tensor projected = vlm.projector->forward_global(features.to(vlm.dtype));  // [1+P, N, D]
  dump_tensor(dump, "adapters.out", projected);
  ImageBlock block;
  block.rows = pack_llava_next_features(projected, plan.image, pinpoints, crop, vlm.image_newline);
  block.visual.global = projected.size(1);
  block.visual.local_before = (projected.size(0) - 1) * projected.size(1);
  block.visual.local_after = block.rows.size(0) - projected.size(1);
  clock.lap(times, "adapters");
  dump_tensor(dump, "image.block", block.rows);
  return block;
}

}  // namespace slime::model
