#include "engine/train/stages.h"

#include "engine/common/error.h"
#include "engine/model/clip.h"

namespace slime::train {

namespace {

bool starts_with(const std::string& s, const std::string& prefix) { return s.compare(0, prefix.size(), prefix) == 0; }
bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

StageSpec stage_spec(const std::string& name, bool llm_full, bool train_vision) {
  StageSpec s;
  s.name = name;
  if (name == "1a") {
    s.branches = model::ImageBranches::kGlobalOnly;
    s.learnable_gated = 0;
    s.train_projector_mlp = true;
  } else if (name == "1b") {
    s.branches = model::ImageBranches::kGlobalOnly;
    s.learnable_gated = 1;
    s.train_resampler_expert = true;
  } else if (name == "2") {
    s.branches = model::ImageBranches::kLocalOnly;
    s.gamma = 1.0;  // the pretraining scripts' --mm_resampler_topp 1.0
    s.train_compressor = true;
  } else if (name == "3" || name == "e2e") {
    s.train_projector_mlp = s.train_resampler_expert = s.train_gate = s.train_compressor = true;
    s.train_llm = llm_full;
    s.train_vision = train_vision;
  } else {
    throw_error(ErrorCode::kInvalidArgument, "unknown training stage '{}' (1a, 1b, 2, 3, e2e)", name);
  }
  return s;
}

void check_stage_supported(const model::Vlm& vlm, const StageSpec& stage) {
  const io::ModelConfig& c = vlm.config;
  if (c.kind != io::ModelKind::kSlime)
    throw_error(ErrorCode::kUnsupported, "{}: training needs a slime model, this is a {} model", c.source,
                io::model_kind_name(c.kind));
  const model::ProjectorOptions& p = vlm.projector->options();
  const bool needs_global = stage.branches != model::ImageBranches::kLocalOnly;
  const bool needs_resampler = needs_global && stage.learnable_gated != 0;
  if (needs_resampler && (!p.gated() || vlm.projector->attn.is_empty()))
    throw_error(ErrorCode::kUnsupported, "{}: stage {} needs the gated projector's resampler expert, the model has {}",
                c.source, stage.name, p.mode_name());
  if (needs_global && stage.learnable_gated < 0 && p.gated() && !p.uses_gate())
    throw_error(ErrorCode::kUnsupported, "{}: stage {} trains the gated mixture, the model's projector is {} (set "
                "mm_learnable_gated=-1 on a checkpoint that holds w_gate)", c.source, stage.name, p.mode_name());
  if (stage.branches != model::ImageBranches::kGlobalOnly && vlm.local.is_empty())
    throw_error(ErrorCode::kUnsupported, "{}: stage {} needs the local compressor (model.sampler.post_qformer), which "
                "the model lacks", c.source, stage.name);
}

std::vector<TrainableParam> named_model_parameters(const model::Vlm& vlm) {
  std::vector<TrainableParam> out;
  auto add = [&](const torch::nn::Module& m, const std::string& prefix, bool llm) {
    for (const auto& item : m.named_parameters(/*recurse=*/true)) out.push_back({prefix + item.key(), item.value(), llm});
  };
  add(*vlm.tower, model::clip_weights_prefix(model::ClipWeights::kSlimeCheckpoint), false);
  add(*vlm.projector, model::kProjectorPrefix, false);
  if (!vlm.local.is_empty()) add(*vlm.local->post_qformer, model::kCompressorPrefix, false);
  add(*vlm.llm, "", true);
  return out;
}

std::vector<TrainableParam> apply_freezing(model::Vlm& vlm, const StageSpec& stage) {
  check_stage_supported(vlm, stage);
  const std::string proj = model::kProjectorPrefix, comp = model::kCompressorPrefix;
  const std::string clip = model::clip_weights_prefix(model::ClipWeights::kSlimeCheckpoint);
  std::vector<TrainableParam> trainable;
  for (TrainableParam& p : named_model_parameters(vlm)) {
    const std::string& n = p.name;
    bool on = false;
    if (ends_with(n, "pos_embed")) on = false;  // fixed sin-cos table (upstream: requires_grad False)
    else if (p.llm) on = stage.train_llm;
    else if (starts_with(n, clip)) on = stage.train_vision;
    else if (starts_with(n, comp)) on = stage.train_compressor;
    else if (starts_with(n, proj + "attn.")) on = stage.train_resampler_expert;
    else if (n == proj + "w_gate") on = stage.train_gate;
    else if (starts_with(n, proj)) on = stage.train_projector_mlp;  // projection.* (or 0./2. for mlp2x_gelu)
    p.tensor.set_requires_grad(on);
    p.tensor.mutable_grad() = at::Tensor();
    if (on) trainable.push_back(p);
  }
  if (trainable.empty())
    throw_error(ErrorCode::kInvalidArgument, "stage {}: no trainable parameters (--llm frozen with nothing else?)",
                stage.name);
  return trainable;
}

}  // namespace slime::train
