// CLIP vision tower (HF transformers 4.37 CLIPVisionModel) as SliME uses it (model.md §3):
// the hidden state after `mm_vision_select_layer`, CLS dropped for `patch`, post_layernorm never
// applied. Module parameter names equal the HF state-dict keys below the `vision_model.` prefix
// (embeddings.class_embedding, encoder.layers.{i}.self_attn.q_proj.weight, ...), so
// io::load_state_dict maps them one to one.
//
// Only the layers that the selected hidden state needs are constructed: select_layer -2 of a
// 24-layer tower builds layers 0..22. The checkpoint tensors of the layers not built, of
// post_layernorm and the legacy embeddings.position_ids buffer are skipped on load (and listed in
// the report); any other unused tensor under the prefix is an error, as PyTorch's strict load.
#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/embedding.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>
#include <torch/nn/pimpl.h>
#include <torch/types.h>

#include "engine/io/checkpoint.h"
#include "engine/io/model_config.h"

namespace slime::model {

// Where the tower's weights live; the one place the prefixes are spelled.
enum class ClipWeights {
  kClipRepo,  // openai/clip-vit-large-patch14-336 (CLIPModel or CLIPVisionModel): "vision_model."
  // The frozen copy inside SliME shards (model.md §10.3, unverified that releases carry it):
  // "model.vision_tower.vision_tower.vision_model."
  kSlimeCheckpoint,
  // HF LlavaForConditionalGeneration / LlavaNextForConditionalGeneration: "vision_tower.vision_model."
  kHfLlava,
};
const char* clip_weights_prefix(ClipWeights source);

enum class ClipActivation { kQuickGelu, kGelu };  // x*sigmoid(1.702x) | exact erf GELU
ClipActivation parse_clip_activation(const std::string& hidden_act);  // kUnsupported otherwise

enum class ClipFeature { kPatch, kClsPatch };  // drop CLS | keep it
ClipFeature parse_clip_feature(const std::string& select_feature);  // "patch" | "cls_patch"

// HF hidden_states has num_layers + 1 entries (0 = embeddings after pre_layrnorm, k = output of
// layer k-1); SELECT_LAYER indexes it from either end. Returns how many encoder layers must run
// (-2 of 24 -> 23). kInvalidArgument when out of range.
int64_t clip_layers_needed(int64_t num_layers, int64_t select_layer);

// Receives named intermediate tensors (model.md §12.5): "vision.embeddings" = hidden_states[0],
// "vision.layer.{i}" = output of encoder.layers.{i} = hidden_states[i + 1], "vision.features".
using ClipDumpFn = std::function<void(const std::string& name, const at::Tensor& value)>;

struct ClipTowerOptions {
  int64_t select_layer = -2;                   // mm_vision_select_layer
  ClipFeature feature = ClipFeature::kPatch;   // mm_vision_select_feature
};

class ClipAttentionImpl : public torch::nn::Module {
 public:
  ClipAttentionImpl(int64_t hidden, int64_t heads);
  at::Tensor forward(const at::Tensor& x);  // [N, T, C] -> [N, T, C]

 private:
  int64_t heads_;
  double scale_;  // head_dim^-0.5, applied to q as HF does
  torch::nn::Linear q_proj_{nullptr}, k_proj_{nullptr}, v_proj_{nullptr}, out_proj_{nullptr};
};
TORCH_MODULE(ClipAttention);

class ClipMlpImpl : public torch::nn::Module {
 public:
  ClipMlpImpl(int64_t hidden, int64_t intermediate, ClipActivation act);
  at::Tensor forward(const at::Tensor& x);  // [N, T, C] -> [N, T, C]

 private:
  ClipActivation act_;
  torch::nn::Linear fc1_{nullptr}, fc2_{nullptr};
};
TORCH_MODULE(ClipMlp);

class ClipEncoderLayerImpl : public torch::nn::Module {
 public:
  explicit ClipEncoderLayerImpl(const io::ClipVisionConfig& config);
  at::Tensor forward(const at::Tensor& x);  // pre-LN residual block, [N, T, C] -> [N, T, C]

 private:
  ClipAttention self_attn_{nullptr};
  torch::nn::LayerNorm layer_norm1_{nullptr}, layer_norm2_{nullptr};
  ClipMlp mlp_{nullptr};
};
TORCH_MODULE(ClipEncoderLayer);

class ClipEmbeddingsImpl : public torch::nn::Module {
 public:
  explicit ClipEmbeddingsImpl(const io::ClipVisionConfig& config);
  at::Tensor forward(const at::Tensor& pixel_values);  // [N, 3, S, S] -> [N, 1 + (S/p)^2, C]

 private:
  at::Tensor class_embedding_;                            // [C]
  torch::nn::Conv2d patch_embedding_{nullptr};            // C x 3 x p x p, no bias
  torch::nn::Embedding position_embedding_{nullptr};      // [1 + (S/p)^2, C]
};
TORCH_MODULE(ClipEmbeddings);

class ClipEncoderImpl : public torch::nn::Module {  // holds "layers" so keys read encoder.layers.{i}
 public:
  ClipEncoderImpl(const io::ClipVisionConfig& config, int64_t num_layers);
  torch::nn::ModuleList layers{nullptr};
};
TORCH_MODULE(ClipEncoder);

class ClipVisionTowerImpl : public torch::nn::Module {
 public:
  ClipVisionTowerImpl(const io::ClipVisionConfig& config, const ClipTowerOptions& options = {});

  // pixel_values [N, 3, S, S] (any float dtype/device; cast to the tower's, as upstream does) ->
  // features [N, (S/p)^2, C] (patch) or [N, 1 + (S/p)^2, C] (cls_patch), in pixel_values' dtype
  // on the tower's device (upstream's `.to(images.dtype)`).
  at::Tensor forward(const at::Tensor& pixel_values, const ClipDumpFn& dump = nullptr);

  const io::ClipVisionConfig& config() const { return config_; }
  const ClipTowerOptions& options() const { return options_; }
  int64_t num_layers_built() const { return static_cast<int64_t>(encoder_->layers->size()); }
  at::ScalarType dtype() const;
  at::Device device() const;

 private:
  io::ClipVisionConfig config_;
  ClipTowerOptions options_;
  ClipEmbeddings embeddings_{nullptr};
  torch::nn::LayerNorm pre_layrnorm_{nullptr};  // (sic), the HF name
  ClipEncoder encoder_{nullptr};
};
TORCH_MODULE(ClipVisionTower);

struct ClipLoadOptions {
  ClipWeights source = ClipWeights::kClipRepo;
  at::ScalarType dtype = at::kFloat;  // fp32 = the reference eval (model.md §3); fp16/bf16 for speed
  at::Device device = at::kCPU;
};

struct ClipLoadReport {
  std::vector<std::string> loaded;   // checkpoint names copied into the tower
  std::vector<std::string> skipped;  // unbuilt layers, post_layernorm, position_ids
};

// Loads TOWER's parameters from CHECKPOINT under the source's prefix and moves the tower to the
// dtype/device. kNotFound / kShape name the tensor (io::load_state_dict); a tensor under the
// prefix that the tower cannot use (e.g. a layer beyond num_hidden_layers) is kFormat.
ClipLoadReport load_clip_weights(ClipVisionTower& tower, const io::Checkpoint& checkpoint,
                                 const ClipLoadOptions& options = {});

// A CLIP directory (config.json + safetensors, e.g. a converted openai/clip-vit-large-patch14-336)
// -> a loaded, frozen tower.
ClipVisionTower load_clip_vision_tower(const std::string& dir, const ClipTowerOptions& tower = {},
                                       const ClipLoadOptions& load = {});

// The tower a model config names: architecture from VISION.clip (kInvalidArgument when unknown),
// select layer/feature from VISION; weights from CHECKPOINT.
ClipVisionTower load_clip_vision_tower(const io::VisionTowerConfig& vision, const io::Checkpoint& checkpoint,
                                       const ClipLoadOptions& load = {});

}  // namespace slime::model
