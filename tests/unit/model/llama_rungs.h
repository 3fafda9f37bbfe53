// The tiny HF Llama checkpoints of tests/data/llama (SOURCE.md) with their goldens, loaded once per
// test binary, for the fast-path tests (test_llama_fast.cpp, test_cuda_decode.cpp).
#pragma once
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "engine/io/checkpoint.h"
#include "engine/io/torch_tensors.h"
#include "engine/model/llama.h"

namespace slime::test {

inline const std::filesystem::path& llama_data_dir() {
  static const std::filesystem::path dir = std::filesystem::path(SLIME_SOURCE_DIR) / "tests/data/llama";
  return dir;
}

// config.json as HF writes it (io::load_model_config reads LLaVA configs).
inline io::LlmConfig read_llama_config(const std::filesystem::path& file) {
  std::ifstream in(file);
  const nlohmann::json j = nlohmann::json::parse(in);
  io::LlmConfig c;
  c.hidden_size = j.at("hidden_size");
  c.intermediate_size = j.at("intermediate_size");
  c.num_hidden_layers = j.at("num_hidden_layers");
  c.num_attention_heads = j.at("num_attention_heads");
  c.num_key_value_heads = j.at("num_key_value_heads");
  c.vocab_size = j.at("vocab_size");
  c.max_position_embeddings = j.at("max_position_embeddings");
  c.rms_norm_eps = j.at("rms_norm_eps");
  c.rope_theta = j.at("rope_theta");
  c.tie_word_embeddings = j.at("tie_word_embeddings");
  if (j.contains("rope_scaling") && !j["rope_scaling"].is_null())
    c.rope_scaling = io::RopeScaling{j["rope_scaling"].at("type"), j["rope_scaling"].at("factor")};
  return c;
}

inline std::vector<int64_t> to_ids(const at::Tensor& t) {
  const at::Tensor c = t.to(at::kCPU, at::kLong).contiguous();
  return std::vector<int64_t>(c.data_ptr<int64_t>(), c.data_ptr<int64_t>() + c.numel());
}

struct LlamaRungData {
  io::LlmConfig config;
  std::map<std::string, at::Tensor> golden;
  std::vector<std::vector<int64_t>> prompts;  // golden "prompt.{i}"
};

inline const LlamaRungData& llama_rung_data(const std::string& name) {
  static std::map<std::string, LlamaRungData> cache;
  auto it = cache.find(name);
  if (it != cache.end()) return it->second;
  LlamaRungData r;
  r.config = read_llama_config(llama_data_dir() / name / "config.json");
  const auto golden = io::Checkpoint::open((llama_data_dir() / name / "golden.safetensors").string());
  for (const std::string& key : golden.names()) r.golden[key] = io::load_tensor(golden, key);
  for (int i = 0; r.golden.count("prompt." + std::to_string(i)); ++i)
    r.prompts.push_back(to_ids(r.golden.at("prompt." + std::to_string(i))));
  return cache.emplace(name, std::move(r)).first->second;
}

// A fresh model of rung NAME with its weights in DTYPE on DEVICE.
inline model::LlamaForCausalLM load_llama_rung(const std::string& name, at::ScalarType dtype = at::kFloat,
                                               at::Device device = at::kCPU) {
  model::LlamaForCausalLM m(llama_rung_data(name).config, at::TensorOptions().dtype(dtype).device(device));
  model::LlamaLoadOptions load;
  load.dtype = dtype;
  load.device = device;
  model::load_llama_weights(m, io::Checkpoint::open((llama_data_dir() / name / "model.safetensors").string()), load);
  return m;
}

}  // namespace slime::test
