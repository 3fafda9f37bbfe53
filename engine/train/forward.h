// One sample's training forward (upstream llava_arch.py prepare_inputs_labels_for_multimodal in
// training mode, the stage's forward from stages.h):
//   features -> global branch (E0, E1 or the mixture with gate noise) and/or local branch
//   (R_Nq -> shared MLP -> raster order -> selector with N(0, 0.1²) score noise, γ per stage)
//   -> [G; embed(seperator); S] -> splice into embed(prompt) -> + embed(answer) -> truncate to
//   tokenizer_model_max_length -> LLM -> masked next-token loss.
// The selection itself is not differentiable (indices); the kept rows carry the gradient to the
// compressor, as upstream's gather does. The selector's text query is the whole conversation
// including the answer ids (upstream training embeds every input id but the image; SliME#1).
// Noise comes from GEN only, so a step's noise is a function of its counters (see trainer.cpp).
#pragma once
#include <cstdint>
#include <vector>

#include <ATen/core/Generator.h>
#include <torch/types.h>

#include "engine/model/vlm.h"
#include "engine/train/batch.h"
#include "engine/train/features.h"
#include "engine/train/loss.h"
#include "engine/train/stages.h"

namespace slime::train {

inline constexpr double kSelectorNoiseStd = 0.1;  // upstream TextGuidedRouterCosine (training)

struct ForwardOptions {
  bool noise = true;  // gate and selector noise (training mode); false = the eval forward
};

// The spliced input rows [n, D] and labels [n] of ITEM under STAGE, with FEATURES of its image
// (undefined features for a text-only item).
struct SplicedSample {
  at::Tensor embeds;
  std::vector<int64_t> labels;
  int64_t image_rows = 0, local_kept = 0;
};
SplicedSample splice_sample(model::Vlm& vlm, const StageSpec& stage, const TrainItem& item,
                            const ImageFeatures* features, const ForwardOptions& options, at::Generator* gen);

// splice_sample, then the LLM over the rows and the masked loss.
LossSum sample_loss(model::Vlm& vlm, const StageSpec& stage, const TrainItem& item, const ImageFeatures* features,
                    const ForwardOptions& options, at::Generator* gen);

}  // namespace slime::train
