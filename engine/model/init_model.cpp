#include "engine/model/init_model.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <utility>

#include <unistd.h>

#include <torch/torch.h>

#include "engine/common/error.h"
#include "engine/io/torch_tensors.h"
#include "engine/model/adapters.h"
#include "engine/model/clip.h"
#include "engine/model/llama.h"
#include "engine/model/local_branch.h"
#include "engine/model/resampler.h"

namespace slime::model {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

struct Preset {
  io::ClipVisionConfig clip;
  int64_t hidden, intermediate, layers, heads, kv_heads;
  int64_t resampler_dim;  // mm_resampler_dim (local compressor Nq)
  double rope_theta = 10000.0;
};

// Every preset keeps CLIP at 336 px / patch 14 (preprocessing is fixed at 336: 576 patch tokens,
// which the gated projector's R576 expects) and a CLIP width that is a multiple of 128, because
// upstream derives the resamplers' head count as mm_hidden_size // 128.
Preset make_preset(const std::string& name) {
  Preset p;
  p.clip.image_size = 336;
  p.clip.patch_size = 14;
  p.clip.hidden_act = "quick_gelu";
  p.clip.layer_norm_eps = 1e-5;
  if (name == "tiny") {
    p.clip.hidden_size = 128, p.clip.intermediate_size = 512, p.clip.num_hidden_layers = 2;
    p.clip.num_attention_heads = 2;
    p.hidden = 64, p.intermediate = 128, p.layers = 2, p.heads = 4, p.kv_heads = 2;
    p.resampler_dim = 16;
  } else if (name == "small") {
    p.clip.hidden_size = 256, p.clip.intermediate_size = 1024, p.clip.num_hidden_layers = 4;
    p.clip.num_attention_heads = 4;
    p.hidden = 256, p.intermediate = 688, p.layers = 4, p.heads = 8, p.kv_heads = 4;
    p.resampler_dim = 144;
  } else if (name == "7b-shape") {  // CLIP ViT-L/14-336 + Vicuna-7B (model.md §3, §9.1)
    p.clip.hidden_size = 1024, p.clip.intermediate_size = 4096, p.clip.num_hidden_layers = 24;
    p.clip.num_attention_heads = 16;
    p.hidden = 4096, p.intermediate = 11008, p.layers = 32, p.heads = 32, p.kv_heads = 32;
    p.resampler_dim = 144;
  } else if (name == "llama3-8b-shape") {  // CLIP ViT-L/14-336 + Llama-3-8B (GQA: 8 KV heads; SliME-8B)
    p = make_preset("7b-shape");
    p.intermediate = 14336, p.kv_heads = 8, p.rope_theta = 500000.0;  // vocab (128256) from the tokenizer
  } else {
    throw_error(ErrorCode::kInvalidArgument, "init-model: unknown preset '{}' (tiny, small, 7b-shape, llama3-8b-shape)",
                name);
  }
  return p;
}

// InitModelOptions::shape: "key=value" changes to a preset's sizes (header lists the keys).
Preset apply_shape(Preset p, const std::vector<std::string>& shape) {
  const std::map<std::string, int64_t*> fields = {
      {"vision_hidden_size", &p.clip.hidden_size},   {"vision_intermediate_size", &p.clip.intermediate_size},
      {"vision_layers", &p.clip.num_hidden_layers},  {"vision_heads", &p.clip.num_attention_heads},
      {"hidden_size", &p.hidden},                    {"intermediate_size", &p.intermediate},
      {"num_hidden_layers", &p.layers},              {"num_attention_heads", &p.heads},
      {"num_key_value_heads", &p.kv_heads},          {"mm_resampler_dim", &p.resampler_dim}};
  for (const std::string& kv : shape) {
    const size_t eq = kv.find('=');
    const std::string key = kv.substr(0, eq);
    auto it = fields.find(key);
    if (eq == std::string::npos || it == fields.end()) {
      std::string keys;
      for (const auto& [k, unused] : fields) keys += (keys.empty() ? "" : ", ") + k;
      throw_error(ErrorCode::kInvalidArgument, "init-model --shape '{}': expected key=value with a key of: {}", kv, keys);
    }
    int64_t v = 0;
    try {
      size_t used = 0;
      v = std::stoll(kv.substr(eq + 1), &used);
      if (used != kv.size() - eq - 1) throw std::invalid_argument("trailing");
    } catch (const std::exception&) {
      throw_error(ErrorCode::kInvalidArgument, "init-model --shape '{}': the value is not an integer", kv);
    }
    if (v <= 0) throw_error(ErrorCode::kInvalidArgument, "init-model --shape '{}': the value must be positive", kv);
    *it->second = v;
  }
  // Upstream derives the resamplers' head count as mm_hidden_size // 128 and the compressor's grid
  // as sqrt(mm_resampler_dim): check here rather than fail later in the module constructors.
  if (p.clip.hidden_size % 128 != 0)
    throw_error(ErrorCode::kInvalidArgument, "init-model: vision_hidden_size {} is not a multiple of 128 (resampler heads = width / 128)",
                p.clip.hidden_size);
  const int64_t g = static_cast<int64_t>(std::llround(std::sqrt(static_cast<double>(p.resampler_dim))));
  if (g * g != p.resampler_dim)
    throw_error(ErrorCode::kInvalidArgument, "init-model: mm_resampler_dim {} is not a square (Nq = g*g query grid)", p.resampler_dim);
  if (p.hidden % p.heads != 0 || p.heads % p.kv_heads != 0 || p.clip.hidden_size % p.clip.num_attention_heads != 0)
    throw_error(ErrorCode::kInvalidArgument, "init-model: heads must divide the widths (hidden {} / heads {} / kv heads {}; vision {} / {})",
                p.hidden, p.heads, p.kv_heads, p.clip.hidden_size, p.clip.num_attention_heads);
  return p;
}

json read_json(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw_error(ErrorCode::kNotFound, "{}: cannot open", path.string());
  try {
    return json::parse(in);
  } catch (const json::exception& e) {  // parse_error, or out_of_range for 1e400
    throw_error(ErrorCode::kFormat, "{}: not valid JSON: {}", path.string(), e.what());
  }
}

struct TokenizerInfo {
  int64_t vocab_size = 0;
  int64_t seperator = -1;
  std::optional<int64_t> bos, eos, pad;
};

TokenizerInfo read_tokenizer(const std::string& dir) {
  const fs::path file = fs::path(dir) / "tokenizer.json";
  const json tok = read_json(file);
  std::map<std::string, int64_t> ids;
  int64_t max_id = -1;
  if (tok.contains("model") && tok["model"].contains("vocab") && tok["model"]["vocab"].is_object())
    for (const auto& [piece, id] : tok["model"]["vocab"].items()) {
      ids[piece] = id.get<int64_t>();
      max_id = std::max(max_id, id.get<int64_t>());
    }
  if (tok.contains("added_tokens"))
    for (const json& t : tok["added_tokens"]) {
      const int64_t id = t.at("id").get<int64_t>();
      ids[t.at("content").get<std::string>()] = id;
      max_id = std::max(max_id, id);
    }
  if (max_id < 0) throw_error(ErrorCode::kFormat, "{}: no vocabulary (model.vocab / added_tokens)", file.string());
  TokenizerInfo info;
  info.vocab_size = max_id + 1;
  // model.md §8.1: the last id of tokenizer(','): "▁," for SentencePiece Llama-2, "," for Llama-3.
  if (auto it = ids.find("\xE2\x96\x81,"); it != ids.end())
    info.seperator = it->second;
  else if (auto it2 = ids.find(","); it2 != ids.end())
    info.seperator = it2->second;
  else
    throw_error(ErrorCode::kFormat, "{}: neither \"\xE2\x96\x81,\" nor \",\" is in the vocabulary", file.string());

  const fs::path config_file = fs::path(dir) / "tokenizer_config.json";
  if (fs::exists(config_file)) {
    const json cfg = read_json(config_file);
    auto lookup = [&](const char* key) -> std::optional<int64_t> {
      if (!cfg.contains(key) || cfg[key].is_null()) return std::nullopt;
      const json& v = cfg[key];
      const std::string content = v.is_object() ? v.value("content", "") : v.is_string() ? v.get<std::string>() : "";
      auto it = ids.find(content);
      return it == ids.end() ? std::nullopt : std::optional<int64_t>(it->second);
    };
    info.bos = lookup("bos_token");
    info.eos = lookup("eos_token");
    info.pad = lookup("pad_token");
  }
  if (!info.pad) {  // model.md §10.1: 0 (<unk>) for Vicuna, the eos id for Llama-3
    if (auto it = ids.find("<unk>"); it != ids.end())
      info.pad = it->second;
    else
      info.pad = info.eos;
  }
  return info;
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// One parameter by init_model's rule (header).
void init_parameter(const std::string& name, at::Tensor p) {
  if (ends_with(name, "pos_embed")) {
    const int64_t grid = static_cast<int64_t>(std::llround(std::sqrt(static_cast<double>(p.size(0)))));
    p.copy_(sincos_pos_embed_2d(p.size(1), grid, /*round_to_fp16=*/true));
  } else if (ends_with(name, "bias")) {
    p.zero_();
  } else if (p.dim() == 1 && ends_with(name, ".weight")) {  // LayerNorm / RMSNorm
    p.fill_(1.0);
  } else {
    p.normal_(0.0, 0.02);
  }
}

// Fills MODULE's parameters in state-dict order and appends them to OUT under PREFIX.
void init_and_collect(torch::nn::Module& module, const std::string& prefix,
                      std::vector<std::pair<std::string, at::Tensor>>& out) {
  torch::NoGradGuard no_grad;
  for (const auto& item : module.named_parameters(/*recurse=*/true)) {
    at::Tensor p = item.value();
    init_parameter(item.key(), p);
    out.emplace_back(prefix + item.key(), p.detach().contiguous());
  }
}

int64_t parameter_count(const std::vector<std::pair<std::string, at::Tensor>>& tensors) {
  int64_t n = 0;
  for (const auto& [name, t] : tensors) n += t.numel();
  return n;
}

}  // namespace

InitKind parse_init_kind(const std::string& name) {
  if (name == "slime") return InitKind::kSlime;
  if (name == "llava") return InitKind::kLlava;
  if (name == "llava_next") return InitKind::kLlavaNext;
  throw_error(ErrorCode::kInvalidArgument, "init-model: unknown kind '{}' (slime, llava, llava_next)", name);
}

namespace {

// LLaVA-NeXT in HF's LlavaNextForConditionalGeneration layout (transformers 4.40 config and keys),
// so that HF itself loads the directory (the speed comparison runs both on the same weights). The
// vocabulary gets 64 extra rows and <image> is the first of them, as llava-hf/llava-v1.6-vicuna-7b-hf.
json llava_next_config(const Preset& p, const TokenizerInfo& tok, const InitModelOptions& o) {
  json text = {{"model_type", "llama"},
               {"hidden_size", p.hidden},
               {"intermediate_size", p.intermediate},
               {"num_hidden_layers", p.layers},
               {"num_attention_heads", p.heads},
               {"num_key_value_heads", p.kv_heads},
               {"vocab_size", tok.vocab_size + 64},
               {"max_position_embeddings", 4096},
               {"rms_norm_eps", 1e-5},
               {"rope_theta", p.rope_theta},
               {"rope_scaling", nullptr},
               {"hidden_act", "silu"},
               {"tie_word_embeddings", false},
               {"bos_token_id", tok.bos ? json(*tok.bos) : json(nullptr)},
               {"eos_token_id", tok.eos ? json(*tok.eos) : json(nullptr)},
               {"pad_token_id", tok.pad ? json(*tok.pad) : json(nullptr)},
               {"torch_dtype", "float32"}};
  json vision = io::to_json(p.clip);
  vision["model_type"] = "clip_vision_model";
  vision["projection_dim"] = 768;
  const int64_t s = p.clip.image_size;
  return {{"architectures", json::array({"LlavaNextForConditionalGeneration"})},
          {"model_type", "llava_next"},
          {"torch_dtype", "float32"},
          {"ignore_index", -100},
          {"image_token_index", tok.vocab_size},
          {"projector_hidden_act", "gelu"},
          {"vision_feature_layer", -2},
          {"vision_feature_select_strategy", "default"},
          {"image_grid_pinpoints", json::array({{s, 2 * s}, {2 * s, s}, {2 * s, 2 * s}, {3 * s, s}, {s, 3 * s}})},
          {"tie_word_embeddings", false},
          {"text_config", text},
          {"vision_config", vision},
          {"init_model", {{"kind", "llava_next"}, {"preset", o.preset}, {"seed", o.seed}}}};
}

}  // namespace

json init_model_config(const InitModelOptions& o) {
  const Preset p = apply_shape(make_preset(o.preset), o.shape);
  const TokenizerInfo tok = read_tokenizer(o.tokenizer_dir);
  if (o.kind == InitKind::kLlavaNext) return llava_next_config(p, tok, o);
  const bool slime = o.kind == InitKind::kSlime;
  json c = {
      {"architectures", json::array({"LlavaLlamaForCausalLM"})},
      {"model_type", "llava_llama"},
      {"torch_dtype", "float32"},
      // LLM (HF LlamaConfig)
      {"hidden_size", p.hidden},
      {"intermediate_size", p.intermediate},
      {"num_hidden_layers", p.layers},
      {"num_attention_heads", p.heads},
      {"num_key_value_heads", p.kv_heads},
      {"vocab_size", tok.vocab_size},
      {"max_position_embeddings", 4096},
      {"rms_norm_eps", 1e-5},
      {"rope_theta", p.rope_theta},
      {"rope_scaling", nullptr},
      {"hidden_act", "silu"},
      {"tie_word_embeddings", false},
      {"bos_token_id", tok.bos ? json(*tok.bos) : json(nullptr)},
      {"eos_token_id", tok.eos ? json(*tok.eos) : json(nullptr)},
      {"pad_token_id", tok.pad ? json(*tok.pad) : json(nullptr)},
      // Vision tower: its weights are in model.safetensors under this prefix.
      {"mm_vision_tower", clip_weights_prefix(ClipWeights::kSlimeCheckpoint)},
      {"mm_vision_config", io::to_json(p.clip)},
      {"mm_vision_select_layer", -2},
      {"mm_vision_select_feature", "patch"},
      {"mm_hidden_size", p.clip.hidden_size},
      {"mm_use_im_start_end", false},
      {"mm_use_im_patch_token", false},
      {"tokenizer_model_max_length", 2048},
      {"tokenizer_padding_side", "right"},
      {"init_model", {{"kind", slime ? "slime" : "llava"}, {"preset", o.preset}, {"shape", o.shape}, {"seed", o.seed}}},
  };
  if (slime) {
    c["mm_projector_type"] = "gated";
    c["mm_learnable_gated"] = -1;
    c["mm_resampler_type"] = "cosine";
    c["mm_resampler_dim"] = p.resampler_dim;
    c["mm_resampler_topp"] = 0.95;
    c["mm_resampler_temp"] = 1.0;
    c["mm_patch_merge_type"] = "spatial";
    c["image_aspect_ratio"] = "anyres";
    c["image_grid_pinpoints"] = json::array(
        {{672, 672}, {336, 672}, {672, 336}, {336, 1008}, {1008, 336}, {336, 1344}, {1344, 336}});
    c["seperator"] = tok.seperator;
    c["use_local_only"] = false;
    c["use_global_only"] = false;
  } else {  // LLaVA-1.5
    c["mm_projector_type"] = "mlp2x_gelu";
    c["mm_patch_merge_type"] = "flat";
    c["image_aspect_ratio"] = "pad";
  }
  return c;
}

void init_parameters(torch::nn::Module& module) {
  torch::NoGradGuard no_grad;
  for (const auto& item : module.named_parameters(/*recurse=*/true)) init_parameter(item.key(), item.value());
}

io::ModelConfig init_model_parsed_config(const InitModelOptions& options) {
  const fs::path where = fs::path(options.out_dir.empty() ? "(in memory)" : options.out_dir) / "config.json";
  return io::parse_model_config(init_model_config(options), where.string());
}

io::ClipVisionConfig init_model_clip_config(const io::ModelConfig& config) {
  if (config.vision.clip) return *config.vision.clip;
  throw_error(ErrorCode::kInvalidArgument, "{}: the vision tower '{}' has no known architecture", config.source,
              config.vision.name);
}

InitModelReport init_model(const InitModelOptions& o) {
  if (o.out_dir.empty()) throw_error(ErrorCode::kInvalidArgument, "init-model: no output directory");
  const json cfg_json = init_model_config(o);
  const fs::path out(o.out_dir);
  const io::ModelConfig config = io::parse_model_config(cfg_json, (out / "config.json").string());
  const io::ClipVisionConfig clip_config = init_model_clip_config(config);

  // The fp32 weights live twice at the peak (module parameters + the copies handed to the writer),
  // so refuse up front, naming the limit, rather than be killed half-way (7b-shape needs ~56 GB).
  const io::LlmConfig& llm = config.llm;
  const double llm_params = 2.0 * double(llm.vocab_size) * llm.hidden_size +
                            double(llm.num_hidden_layers) * (4.0 * llm.hidden_size * llm.hidden_size +
                                                             3.0 * llm.hidden_size * llm.intermediate_size);
  const double clip_params = 12.0 * double(clip_config.num_hidden_layers) * clip_config.hidden_size * clip_config.hidden_size;
  const double need_bytes = 2.0 * 4.0 * (llm_params + clip_params);
  const double have_bytes = double(sysconf(_SC_PHYS_PAGES)) * double(sysconf(_SC_PAGE_SIZE));
  if (need_bytes > 0.9 * have_bytes) {
    throw_error(ErrorCode::kUnsupported,
                "init-model: preset '{}' needs about {:.1f} GB of memory for its fp32 weights, this machine has "
                "{:.1f} GB; run it on a larger host",
                o.preset, need_bytes / 1e9, have_bytes / 1e9);
  }

  torch::manual_seed(o.seed);
  std::vector<std::pair<std::string, at::Tensor>> tensors;

  // CLIP: every layer (select_layer -1 builds them all) plus post_layernorm, as the HF
  // CLIPVisionModel state dict has them.
  const bool hf = o.kind == InitKind::kLlavaNext;
  const std::string clip_prefix = clip_weights_prefix(hf ? ClipWeights::kHfLlava : ClipWeights::kSlimeCheckpoint);
  {
    ClipTowerOptions all_layers;
    all_layers.select_layer = -1;
    ClipVisionTower tower(clip_config, all_layers);
    init_and_collect(*tower, clip_prefix, tensors);
    const int64_t c = clip_config.hidden_size;
    tensors.emplace_back(clip_prefix + "post_layernorm.weight", torch::ones({c}));
    tensors.emplace_back(clip_prefix + "post_layernorm.bias", torch::zeros({c}));
  }

  // Projector (gated: shared MLP + R576 + w_gate; mlp2x_gelu: the MLP alone).
  const ProjectorOptions projector_options = ProjectorOptions::from_config(config);
  Projector projector(projector_options);
  if (hf) {  // HF names the MLP's layers linear_1 / linear_2
    std::vector<std::pair<std::string, at::Tensor>> mlp;
    init_and_collect(*projector, "", mlp);
    for (auto& [name, t] : mlp)
      tensors.emplace_back("multi_modal_projector.linear_" + std::string(name[0] == '0' ? "1" : "2") + name.substr(1), t);
    // LlavaNextForConditionalGeneration: randn(D) * 1/sqrt(D)
    const double std_dev = 1.0 / std::sqrt(static_cast<double>(config.llm.hidden_size));
    tensors.emplace_back("image_newline", torch::randn({config.llm.hidden_size}) * std_dev);
  } else {
    init_and_collect(*projector, kProjectorPrefix, tensors);
  }
  if (projector_options.gated()) {  // upstream saves w_noise too (zeros at init, unused at eval)
    tensors.emplace_back(std::string(kProjectorPrefix) + "w_noise", torch::zeros({projector_options.vision_dim, 2}));
  }

  // Local compressor (SliME only): model.sampler.post_qformer.*
  if (o.kind == InitKind::kSlime) {
    LocalBranch branch(LocalBranchOptions::from_config(config), projector->mlp());
    init_and_collect(*branch, "model.sampler.", tensors);
  }

  // LLM: model.embed_tokens, model.layers.*, model.norm, lm_head.
  {
    LlamaForCausalLM llm(config.llm, at::kFloat);
    init_and_collect(*llm, hf ? "language_model." : "", tensors);
  }

  std::sort(tensors.begin(), tensors.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  for (size_t i = 1; i < tensors.size(); ++i)
    if (tensors[i].first == tensors[i - 1].first)
      throw_error(ErrorCode::kInternal, "init-model: tensor '{}' written twice", tensors[i].first);

  std::error_code ec;
  fs::create_directories(out, ec);
  if (ec) throw_error(ErrorCode::kIo, "{}: cannot create: {}", out.string(), ec.message());

  InitModelReport report;
  report.config_path = (out / "config.json").string();
  report.weights_path = (out / "model.safetensors").string();
  {
    std::ofstream f(report.config_path, std::ios::binary | std::ios::trunc);
    if (!f) throw_error(ErrorCode::kIo, "{}: cannot write", report.config_path);
    f << cfg_json.dump(2) << "\n";
    if (!f) throw_error(ErrorCode::kIo, "{}: write failed", report.config_path);
  }
  io::save_safetensors(report.weights_path, tensors, {{"format", "pt"}});

  for (const char* name : {"tokenizer.json", "tokenizer_config.json", "tokenizer.model", "special_tokens_map.json"}) {
    const fs::path src = fs::path(o.tokenizer_dir) / name;
    if (!fs::exists(src)) continue;
    fs::copy_file(src, out / name, fs::copy_options::overwrite_existing, ec);
    if (ec) throw_error(ErrorCode::kIo, "{} -> {}: {}", src.string(), (out / name).string(), ec.message());
    report.copied.push_back(name);
  }

  report.tensors = static_cast<int64_t>(tensors.size());
  report.parameters = parameter_count(tensors);
  report.vocab_size = config.llm.vocab_size;
  report.seperator = cfg_json.contains("seperator") ? config.seperator : -1;
  return report;
}

}  // namespace slime::model
