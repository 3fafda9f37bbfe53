// config.json of LLaVA-family checkpoints -> typed, validated configs (model.md §10.1, §9.1).
//
// Two layouts are read:
//   - "llava": the flat config of liuhaotian/LLaVA and yfzhang114/SliME checkpoints (model_type
//     llava / llava_llama): Llama fields and mm_* fields side by side;
//   - "hf": transformers' LlavaForConditionalGeneration / LlavaNextForConditionalGeneration
//     (model_type llava / llava_next) with nested "text_config" and "vision_config".
// Absent (or null) keys take upstream's defaults: HF LlamaConfig for the LLM, the SliME/LLaVA code
// defaults for mm_* keys, and the suite's defaults for its own knobs (architecture.md).
//
// Model kind (which engine path runs the checkpoint), unless the suite key `model_kind` forces one:
//   slime      if mm_projector_type == "gated" or mm_resampler_type == "cosine" (the two SliME
//              modules; every SliME stage has at least one of them);
//   llava_next else if model_type == "llava_next" or image_aspect_ratio == "anyres";
//   llava      otherwise.
#pragma once
#include <array>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace slime::io {

enum class ModelKind { kSlime, kLlava, kLlavaNext };
const char* model_kind_name(ModelKind kind);  // "slime", "llava", "llava_next"

struct RopeScaling {
  std::string type;  // linear | dynamic
  double factor;
};

struct LlmConfig {  // HF LlamaConfig (4.37) defaults
  std::string model_type = "llama";
  int64_t hidden_size = 4096;
  int64_t intermediate_size = 11008;
  int64_t num_hidden_layers = 32;
  int64_t num_attention_heads = 32;
  int64_t num_key_value_heads = 32;  // absent -> num_attention_heads
  int64_t vocab_size = 32000;
  int64_t max_position_embeddings = 2048;
  double rms_norm_eps = 1e-6;
  double rope_theta = 10000.0;
  std::optional<RopeScaling> rope_scaling;
  bool tie_word_embeddings = false;
  std::optional<int64_t> bos_token_id = 1;
  std::vector<int64_t> eos_token_ids = {2};  // eos_token_id may be an int or a list
  std::optional<int64_t> pad_token_id;
  std::string torch_dtype;  // float16 | bfloat16 | float32, "" when absent
  std::string hidden_act = "silu";
  int64_t head_dim() const { return hidden_size / num_attention_heads; }
};

struct ClipVisionConfig {  // HF CLIPVisionConfig defaults (ViT-B/32)
  int64_t hidden_size = 768;
  int64_t intermediate_size = 3072;
  int64_t num_hidden_layers = 12;
  int64_t num_attention_heads = 12;
  int64_t image_size = 224;
  int64_t patch_size = 32;
  int64_t num_channels = 3;
  std::string hidden_act = "quick_gelu";
  double layer_norm_eps = 1e-5;
  int64_t num_patches() const { return (image_size / patch_size) * (image_size / patch_size); }
};

struct VisionTowerConfig {
  std::string name;                      // mm_vision_tower (a hub id or a local path)
  int64_t select_layer = -2;             // mm_vision_select_layer / vision_feature_layer
  std::string select_feature = "patch";  // patch | cls_patch
  int64_t mm_hidden_size = 1024;
  // The tower's architecture, when known: the nested "vision_config" (hf layout), the built-in
  // table for the openai CLIP ViT-L/14 towers (their weights are not in LLaVA checkpoints), or
  // load_clip_vision_config() on the tower's own directory.
  std::optional<ClipVisionConfig> clip;
  std::string clip_source;  // "vision_config", "builtin", or "" when unknown
};

enum class ProjectorKind { kLinear, kIdentity, kMlpGelu, kGated };

struct ProjectorConfig {
  std::string type = "linear";  // mm_projector_type as written (LLaVA builder default "linear")
  ProjectorKind kind = ProjectorKind::kLinear;
  int64_t mlp_depth = 1;         // N of mlpNx_gelu (gated: the shared 2-layer MLP)
  int64_t learnable_gated = -1;  // mm_learnable_gated: -1 mixture, 0 MLP expert, 1 resampler expert
};

struct ResamplerConfig {
  std::string type = "none";  // mm_resampler_type: cosine | identity | none (absent)
  int64_t dim = 64;           // mm_resampler_dim (train.py default), a square: grid sqrt(dim)
  double topp = 0.9;          // mm_resampler_topp, (0, 1]
  double temp = 0.5;          // mm_resampler_temp, > 0
  int64_t grid() const;
};

struct SelectorConfig {  // suite knobs (architecture.md vocabulary)
  std::string mode = "topp";        // topp | topk | all
  std::optional<int64_t> topk;      // selector_topk, required for mode topk
  std::string softmax = "double";   // double (paper era) | single (upstream HEAD)
  std::string impl = "exact";       // exact | fused
};

struct ModelConfig {
  std::string source;  // the config.json read
  std::string layout;  // llava | hf
  ModelKind kind = ModelKind::kLlava;
  std::string model_type;
  std::vector<std::string> architectures;
  LlmConfig llm;
  VisionTowerConfig vision;
  ProjectorConfig projector;
  ResamplerConfig resampler;
  SelectorConfig selector;
  std::string image_aspect_ratio = "square";  // square | pad | anyres
  std::vector<std::array<int64_t, 2>> image_grid_pinpoints;  // stored; SliME ignores it
  std::string mm_patch_merge_type = "flat";   // flat | spatial | spatial_unpad
  bool use_global_only = false;
  bool use_local_only = false;
  int64_t seperator = 1919;  // (sic) the separator token id
  int64_t tokenizer_model_max_length = 2048;
  bool mm_use_im_start_end = false;
  bool mm_use_im_patch_token = true;  // the LLaVA loader's default when absent
  int64_t image_token_index = -200;   // the placeholder id in prompt ids (hf layout: from config)

  nlohmann::json raw;            // the file's JSON with overrides applied
  std::set<std::string> keys;    // every key the parser consults (dotted for nested ones)
};

// Reads PATH (a config.json or a directory holding one). kNotFound/kIo/kFormat for the file,
// kInvalidArgument/kUnsupported naming the file and key for bad or unsupported values.
ModelConfig load_model_config(const std::string& path);
ModelConfig parse_model_config(const nlohmann::json& config, const std::string& source);

// `--set key=value`: VALUE is JSON when it parses as JSON (numbers, true/false, null, lists),
// otherwise a string; `null` restores the default. Nested keys use dots (text_config.rope_theta).
// The whole config is re-validated; an unknown key is kInvalidArgument.
void apply_override(ModelConfig& config, const std::string& key_value);
// Several overrides, applied together and validated once at the end, so the order of dependent
// knobs does not matter (selector_mode=topk with selector_topk=8).
void apply_overrides(ModelConfig& config, const std::vector<std::string>& key_values);

// A CLIP tower's config.json (CLIPVisionModel, or CLIPModel with a nested vision_config), or a
// directory holding one.
ClipVisionConfig load_clip_vision_config(const std::string& path);

nlohmann::json to_json(const ModelConfig& config);
nlohmann::json to_json(const ClipVisionConfig& clip);

}  // namespace slime::io
