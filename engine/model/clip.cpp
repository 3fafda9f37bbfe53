#include "engine/model/clip.h"

#include <cmath>
#include <regex>

#include <ATen/ATen.h>
#include <torch/nn/functional/activation.h>

#include "engine/common/error.h"
#include "engine/io/torch_tensors.h"

namespace slime::model {

const char* clip_weights_prefix(ClipWeights source) {
  switch (source) {
    case ClipWeights::kClipRepo: return "vision_model.";
    case ClipWeights::kSlimeCheckpoint: return "model.vision_tower.vision_tower.vision_model.";
    case ClipWeights::kHfLlava: return "vision_tower.vision_model.";
  }
  throw_error(ErrorCode::kInternal, "unknown ClipWeights value {}", static_cast<int>(source));
}

ClipActivation parse_clip_activation(const std::string& hidden_act) {
  if (hidden_act == "quick_gelu") return ClipActivation::kQuickGelu;
  if (hidden_act == "gelu") return ClipActivation::kGelu;
  throw_error(ErrorCode::kUnsupported, "CLIP hidden_act '{}' is not supported (quick_gelu, gelu)", hidden_act);
}

ClipFeature parse_clip_feature(const std::string& select_feature) {
  if (select_feature == "patch") return ClipFeature::kPatch;
  if (select_feature == "cls_patch") return ClipFeature::kClsPatch;
  throw_error(ErrorCode::kUnsupported, "mm_vision_select_feature '{}' is not supported (patch, cls_patch)",
              select_feature);
}

int64_t clip_layers_needed(int64_t num_layers, int64_t select_layer) {
  const int64_t states = num_layers + 1;  // embeddings + one per layer
  if (select_layer < -states || select_layer >= states)
    throw_error(ErrorCode::kInvalidArgument, "mm_vision_select_layer {} is outside the tower's {} hidden states",
                select_layer, states);
  return select_layer >= 0 ? select_layer : states + select_layer;
}

// ---------------------------------------------------------------------------------------------

ClipAttentionImpl::ClipAttentionImpl(int64_t hidden, int64_t heads)
    : heads_(heads), scale_(1.0 / std::sqrt(static_cast<double>(hidden / heads))) {
  if (hidden % heads != 0)
    throw_error(ErrorCode::kInvalidArgument, "CLIP num_attention_heads {} does not divide hidden_size {}", heads, hidden);
  q_proj_ = register_module("q_proj", torch::nn::Linear(hidden, hidden));
  k_proj_ = register_module("k_proj", torch::nn::Linear(hidden, hidden));
  v_proj_ = register_module("v_proj", torch::nn::Linear(hidden, hidden));
  out_proj_ = register_module("out_proj", torch::nn::Linear(hidden, hidden));
}

at::Tensor ClipAttentionImpl::forward(const at::Tensor& x) {
  const int64_t n = x.size(0), t = x.size(1), c = x.size(2), d = c / heads_;
  // [N, T, C] -> [N, H, T, D]
  auto split = [&](const at::Tensor& y) { return y.view({n, t, heads_, d}).transpose(1, 2); };
  const at::Tensor q = split(q_proj_(x) * scale_);  // HF scales q after the projection (bias included)
  const at::Tensor k = split(k_proj_(x));
  const at::Tensor v = split(v_proj_(x));
  // No mask: every token (CLS included) attends to all. Plain softmax(QK^T)V is the HF 4.37 eager
  // path and compiles against LibTorch 1.13 and 2.x alike (model.md §12.3).
  const at::Tensor weights = at::softmax(at::matmul(q, k.transpose(-2, -1)), -1);  // [N, H, T, T]
  const at::Tensor out = at::matmul(weights, v).transpose(1, 2).reshape({n, t, c});  // [N, T, C]
  return out_proj_(out);
}

ClipMlpImpl::ClipMlpImpl(int64_t hidden, int64_t intermediate, ClipActivation act) : act_(act) {
  fc1_ = register_module("fc1", torch::nn::Linear(hidden, intermediate));
  fc2_ = register_module("fc2", torch::nn::Linear(intermediate, hidden));
}

at::Tensor ClipMlpImpl::forward(const at::Tensor& x) {
  at::Tensor h = fc1_(x);  // [N, T, I]
  h = act_ == ClipActivation::kQuickGelu ? h * at::sigmoid(h * 1.702) : at::gelu(h);
  return fc2_(h);
}

namespace {
torch::nn::LayerNorm make_layer_norm(const io::ClipVisionConfig& config) {
  return torch::nn::LayerNorm(torch::nn::LayerNormOptions({config.hidden_size}).eps(config.layer_norm_eps));
}
}  // namespace

ClipEncoderLayerImpl::ClipEncoderLayerImpl(const io::ClipVisionConfig& config) {
  self_attn_ = register_module("self_attn", ClipAttention(config.hidden_size, config.num_attention_heads));
  layer_norm1_ = register_module("layer_norm1", make_layer_norm(config));
  mlp_ = register_module("mlp", ClipMlp(config.hidden_size, config.intermediate_size,
                                        parse_clip_activation(config.hidden_act)));
  layer_norm2_ = register_module("layer_norm2", make_layer_norm(config));
}

at::Tensor ClipEncoderLayerImpl::forward(const at::Tensor& x) {
  const at::Tensor h = x + self_attn_(layer_norm1_(x));
  return h + mlp_(layer_norm2_(h));
}

ClipEmbeddingsImpl::ClipEmbeddingsImpl(const io::ClipVisionConfig& config) {
  const int64_t c = config.hidden_size, p = config.patch_size;
  if (config.image_size % p != 0)
    throw_error(ErrorCode::kInvalidArgument, "CLIP patch_size {} does not divide image_size {}", p, config.image_size);
  class_embedding_ = register_parameter("class_embedding", torch::empty({c}));
  patch_embedding_ = register_module(
      "patch_embedding",
      torch::nn::Conv2d(torch::nn::Conv2dOptions(config.num_channels, c, p).stride(p).bias(false)));
  position_embedding_ = register_module("position_embedding", torch::nn::Embedding(config.num_patches() + 1, c));
}

at::Tensor ClipEmbeddingsImpl::forward(const at::Tensor& pixel_values) {
  const int64_t n = pixel_values.size(0);
  // [N, 3, S, S] -> [N, C, S/p, S/p] -> [N, G, C], G = (S/p)^2 in row-major patch order
  const at::Tensor patches = patch_embedding_(pixel_values).flatten(2).transpose(1, 2);
  const at::Tensor cls = class_embedding_.view({1, 1, -1}).expand({n, 1, patches.size(2)});  // [N, 1, C]
  return at::cat({cls, patches}, 1) + position_embedding_->weight.unsqueeze(0);  // [N, 1 + G, C]
}

ClipEncoderImpl::ClipEncoderImpl(const io::ClipVisionConfig& config, int64_t num_layers) {
  layers = register_module("layers", torch::nn::ModuleList());
  for (int64_t i = 0; i < num_layers; ++i) layers->push_back(ClipEncoderLayer(config));
}

ClipVisionTowerImpl::ClipVisionTowerImpl(const io::ClipVisionConfig& config, const ClipTowerOptions& options)
    : config_(config), options_(options) {
  const int64_t built = clip_layers_needed(config.num_hidden_layers, options.select_layer);
  embeddings_ = register_module("embeddings", ClipEmbeddings(config));
  pre_layrnorm_ = register_module("pre_layrnorm", make_layer_norm(config));
  encoder_ = register_module("encoder", ClipEncoder(config, built));
  // The tower is frozen in every SliME stage: no autograd graph even without an inference guard.
  for (auto& p : parameters()) p.set_requires_grad(false);
}

at::ScalarType ClipVisionTowerImpl::dtype() const { return pre_layrnorm_->weight.scalar_type(); }
at::Device ClipVisionTowerImpl::device() const { return pre_layrnorm_->weight.device(); }

at::Tensor ClipVisionTowerImpl::forward(const at::Tensor& pixel_values, const ClipDumpFn& dump) {
  const int64_t s = config_.image_size;
  if (pixel_values.dim() != 4 || pixel_values.size(1) != config_.num_channels || pixel_values.size(2) != s ||
      pixel_values.size(3) != s)
    throw_error(ErrorCode::kShape, "CLIP pixel_values: shape [{}], expected [N, {}, {}, {}]",
                fmt::join(pixel_values.sizes(), ", "), config_.num_channels, s, s);
  if (!pixel_values.is_floating_point())
    throw_error(ErrorCode::kShape, "CLIP pixel_values: dtype {} is not floating point",
                c10::toString(pixel_values.scalar_type()));

  // Upstream: self.vision_tower(images.to(device=self.device, dtype=self.dtype))
  at::Tensor h = pre_layrnorm_(embeddings_(pixel_values.to(device(), dtype())));  // [N, 1 + G, C]
  if (dump) dump("vision.embeddings", h);
  for (size_t i = 0; i < encoder_->layers->size(); ++i) {
    h = encoder_->layers->at<ClipEncoderLayerImpl>(i).forward(h);  // [N, 1 + G, C]
    if (dump) dump(fmt::format("vision.layer.{}", i), h);
  }
  // 'patch' drops CLS only here, at the output: it attended in every layer above.
  if (options_.feature == ClipFeature::kPatch) h = h.slice(1, 1);  // [N, G, C]
  h = h.to(pixel_values.scalar_type());
  if (dump) dump("vision.features", h);
  return h;
}

// ---------------------------------------------------------------------------------------------

namespace {
// Tensors under the prefix that a SliME tower never uses: layers past the selected hidden state,
// post_layernorm (only for pooler_output) and the position_ids buffer older files carry.
bool skippable(const std::string& name, int64_t built, int64_t num_layers) {
  static const std::regex layer_key(R"(encoder\.layers\.(\d+)\..+)");
  std::smatch m;
  if (std::regex_match(name, m, layer_key)) {
    const int64_t i = std::stoll(m[1].str());
    return i >= built && i < num_layers;
  }
  return name == "post_layernorm.weight" || name == "post_layernorm.bias" || name == "embeddings.position_ids";
}
}  // namespace

ClipLoadReport load_clip_weights(ClipVisionTower& tower, const io::Checkpoint& checkpoint,
                                 const ClipLoadOptions& options) {
  io::LoadOptions load;
  load.prefix = clip_weights_prefix(options.source);
  load.dtype = options.dtype;
  load.device = options.device;
  const int64_t built = tower->num_layers_built(), num_layers = tower->config().num_hidden_layers;
  load.may_skip = [&](const std::string& name) { return skippable(name, built, num_layers); };
  const io::LoadReport loaded = io::load_state_dict(*tower, checkpoint, load);
  ClipLoadReport report;
  report.loaded = loaded.loaded;
  report.skipped = loaded.ignored;
  return report;
}

ClipVisionTower load_clip_vision_tower(const std::string& dir, const ClipTowerOptions& tower_options,
                                       const ClipLoadOptions& load) {
  ClipVisionTower tower(io::load_clip_vision_config(dir), tower_options);
  load_clip_weights(tower, io::Checkpoint::open(dir), load);
  return tower;
}

ClipVisionTower load_clip_vision_tower(const io::VisionTowerConfig& vision, const io::Checkpoint& checkpoint,
                                       const ClipLoadOptions& load) {
  if (!vision.clip)
    throw_error(ErrorCode::kInvalidArgument,
                "vision tower '{}': architecture unknown (no vision_config, not a built-in tower); "
                "load its config.json with load_clip_vision_config", vision.name);
  ClipTowerOptions options;
  options.select_layer = vision.select_layer;
  options.feature = parse_clip_feature(vision.select_feature);
  ClipVisionTower tower(*vision.clip, options);
  load_clip_weights(tower, checkpoint, load);
  return tower;
}

}  // namespace slime::model
