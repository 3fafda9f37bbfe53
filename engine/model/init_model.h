// Seeded random SliME / LLaVA checkpoints for tests and benchmarks without released weights:
// `slime init-model` writes OUT/config.json (flat llava layout, io::load_model_config reads it),
// OUT/model.safetensors (every tensor under the upstream key names, model.md §10.3, the CLIP tower
// included under clip_weights_prefix(kSlimeCheckpoint)) and copies the tokenizer files.
//
// config.json notes:
//  - mm_vision_tower is the tower's key prefix inside model.safetensors, which is no hub name the
//    config loader knows, so the tower's architecture is written as an extra key
//    "mm_vision_config" (HF CLIPVisionConfig fields), which io::load_model_config reads into
//    vision.clip.
//  - seperator is the tokenizer's id of "▁," (SentencePiece) or "," (byte-level BPE) (§8.1).
//
// Initialisation (torch::manual_seed(seed), then the parameters in state-dict order): N(0, 0.02)
// for weights and embeddings, 1 for LayerNorm/RMSNorm weights, 0 for biases, the fixed sin-cos
// table for the resamplers' pos_embed. The same options give byte-identical files.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/io/model_config.h"

namespace torch::nn {
class Module;
}  // namespace torch::nn

namespace slime::model {

enum class InitKind { kSlime, kLlava, kLlavaNext };
// "slime" | "llava" | "llava_next" (HF LlavaNextForConditionalGeneration layout), else kInvalidArgument
InitKind parse_init_kind(const std::string& name);

struct InitModelOptions {
  InitKind kind = InitKind::kSlime;
  // tiny | small | 7b-shape | llama3-8b-shape (the release shapes: never allocate in tests;
  // llama3-8b-shape is CLIP ViT-L + Llama-3-8B, give it the Llama-3 tokenizer for vocab 128256)
  std::string preset = "tiny";
  uint64_t seed = 0;
  std::string out_dir;
  std::string tokenizer_dir;  // a folder with tokenizer.json (+ tokenizer_config.json, tokenizer.model)
  // "key=value" size changes to the preset (`--shape`), keys: vision_hidden_size (a multiple of 128),
  // vision_intermediate_size, vision_layers, vision_heads, hidden_size, intermediate_size,
  // num_hidden_layers, num_attention_heads, num_key_value_heads, mm_resampler_dim (a square: Nq).
  std::vector<std::string> shape;
};

struct InitModelReport {
  std::string config_path, weights_path;
  int64_t tensors = 0;
  int64_t parameters = 0;
  int64_t vocab_size = 0;
  int64_t seperator = -1;  // -1 for llava (no separator)
  std::vector<std::string> copied;  // tokenizer files copied
};

// The config.json init_model writes (no files touched). kInvalidArgument for an unknown preset,
// kNotFound / kFormat for the tokenizer.
nlohmann::json init_model_config(const InitModelOptions& options);

InitModelReport init_model(const InitModelOptions& options);

// In memory, for benchmarks on a device (no multi-GB files): init_model_parsed_config gives the
// config init_model would write (out_dir may be empty); build the modules from it on the device in
// the wanted dtype, then init_parameters applies init_model's rule to their parameters in place
// (seed with torch::manual_seed first; a CUDA generator draws other values than the CPU's).
io::ModelConfig init_model_parsed_config(const InitModelOptions& options);
void init_parameters(torch::nn::Module& module);

// The CLIP architecture the loader resolved (vision.clip: "mm_vision_config", a nested
// "vision_config" or a known openai tower); kInvalidArgument when it has none.
io::ClipVisionConfig init_model_clip_config(const io::ModelConfig& config);

}  // namespace slime::model
