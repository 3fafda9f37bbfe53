#include "engine/train/features.h"

#include <optional>

#include <torch/torch.h>

#include "engine/common/error.h"
#include "engine/image/anyres.h"
#include "engine/image/clip_normalize.h"
#include "engine/image/decode.h"

namespace slime::train {

namespace {

ImageFeatures compute(model::Vlm& vlm, const TrainItem& item) {
  const data::ImageRef& ref = item.image;
  const image::RgbImage img = ref.path.empty() ? image::decode_image(ref.bytes, ref.name) : image::read_image(ref.path);
  if (vlm.crop_size() != image::kPatchSize)
    throw_error(ErrorCode::kUnsupported, "{}: SliME's anyres preprocessing is fixed at {} px crops, the tower takes {}",
                vlm.config.source, image::kPatchSize, vlm.crop_size());
  const image::AnyresPlan plan =
      image::plan_anyres(img.width, img.height, static_cast<int>(vlm.config.resampler.dim));
  const at::Tensor pixels = image::preprocess_anyres(img, plan, at::kHalf).to(vlm.device, vlm.vision_dtype);
  ImageFeatures f;
  f.features = vlm.tower->forward(pixels);  // [1+P, 576, E]
  f.cols = plan.grid.cols;
  f.rows = plan.grid.rows;
  return f;
}

}  // namespace

ImageFeatures FeatureCache::get(model::Vlm& vlm, const TrainItem& item) {
  if (!item.has_image) throw_error(ErrorCode::kInvalidArgument, "sample {}: no image", item.id);
  if (!cache_) return compute(vlm, item);
  auto it = entries_.find(item.index);
  if (it != entries_.end()) return it->second;
  torch::NoGradGuard no_grad;
  ImageFeatures f = compute(vlm, item);
  return entries_.emplace(item.index, f).first->second;
}

}  // namespace slime::train
