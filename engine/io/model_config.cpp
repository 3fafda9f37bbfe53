#include "engine/io/model_config.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <regex>
#include <sstream>

#include <fmt/format.h>

#include "engine/common/error.h"
#include "engine/common/input_limits.h"

namespace slime::io {
namespace {

using nlohmann::json;

// Typed access to one JSON object of a config file. Every lookup records its (dotted) key, so
// apply_override can tell a real key from a typo; every error names the file and the key.
class Reader {
 public:
  Reader(const json& object, const std::string& file, std::string prefix, std::set<std::string>* seen)
      : object_(object), file_(file), prefix_(std::move(prefix)), seen_(seen) {}

  // The value of KEY, or nullptr when absent or null (HF configs write null for "unset").
  const json* get(const std::string& key) const {
    seen_->insert(prefix_ + key);
    auto it = object_.find(key);
    return it == object_.end() || it->is_null() ? nullptr : &*it;
  }
  bool has(const std::string& key) const { return get(key) != nullptr; }

  template <typename... Args>
  [[noreturn]] void fail(ErrorCode code, const std::string& key, fmt::format_string<Args...> format,
                         Args&&... args) const {
    throw_error(code, "{}: key '{}{}': {}", file_, prefix_, key,
                fmt::format(format, std::forward<Args>(args)...));
  }

  std::optional<int64_t> opt_int(const std::string& key) const {
    const json* v = get(key);
    if (v == nullptr) return std::nullopt;
    if (!v->is_number_integer()) fail(ErrorCode::kInvalidArgument, key, "expected an integer, got {}", v->dump());
    if (v->is_number_unsigned() && v->get<uint64_t>() > uint64_t(INT64_MAX))
      fail(ErrorCode::kInvalidArgument, key, "{} is out of range", v->dump());
    return v->get<int64_t>();
  }
  int64_t integer(const std::string& key, int64_t fallback) const {
    return opt_int(key).value_or(fallback);
  }
  int64_t positive(const std::string& key, int64_t fallback) const {
    int64_t v = integer(key, fallback);
    if (v < 1) fail(ErrorCode::kInvalidArgument, key, "must be >= 1, got {}", v);
    return v;
  }
  double number(const std::string& key, double fallback) const {
    const json* v = get(key);
    if (v == nullptr) return fallback;
    if (!v->is_number()) fail(ErrorCode::kInvalidArgument, key, "expected a number, got {}", v->dump());
    return v->get<double>();
  }
  bool boolean(const std::string& key, bool fallback) const {
    const json* v = get(key);
    if (v == nullptr) return fallback;
    if (!v->is_boolean()) fail(ErrorCode::kInvalidArgument, key, "expected true or false, got {}", v->dump());
    return v->get<bool>();
  }
  std::string string(const std::string& key, const std::string& fallback) const {
    const json* v = get(key);
    if (v == nullptr) return fallback;
    if (!v->is_string()) fail(ErrorCode::kInvalidArgument, key, "expected a string, got {}", v->dump());
    return v->get<std::string>();
  }
  // A string that must be one of ALLOWED; anything else is a valid but unsupported value.
  std::string choice(const std::string& key, const std::string& fallback,
                     std::initializer_list<const char*> allowed) const {
    std::string v = string(key, fallback);
    for (const char* a : allowed)
      if (v == a) return v;
    fail(ErrorCode::kUnsupported, key, "'{}' is not supported (expected one of: {})", v,
         fmt::join(allowed, ", "));
  }
  Reader child(const std::string& key) const {
    static const json kEmpty = json::object();
    const json* v = get(key);
    if (v != nullptr && !v->is_object()) fail(ErrorCode::kInvalidArgument, key, "expected an object");
    return Reader(v ? *v : kEmpty, file_, prefix_ + key + ".", seen_);
  }
  const std::string& file() const { return file_; }

 private:
  const json& object_;
  const std::string& file_;
  std::string prefix_;
  std::set<std::string>* seen_;
};

json read_json_file(const std::string& path) {
  const std::string text = read_file_limited(path, kMaxSmallJsonBytes, "config JSON");
  try {
    return json::parse(text);
  } catch (const json::exception& e) {
    throw_error(ErrorCode::kFormat, "{}: not valid JSON: {}", path, e.what());
  }
}

std::string config_path(const std::string& path) {
  namespace fs = std::filesystem;
  return fs::is_directory(path) ? (fs::path(path) / "config.json").string() : path;
}

LlmConfig parse_llm(const Reader& r) {
  LlmConfig c;
  c.hidden_size = r.positive("hidden_size", c.hidden_size);
  c.intermediate_size = r.positive("intermediate_size", c.intermediate_size);
  c.num_hidden_layers = r.positive("num_hidden_layers", c.num_hidden_layers);
  c.num_attention_heads = r.positive("num_attention_heads", c.num_attention_heads);
  c.num_key_value_heads = r.positive("num_key_value_heads", c.num_attention_heads);
  c.vocab_size = r.positive("vocab_size", c.vocab_size);
  c.max_position_embeddings = r.positive("max_position_embeddings", c.max_position_embeddings);
  c.rms_norm_eps = r.number("rms_norm_eps", c.rms_norm_eps);
  c.rope_theta = r.number("rope_theta", c.rope_theta);
  if (c.hidden_size % c.num_attention_heads != 0)
    r.fail(ErrorCode::kInvalidArgument, "num_attention_heads", "{} does not divide hidden_size {}",
           c.num_attention_heads, c.hidden_size);
  if (c.num_attention_heads % c.num_key_value_heads != 0)
    r.fail(ErrorCode::kInvalidArgument, "num_key_value_heads", "{} does not divide num_attention_heads {}",
           c.num_key_value_heads, c.num_attention_heads);
  if (!(c.rms_norm_eps > 0)) r.fail(ErrorCode::kInvalidArgument, "rms_norm_eps", "must be > 0");
  if (!(c.rope_theta > 0)) r.fail(ErrorCode::kInvalidArgument, "rope_theta", "must be > 0");
  if (r.has("rope_scaling")) {
    Reader s = r.child("rope_scaling");
    // HF 4.37 writes "type"; later versions write "rope_type" (and add llama3/yarn kinds).
    std::string type = s.has("rope_type") ? s.choice("rope_type", "", {"linear", "dynamic"})
                                          : s.choice("type", "", {"linear", "dynamic"});
    double factor = s.number("factor", 0.0);
    if (!(factor > 1.0)) s.fail(ErrorCode::kInvalidArgument, "factor", "must be a number > 1, got {}", factor);
    c.rope_scaling = RopeScaling{type, factor};
  }
  c.tie_word_embeddings = r.boolean("tie_word_embeddings", c.tie_word_embeddings);
  c.bos_token_id = r.has("bos_token_id") ? r.opt_int("bos_token_id") : c.bos_token_id;
  if (const json* eos = r.get("eos_token_id"); eos && eos->is_array()) {
    c.eos_token_ids.clear();
    for (const json& id : *eos) {
      if (!id.is_number_integer()) r.fail(ErrorCode::kInvalidArgument, "eos_token_id", "expected integers");
      c.eos_token_ids.push_back(id.get<int64_t>());
    }
  } else if (eos) {
    c.eos_token_ids = {*r.opt_int("eos_token_id")};
  }
  c.pad_token_id = r.opt_int("pad_token_id");
  c.torch_dtype = r.choice("torch_dtype", "", {"", "float16", "bfloat16", "float32"});
  c.hidden_act = r.choice("hidden_act", c.hidden_act, {"silu"});
  if (r.boolean("attention_bias", false))
    r.fail(ErrorCode::kUnsupported, "attention_bias", "Llama attention with biases is not supported");
  return c;
}

ClipVisionConfig parse_clip(const Reader& r) {
  ClipVisionConfig c;
  c.hidden_size = r.positive("hidden_size", c.hidden_size);
  c.intermediate_size = r.positive("intermediate_size", c.intermediate_size);
  c.num_hidden_layers = r.positive("num_hidden_layers", c.num_hidden_layers);
  c.num_attention_heads = r.positive("num_attention_heads", c.num_attention_heads);
  c.image_size = r.positive("image_size", c.image_size);
  c.patch_size = r.positive("patch_size", c.patch_size);
  c.num_channels = r.positive("num_channels", c.num_channels);
  c.hidden_act = r.choice("hidden_act", c.hidden_act, {"quick_gelu", "gelu"});
  c.layer_norm_eps = r.number("layer_norm_eps", c.layer_norm_eps);
  if (c.image_size % c.patch_size != 0)
    r.fail(ErrorCode::kInvalidArgument, "patch_size", "{} does not divide image_size {}", c.patch_size, c.image_size);
  if (c.hidden_size % c.num_attention_heads != 0)
    r.fail(ErrorCode::kInvalidArgument, "num_attention_heads", "{} does not divide hidden_size {}",
           c.num_attention_heads, c.hidden_size);
  if (!(c.layer_norm_eps > 0)) r.fail(ErrorCode::kInvalidArgument, "layer_norm_eps", "must be > 0");
  return c;
}

// The towers LLaVA-family checkpoints name but do not contain (config of the hub repositories).
std::optional<ClipVisionConfig> builtin_tower(const std::string& name) {
  const std::string base = std::filesystem::path(name).filename().string();
  if (base != "clip-vit-large-patch14-336" && base != "clip-vit-large-patch14") return std::nullopt;
  ClipVisionConfig c;
  c.hidden_size = 1024;
  c.intermediate_size = 4096;
  c.num_hidden_layers = 24;
  c.num_attention_heads = 16;
  c.patch_size = 14;
  c.image_size = base == "clip-vit-large-patch14-336" ? 336 : 224;
  return c;
}

ProjectorConfig parse_projector(const Reader& r, bool hf) {
  ProjectorConfig p;
  if (hf) {  // HF's LlavaMultiModalProjector is linear -> act -> linear, i.e. mlp2x_<act>
    r.choice("projector_hidden_act", "gelu", {"gelu"});
    p.type = "mlp2x_gelu";
  } else {
    p.type = r.string("mm_projector_type", p.type);
  }
  static const std::regex mlp(R"(mlp([0-9]+)x_gelu)");
  std::smatch m;
  if (p.type == "linear") {
    p.kind = ProjectorKind::kLinear;
  } else if (p.type == "identity") {
    p.kind = ProjectorKind::kIdentity;
    p.mlp_depth = 0;
  } else if (p.type == "gated") {
    p.kind = ProjectorKind::kGated;
    p.mlp_depth = 2;
  } else if (std::regex_match(p.type, m, mlp) && m[1].str().size() < 4 && std::stoi(m[1]) >= 1) {
    p.kind = ProjectorKind::kMlpGelu;
    p.mlp_depth = std::stoi(m[1]);
  } else {
    r.fail(ErrorCode::kUnsupported, "mm_projector_type",
           "'{}' is not supported (gated, mlpNx_gelu, linear, identity)", p.type);
  }
  p.learnable_gated = r.integer("mm_learnable_gated", p.learnable_gated);
  if (p.learnable_gated < -1 || p.learnable_gated > 1)
    r.fail(ErrorCode::kInvalidArgument, "mm_learnable_gated", "must be -1, 0 or 1, got {}", p.learnable_gated);
  return p;
}

ResamplerConfig parse_resampler(const Reader& r) {
  ResamplerConfig s;
  s.type = r.string("mm_resampler_type", s.type);
  if (s.type == "qformer")
    r.fail(ErrorCode::kUnsupported, "mm_resampler_type", "'qformer' (the unused attention router) is not supported");
  s.type = r.choice("mm_resampler_type", s.type, {"cosine", "identity", "none"});
  s.dim = r.positive("mm_resampler_dim", s.dim);
  if (s.grid() * s.grid() != s.dim)
    r.fail(ErrorCode::kInvalidArgument, "mm_resampler_dim", "{} is not a perfect square", s.dim);
  s.topp = r.number("mm_resampler_topp", s.topp);
  if (!(s.topp > 0 && s.topp <= 1))
    r.fail(ErrorCode::kInvalidArgument, "mm_resampler_topp", "must be in (0, 1], got {}", s.topp);
  s.temp = r.number("mm_resampler_temp", s.temp);
  if (!(s.temp > 0)) r.fail(ErrorCode::kInvalidArgument, "mm_resampler_temp", "must be > 0, got {}", s.temp);
  return s;
}

SelectorConfig parse_selector(const Reader& r) {
  SelectorConfig s;
  s.mode = r.choice("selector_mode", s.mode, {"topp", "topk", "all"});
  if (r.has("selector_topk")) s.topk = r.positive("selector_topk", 1);
  if (s.mode == "topk" && !s.topk)
    r.fail(ErrorCode::kInvalidArgument, "selector_topk", "selector_mode 'topk' needs selector_topk >= 1");
  s.softmax = r.choice("selector_softmax", s.softmax, {"double", "single"});
  s.impl = r.choice("selector_impl", s.impl, {"exact", "fused"});
  return s;
}

std::vector<std::array<int64_t, 2>> parse_pinpoints(const Reader& r) {
  std::vector<std::array<int64_t, 2>> out;
  const json* v = r.get("image_grid_pinpoints");
  if (v == nullptr) return out;
  if (!v->is_array())
    r.fail(ErrorCode::kUnsupported, "image_grid_pinpoints", "expected a list of [width, height] pairs");
  for (const json& p : *v) {
    if (!p.is_array() || p.size() != 2 || !p[0].is_number_integer() || !p[1].is_number_integer() ||
        p[0].get<int64_t>() < 1 || p[1].get<int64_t>() < 1)
      r.fail(ErrorCode::kInvalidArgument, "image_grid_pinpoints", "{} is not a positive [width, height] pair", p.dump());
    out.push_back({p[0].get<int64_t>(), p[1].get<int64_t>()});
  }
  return out;
}

}  // namespace

const char* model_kind_name(ModelKind kind) {
  switch (kind) {
    case ModelKind::kSlime: return "slime";
    case ModelKind::kLlava: return "llava";
    case ModelKind::kLlavaNext: return "llava_next";
  }
  return "unknown";
}

int64_t ResamplerConfig::grid() const {
  return static_cast<int64_t>(std::llround(std::sqrt(static_cast<double>(dim))));
}

ModelConfig parse_model_config(const json& config, const std::string& source) {
  ModelConfig c;
  c.source = source;
  c.raw = config;
  if (!config.is_object()) throw_error(ErrorCode::kFormat, "{}: config is not a JSON object", source);
  const Reader top(c.raw, c.source, "", &c.keys);
  const bool hf = top.has("text_config") || top.has("vision_config");
  c.layout = hf ? "hf" : "llava";
  c.model_type = hf ? top.choice("model_type", "", {"llava", "llava_next"})
                    : top.choice("model_type", "", {"llava", "llava_llama"});
  if (const json* a = top.get("architectures"); a && a->is_array())
    for (const json& name : *a)
      if (name.is_string()) c.architectures.push_back(name.get<std::string>());

  // LLM
  if (hf) {
    Reader text = top.child("text_config");
    text.choice("model_type", "llama", {"llama"});
    c.llm = parse_llm(text);
    if (!c.llm.pad_token_id) c.llm.pad_token_id = top.opt_int("pad_token_id");
  } else {
    c.llm = parse_llm(top);
  }

  // Vision tower
  VisionTowerConfig& v = c.vision;
  if (hf) {
    Reader vision = top.child("vision_config");
    v.name = vision.string("_name_or_path", "");
    v.clip = parse_clip(vision);
    v.clip_source = "vision_config";
    v.select_layer = top.integer("vision_feature_layer", v.select_layer);
    v.select_feature = top.choice("vision_feature_select_strategy", "default", {"default", "full"}) == "full"
                           ? "cls_patch" : "patch";
    v.mm_hidden_size = v.clip->hidden_size;
  } else {
    v.name = top.string("mm_vision_tower", "");
    if (v.name.empty())
      top.fail(ErrorCode::kUnsupported, "mm_vision_tower", "missing: not a LLaVA/SliME multimodal config");
    if (top.has("mm_vision_config")) {
      // The tower's own CLIPVisionConfig fields, for towers that are not a known openai CLIP
      // (the random models of `slime init-model`; a tower stored inside the checkpoint).
      v.clip = parse_clip(top.child("mm_vision_config"));
      v.clip_source = "mm_vision_config";
    } else {
      v.clip = builtin_tower(v.name);
      if (v.clip) v.clip_source = "builtin";
    }
    v.select_layer = top.integer("mm_vision_select_layer", v.select_layer);
    v.select_feature = top.choice("mm_vision_select_feature", v.select_feature, {"patch", "cls_patch"});
    if (!top.has("mm_hidden_size") && !v.clip)
      top.fail(ErrorCode::kInvalidArgument, "mm_hidden_size", "missing, and tower '{}' is not a known one", v.name);
    v.mm_hidden_size = top.positive("mm_hidden_size", v.clip ? v.clip->hidden_size : 0);
  }
  if (v.clip) {
    if (v.mm_hidden_size != v.clip->hidden_size)
      top.fail(ErrorCode::kInvalidArgument, "mm_hidden_size", "{} differs from the tower's hidden_size {}",
               v.mm_hidden_size, v.clip->hidden_size);
    // hidden_states has num_hidden_layers + 1 entries (embeddings first), indexed from either end.
    const int64_t n = v.clip->num_hidden_layers + 1;
    if (v.select_layer < -n || v.select_layer >= n)
      top.fail(ErrorCode::kInvalidArgument, hf ? "vision_feature_layer" : "mm_vision_select_layer",
               "{} is outside the tower's {} hidden states", v.select_layer, n);
  }

  // Adapters, compressor, selector: SliME keys are simply absent from LLaVA configs.
  c.projector = parse_projector(top, hf);
  c.resampler = parse_resampler(top);
  c.selector = parse_selector(top);

  // Image and splice
  const bool next = c.model_type == "llava_next";
  c.image_aspect_ratio = top.choice("image_aspect_ratio", hf && next ? "anyres" : "square",
                                    {"square", "pad", "anyres"});
  c.image_grid_pinpoints = parse_pinpoints(top);
  c.mm_patch_merge_type = top.choice("mm_patch_merge_type", hf && next ? "spatial_unpad" : "flat",
                                     {"flat", "spatial", "spatial_unpad"});
  c.use_global_only = top.boolean("use_global_only", false);
  c.use_local_only = top.boolean("use_local_only", false);
  if (c.use_global_only && c.use_local_only)
    top.fail(ErrorCode::kInvalidArgument, "use_local_only", "use_global_only and use_local_only are both true");
  c.seperator = top.integer("seperator", c.seperator);
  c.tokenizer_model_max_length = top.positive("tokenizer_model_max_length", c.tokenizer_model_max_length);
  c.mm_use_im_start_end = top.boolean("mm_use_im_start_end", c.mm_use_im_start_end);
  c.mm_use_im_patch_token = top.boolean("mm_use_im_patch_token", c.mm_use_im_patch_token);
  if (hf) c.image_token_index = top.integer("image_token_index", 32000);  // HF LlavaConfig default

  // Kind: see the rule in model_config.h.
  const std::string forced = top.choice("model_kind", "", {"", "slime", "llava", "llava_next"});
  if (forced == "slime" || (forced.empty() && (c.projector.kind == ProjectorKind::kGated ||
                                               c.resampler.type == "cosine")))
    c.kind = ModelKind::kSlime;
  else if (forced == "llava_next" || (forced.empty() && (next || c.image_aspect_ratio == "anyres")))
    c.kind = ModelKind::kLlavaNext;
  else
    c.kind = ModelKind::kLlava;
  // Only SliME embeds the separator; LLaVA configs (e.g. tiny synthetic ones) may leave the
  // default 1919 outside their vocabulary.
  if (c.kind == ModelKind::kSlime && (c.seperator < 0 || c.seperator >= c.llm.vocab_size))
    top.fail(ErrorCode::kInvalidArgument, "seperator", "token id {} is outside the vocabulary of {}",
             c.seperator, c.llm.vocab_size);
  return c;
}

ModelConfig load_model_config(const std::string& path) {
  const std::string file = config_path(path);
  return parse_model_config(read_json_file(file), file);
}

void apply_overrides(ModelConfig& config, const std::vector<std::string>& key_values) {
  if (key_values.empty()) return;
  json raw = config.raw;
  std::vector<std::string> keys;
  for (const std::string& key_value : key_values) {
    // The key and a bare-word value become JSON strings (config.raw, messages, results): invalid
    // UTF-8 there made every later dump() throw json::type_error (found by
    // tests/fuzz/fuzz_model_config).
    try {
      (void)json(key_value).dump();
    } catch (const json::type_error&) {
      throw_error(ErrorCode::kInvalidArgument, "--set: '{}' is not valid UTF-8",
                  json(key_value).dump(-1, ' ', false, json::error_handler_t::replace));
    }
    const size_t eq = key_value.find('=');
    if (eq == std::string::npos || eq == 0)
      throw_error(ErrorCode::kInvalidArgument, "--set '{}': expected key=value", key_value);
    const std::string key = key_value.substr(0, eq);
    const std::string text = key_value.substr(eq + 1);
    json value = json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (value.is_discarded()) value = text;  // a bare word such as topk

    json* slot = &raw;
    size_t start = 0;
    for (size_t dot; (dot = key.find('.', start)) != std::string::npos; start = dot + 1) {
      slot = &(*slot)[key.substr(start, dot - start)];
      if (!slot->is_object())
        throw_error(ErrorCode::kInvalidArgument, "--set {}: '{}' is not an object in {}", key,
                    key.substr(0, dot), config.source);
    }
    (*slot)[key.substr(start)] = value;
    keys.push_back(key);
  }
  // Validated once, after every override: knobs that depend on each other (selector_mode=topk
  // needs selector_topk) can come in any order.
  const std::string what = key_values.size() == 1 ? key_values[0] : fmt::format("{}", fmt::join(key_values, " "));
  ModelConfig updated;
  try {
    updated = parse_model_config(raw, config.source);
  } catch (const Error& e) {
    throw Error(e.code(), fmt::format("--set {}: {}", what, e.what()));
  }
  for (size_t i = 0; i < keys.size(); ++i)
    if (updated.keys.count(keys[i]) == 0)
      throw_error(ErrorCode::kInvalidArgument, "--set {}: unknown config key '{}' for {}", key_values[i], keys[i],
                  config.source);
  config = std::move(updated);
}

void apply_override(ModelConfig& config, const std::string& key_value) { apply_overrides(config, {key_value}); }

ClipVisionConfig load_clip_vision_config(const std::string& path) {
  const std::string file = config_path(path);
  const json config = read_json_file(file);
  if (!config.is_object()) throw_error(ErrorCode::kFormat, "{}: config is not a JSON object", file);
  std::set<std::string> seen;
  const Reader top(config, file, "", &seen);
  return top.has("vision_config") ? parse_clip(top.child("vision_config")) : parse_clip(top);
}

json to_json(const ClipVisionConfig& c) {
  return {{"hidden_size", c.hidden_size}, {"intermediate_size", c.intermediate_size},
          {"num_hidden_layers", c.num_hidden_layers}, {"num_attention_heads", c.num_attention_heads},
          {"image_size", c.image_size}, {"patch_size", c.patch_size}, {"num_channels", c.num_channels},
          {"hidden_act", c.hidden_act}, {"layer_norm_eps", c.layer_norm_eps}};
}

json to_json(const ModelConfig& c) {
  auto optional = [](const auto& v) { return v ? json(*v) : json(nullptr); };
  const LlmConfig& l = c.llm;
  json llm = {{"model_type", l.model_type}, {"hidden_size", l.hidden_size},
              {"intermediate_size", l.intermediate_size}, {"num_hidden_layers", l.num_hidden_layers},
              {"num_attention_heads", l.num_attention_heads}, {"num_key_value_heads", l.num_key_value_heads},
              {"vocab_size", l.vocab_size}, {"max_position_embeddings", l.max_position_embeddings},
              {"rms_norm_eps", l.rms_norm_eps}, {"rope_theta", l.rope_theta},
              {"rope_scaling", l.rope_scaling ? json{{"type", l.rope_scaling->type}, {"factor", l.rope_scaling->factor}}
                                              : json(nullptr)},
              {"tie_word_embeddings", l.tie_word_embeddings}, {"bos_token_id", optional(l.bos_token_id)},
              {"eos_token_id", l.eos_token_ids}, {"pad_token_id", optional(l.pad_token_id)},
              {"torch_dtype", l.torch_dtype}, {"hidden_act", l.hidden_act}};
  const VisionTowerConfig& v = c.vision;
  json vision = {{"mm_vision_tower", v.name}, {"mm_vision_select_layer", v.select_layer},
                 {"mm_vision_select_feature", v.select_feature}, {"mm_hidden_size", v.mm_hidden_size},
                 {"clip", v.clip ? to_json(*v.clip) : json(nullptr)}, {"clip_source", v.clip_source}};
  return {{"source", c.source}, {"layout", c.layout}, {"kind", model_kind_name(c.kind)},
          {"model_type", c.model_type}, {"architectures", c.architectures}, {"llm", llm}, {"vision", vision},
          {"projector", {{"mm_projector_type", c.projector.type}, {"mlp_depth", c.projector.mlp_depth},
                         {"mm_learnable_gated", c.projector.learnable_gated}}},
          {"resampler", {{"mm_resampler_type", c.resampler.type}, {"mm_resampler_dim", c.resampler.dim},
                         {"mm_resampler_topp", c.resampler.topp}, {"mm_resampler_temp", c.resampler.temp}}},
          {"selector", {{"selector_mode", c.selector.mode}, {"selector_topk", optional(c.selector.topk)},
                        {"selector_softmax", c.selector.softmax}, {"selector_impl", c.selector.impl}}},
          {"image_aspect_ratio", c.image_aspect_ratio}, {"image_grid_pinpoints", c.image_grid_pinpoints},
          {"mm_patch_merge_type", c.mm_patch_merge_type}, {"use_global_only", c.use_global_only},
          {"use_local_only", c.use_local_only}, {"seperator", c.seperator},
          {"tokenizer_model_max_length", c.tokenizer_model_max_length},
          {"mm_use_im_start_end", c.mm_use_im_start_end}, {"mm_use_im_patch_token", c.mm_use_im_patch_token},
          {"image_token_index", c.image_token_index}};
}

}  // namespace slime::io
