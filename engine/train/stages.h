// Training stages (model.md §11; upstream llava/train/train.py L1113-1146 and the scripts under
// scripts/vicuna, scripts/llama). What each stage trains and how its forward runs:
//   1a  MLP expert (mm_projector.projection) with global tokens only, E0 = MLP(x)
//       (use_global_only, mm_learnable_gated 0)
//   1b  resampler expert (mm_projector.attn, the whole R576 module) with the MLP frozen,
//       E1 = MLP(R576(x)) (use_global_only, mm_learnable_gated 1)
//   2   local compressor (sampler.post_qformer) only, local tokens only, γ = 1.0 (use_local_only)
//   3   everything jointly: LLM (per --llm), projector incl. w_gate, compressor; CLIP frozen unless
//       --train-vision; γ from the config; gate noise and selector noise as upstream
//   e2e stage 3 semantics from the initial weights
//
// Decisions upstream leaves open or that differ here (also in the report):
//  - Upstream's pretraining (1a, 1b, 2) also sets requires_grad on w_gate and w_noise, which get no
//    gradient in those forwards; here they are simply not trainable (same result under AdamW).
//  - The resamplers' pos_embed is never trained (upstream creates it requires_grad False).
//  - Every stage trains on the task's QA with the model's chat template; upstream pretrains with
//    the `plain` template on captions (LLaVA-558k).
//  - w_noise is not part of the engine (model.md §4: HEAD takes the gate noise std from w_gate).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <torch/types.h>

#include "engine/model/image_block.h"
#include "engine/model/vlm.h"

namespace slime::train {

struct StageSpec {
  std::string name;                      // 1a | 1b | 2 | 3 | e2e
  model::ImageBranches branches = model::ImageBranches::kBoth;
  int64_t learnable_gated = -1;          // the global branch's mode: 0 E0, 1 E1, -1 the mixture
  std::optional<double> gamma;           // γ override for the selector (stage 2: 1.0)
  bool train_projector_mlp = false, train_resampler_expert = false, train_gate = false;
  bool train_compressor = false, train_llm = false, train_vision = false;
};

// The stage's spec under the run's --llm / --train-vision. kInvalidArgument for an unknown name.
StageSpec stage_spec(const std::string& name, bool llm_full, bool train_vision);

// kUnsupported when VLM lacks a module the stage needs (not slime; 1b or the mixture on an
// mlp2x_gelu projector; 2 without the local compressor).
void check_stage_supported(const model::Vlm& vlm, const StageSpec& stage);

struct TrainableParam {
  std::string name;  // the checkpoint key (model.mm_projector.projection.0.weight, ...)
  at::Tensor tensor;
  bool llm = false;  // LLM parameter (--llm-lr)
};

// Every parameter of VLM under its checkpoint key (flat SliME layout), frozen or not.
std::vector<TrainableParam> named_model_parameters(const model::Vlm& vlm);

// Sets requires_grad on exactly the stage's parameters (all others off) and returns them in a
// fixed order (named_model_parameters order).
std::vector<TrainableParam> apply_freezing(model::Vlm& vlm, const StageSpec& stage);

}  // namespace slime::train
