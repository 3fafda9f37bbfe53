#include "engine/model/slime.h"

#include <torch/torch.h>

#include "engine/common/error.h"
#include "engine/image/anyres.h"
#include "engine/image/clip_normalize.h"
#include "engine/text/image_tokens.h"

namespace slime::model {

namespace {

// The selector's query (§7.1): embed(ids without the image id) [T, D] plus one zero row per removed
// image id, masked out, then cut to MAX_LEN rows.
std::pair<at::Tensor, at::Tensor> text_query(Vlm& vlm, const std::vector<int32_t>& ids) {
  const std::vector<int32_t> text_ids = text::text_query_ids(ids);
  const int64_t removed = static_cast<int64_t>(text::count_image_tokens(ids));
  at::Tensor embeds = text_ids.empty() ? torch::zeros({0, vlm.config.llm.hidden_size},
                                                      torch::TensorOptions().dtype(vlm.dtype).device(vlm.device))
                                       : embed_ids(vlm, text_ids);
  at::Tensor mask = torch::ones({embeds.size(0) + removed}, torch::TensorOptions().dtype(torch::kLong).device(vlm.device));
  if (removed > 0) {
    embeds = torch::cat({embeds, torch::zeros({removed, embeds.size(1)}, embeds.options())}, 0);
    mask.slice(0, mask.size(0) - removed).zero_();
  }
  const int64_t max_len = vlm.config.tokenizer_model_max_length;
  if (embeds.size(0) > max_len) {
    embeds = embeds.slice(0, 0, max_len);
    mask = mask.slice(0, 0, max_len);
  }
  return {embeds, mask};
}

}  // namespace

ImageBlock slime_image_block(Vlm& vlm, const image::RgbImage& img, const std::vector<int32_t>& ids,
                             NamedTensors* dump, StageTimes& times) {
  const io::ModelConfig& c = vlm.config;
  if (vlm.crop_size() != image::kPatchSize)
    throw_error(ErrorCode::kUnsupported, "{}: SliME's anyres preprocessing is fixed at {} px crops, the vision tower takes {}",
                c.source, image::kPatchSize, vlm.crop_size());
  const ImageBranches branches = image_branches_from(c);
  StageClock clock(vlm.device);

  // [1+P, 3, 336, 336]: fp32 normalisation, rounded to fp16 as the runners' .to(float16) does,
  // then held in the tower's dtype (exact in fp32 and fp16; bf16 rounds once more).
  const image::AnyresPlan plan = image::plan_anyres(img.width, img.height, static_cast<int>(c.resampler.dim));
  const at::Tensor pixels = image::preprocess_anyres(img, plan, at::kHalf).to(vlm.device, vlm.vision_dtype);
  dump_tensor(dump, "vision.crops", pixels);
  clock.lap(times, "preprocess");

  // F [1+P, 576, E]
  const at::Tensor features = vlm.tower->forward(pixels);
  dump_tensor(dump, "vision.features", features);
  clock.lap(times, "vision");

  ImageBlock block;
  at::Tensor global, separator, selected;
  if (branches != ImageBranches::kLocalOnly) {
    global = vlm.projector->forward_global(features[0].to(vlm.dtype), dump);  // [576, D]
    block.visual.global = global.size(0);
    clock.lap(times, "adapters");
  }
  if (branches != ImageBranches::kGlobalOnly) {
    const at::Tensor local = vlm.local->forward(features.slice(0, 1).to(vlm.dtype), plan.grid.cols, plan.grid.rows, dump);
    block.visual.local_before = local.size(0);  // L = P * Nq
    clock.lap(times, "compress");

    const auto [query, mask] = text_query(vlm, ids);
    const SelectionResult sel = select_local_tokens(local, query, mask, vlm.selector);
    dump_tensor(dump, "selector.scores", sel.scores);
    dump_tensor(dump, "selector.kept", sel.kept);
    selected = sel.selected;  // [K, D]
    block.visual.local_after = selected.size(0);
    clock.lap(times, "select");
  }
  if (branches == ImageBranches::kBoth) separator = embed_ids(vlm, {static_cast<int32_t>(c.seperator)});  // [1, D]
  block.rows = assemble_image_block(branches, global, separator, selected);
  dump_tensor(dump, "image.block", block.rows);
  return block;
}

}  // namespace slime::model
