#include "engine/model/vlm.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <set>

#include <fmt/format.h>
#include <torch/cuda.h>
#include <torch/torch.h>

#include "engine/common/error.h"
#include "engine/io/checkpoint.h"
#include "engine/model/llava.h"
#include "engine/model/llava_next.h"
#include "engine/model/slime.h"
#include "engine/text/image_tokens.h"

namespace slime::model {
namespace fs = std::filesystem;

namespace {

bool starts_with(const std::string& s, const std::string& p) { return s.compare(0, p.size(), p) == 0; }

// Names a loader consumed, or knowingly skipped as belonging to it.
struct Consumed {
  std::set<std::string> names;
  void add(const std::vector<std::string>& list) { names.insert(list.begin(), list.end()); }
};

// HF's LlavaMultiModalProjector names its layers linear_1 / linear_2; ours are "0" / "2" (upstream
// nn.Sequential).
std::string hf_projector_name(const std::string& module_name) {
  if (starts_with(module_name, "0.")) return "linear_1." + module_name.substr(2);
  if (starts_with(module_name, "2.")) return "linear_2." + module_name.substr(2);
  return module_name;
}

ClipVisionTower load_tower(const io::ModelConfig& config, const io::Checkpoint& ckpt, const ClipLoadOptions& load,
                           Consumed& consumed) {
  const std::string prefix = clip_weights_prefix(load.source);
  const auto names = ckpt.names();
  const bool in_checkpoint =
      std::any_of(names.begin(), names.end(), [&](const std::string& n) { return starts_with(n, prefix); });
  if (in_checkpoint) {
    ClipVisionTower tower = load_clip_vision_tower(config.vision, ckpt, load);
    // The report lists the loaded and skipped names; the tower consumed everything under prefix.
    for (const std::string& n : names)
      if (starts_with(n, prefix)) consumed.names.insert(n);
    return tower;
  }
  // Released LLaVA/SliME checkpoints name the tower (openai/clip-vit-large-patch14-336) instead of
  // carrying it: a local directory of that name works, as in upstream's CLIPVisionTower.
  if (!config.vision.name.empty() && fs::is_directory(config.vision.name)) {
    ClipTowerOptions tower;
    tower.select_layer = config.vision.select_layer;
    tower.feature = parse_clip_feature(config.vision.select_feature);
    ClipLoadOptions repo = load;
    repo.source = ClipWeights::kClipRepo;
    return load_clip_vision_tower(config.vision.name, tower, repo);
  }
  throw_error(ErrorCode::kNotFound,
              "{}: the checkpoint holds no vision tower tensors under '{}', and mm_vision_tower '{}' is not a local "
              "directory; point it at a converted CLIP folder with --set mm_vision_tower=DIR",
              ckpt.path(), prefix, config.vision.name);
}

}  // namespace

int64_t Vlm::crop_size() const { return tower->config().image_size; }

void add_time(StageTimes& times, const std::string& stage, double ms) {
  for (auto& [name, value] : times)
    if (name == stage) {
      value += ms;
      return;
    }
  times.emplace_back(stage, ms);
}

void sync_device(const at::Device& device) {
  if (device.is_cuda()) torch::cuda::synchronize(device.index());
}

at::Device parse_device(const std::string& name) {
  if (name == "cpu") return at::kCPU;
  if (name == "cuda" || name.rfind("cuda:", 0) == 0) {
    if (!torch::cuda::is_available())
      throw_error(ErrorCode::kUnsupported, "device '{}': no CUDA device is available to this LibTorch build", name);
    return at::Device(name);
  }
  throw_error(ErrorCode::kInvalidArgument, "unknown device '{}' (cpu, cuda, cuda:N)", name);
}

at::ScalarType parse_dtype(const std::string& name) {
  if (name == "fp32" || name == "float32") return at::kFloat;
  if (name == "bf16" || name == "bfloat16") return at::kBFloat16;
  if (name == "fp16" || name == "float16" || name == "half") return at::kHalf;
  throw_error(ErrorCode::kInvalidArgument, "unknown dtype '{}' (fp32, bf16, fp16)", name);
}

const char* dtype_name(at::ScalarType dtype) {
  switch (dtype) {
    case at::kFloat: return "fp32";
    case at::kBFloat16: return "bf16";
    case at::kHalf: return "fp16";
    default: return "other";
  }
}

StageClock::StageClock(at::Device device) : device_(device) {
  sync_device(device_);
  last_ = std::chrono::steady_clock::now();
}

void StageClock::lap(StageTimes& times, const std::string& stage) {
  sync_device(device_);
  const auto now = std::chrono::steady_clock::now();
  add_time(times, stage, std::chrono::duration<double, std::milli>(now - last_).count());
  last_ = now;
}

Vlm load_vlm(const std::string& dir, const VlmLoadOptions& options) {
  Vlm v;
  v.dir = dir;
  v.config = io::load_model_config(dir);
  io::apply_overrides(v.config, options.overrides);
  v.device = options.device;
  v.dtype = options.dtype;
  v.vision_dtype = options.vision_dtype.value_or(options.dtype);
  const io::ModelConfig& c = v.config;
  const bool hf = c.layout == "hf";

  const std::string tok_dir = options.tokenizer_dir.empty() ? dir : options.tokenizer_dir;
  if (fs::exists(fs::path(tok_dir) / "tokenizer.json"))
    v.tokenizer = std::make_shared<const text::Tokenizer>(text::Tokenizer::from_dir(tok_dir));
  else if (options.require_tokenizer)
    throw_error(ErrorCode::kNotFound, "{}: no tokenizer.json (convert the tokenizer with HF tokenizers, or pass --tokenizer DIR)",
                tok_dir);

  const io::Checkpoint ckpt = io::Checkpoint::open(dir);
  Consumed consumed;

  ClipLoadOptions clip_load;
  clip_load.source = hf ? ClipWeights::kHfLlava : ClipWeights::kSlimeCheckpoint;
  clip_load.dtype = v.vision_dtype;
  clip_load.device = v.device;
  v.tower = load_tower(c, ckpt, clip_load, consumed);
  v.tower->eval();

  io::LoadOptions module_load;
  module_load.dtype = v.dtype;
  module_load.device = v.device;
  v.projector = Projector(ProjectorOptions::from_config(c));
  if (hf) {
    io::LoadOptions o = module_load;
    o.rename = hf_projector_name;
    const io::LoadReport r = load_projector(v.projector, ckpt, o, "multi_modal_projector.");
    consumed.add(r.loaded), consumed.add(r.ignored);
  } else {
    const io::LoadReport r = load_projector(v.projector, ckpt, module_load);
    consumed.add(r.loaded), consumed.add(r.ignored);
  }
  v.projector->eval();

  if (c.kind == io::ModelKind::kSlime) {
    v.selector = selector_config_from(c);
    if (c.resampler.type == "cosine") {
      v.local = LocalBranch(LocalBranchOptions::from_config(c), v.projector->mlp());
      const io::LoadReport r = load_local_branch(v.local, ckpt, module_load);
      consumed.add(r.loaded), consumed.add(r.ignored);
      v.local->eval();
    } else if (!c.use_global_only) {
      throw_error(ErrorCode::kUnsupported,
                  "{}: mm_resampler_type '{}' has no local compressor; set use_global_only=true to run the global branch",
                  c.source, c.resampler.type);
    }
  }
  if (c.kind == io::ModelKind::kLlavaNext) {
    const std::string key = hf ? "image_newline" : "model.image_newline";
    if (ckpt.find(key) == nullptr)
      throw_error(ErrorCode::kNotFound, "{}: a llava_next checkpoint needs '{}' [{}]", ckpt.path(), key,
                  c.llm.hidden_size);
    v.image_newline = io::load_tensor(ckpt, key, v.device, v.dtype);
    if (v.image_newline.dim() != 1 || v.image_newline.size(0) != c.llm.hidden_size)
      throw_error(ErrorCode::kShape, "{}: tensor '{}': shape {}, expected [{}]", ckpt.file_of(key).path(), key,
                  io::shape_str(v.image_newline.sizes()), c.llm.hidden_size);
    consumed.names.insert(key);
  }

  v.llm = LlamaForCausalLM(c.llm, at::TensorOptions().dtype(v.dtype).device(v.device));
  LlamaLoadOptions llm_load;
  llm_load.prefix = hf ? "language_model." : "";
  llm_load.dtype = v.dtype;
  llm_load.device = v.device;
  const LlamaLoadReport lr = load_llama_weights(v.llm, ckpt, llm_load);
  consumed.add(lr.loaded);
  for (const std::string& n : lr.skipped) {  // the tied head and rotary buffers are the LLM's own
    const std::string rel = n.substr(llm_load.prefix.size());
    if (starts_with(n, llm_load.prefix) && (rel == "lm_head.weight" || n.find("rotary_emb.inv_freq") != std::string::npos))
      consumed.names.insert(n);
  }
  v.llm->eval();

  std::vector<std::string> unused;
  for (const std::string& n : ckpt.names())
    if (!consumed.names.count(n)) unused.push_back(n);
  if (!unused.empty()) {
    const size_t shown = std::min<size_t>(unused.size(), 5);
    throw_error(ErrorCode::kFormat, "{}: {} tensor(s) not used by any module of a {} model ({}): {}{}", ckpt.path(),
                unused.size(), io::model_kind_name(c.kind), v.projector->options().mode_name(),
                fmt::join(unused.begin(), unused.begin() + shown, ", "), unused.size() > shown ? ", ..." : "");
  }
  return v;
}

std::string decode_answer(const text::Tokenizer& tokenizer, const std::vector<int64_t>& ids, bool strip) {
  std::vector<int32_t> known;
  known.reserve(ids.size());
  for (int64_t id : ids)
    if (id >= 0 && id < tokenizer.vocab_size()) known.push_back(static_cast<int32_t>(id));
  std::string text = tokenizer.decode(known, /*skip_special_tokens=*/true);
  if (!strip) return text;
  const auto b = text.find_first_not_of(" \t\n\r\f\v");
  if (b == std::string::npos) return "";
  return text.substr(b, text.find_last_not_of(" \t\n\r\f\v") - b + 1);
}

at::Tensor embed_ids(Vlm& vlm, const std::vector<int32_t>& ids) {
  std::vector<int64_t> wide(ids.begin(), ids.end());
  for (int64_t id : wide)
    if (id < 0 || id >= vlm.config.llm.vocab_size)
      throw_error(ErrorCode::kInvalidArgument, "token id {} outside the vocabulary [0, {})", id, vlm.config.llm.vocab_size);
  const at::Tensor t = torch::tensor(wide, torch::kLong).to(vlm.device);
  return vlm.llm->embed(t.unsqueeze(0))[0];  // [n, D]
}

PreparedPrompt prepare_prompt(Vlm& vlm, const std::vector<int32_t>& ids, const image::RgbImage* image,
                              NamedTensors* dump) {
  torch::NoGradGuard no_grad;
  PreparedPrompt p;
  p.ids = ids;
  const size_t tags = text::count_image_tokens(ids);
  if (tags > 1)
    throw_error(ErrorCode::kInvalidArgument, "the prompt holds {} image placeholders; one image per prompt is supported", tags);
  if (image != nullptr && tags == 0)
    throw_error(ErrorCode::kInvalidArgument, "an image was given but the prompt has no <image> placeholder");
  if (image == nullptr && tags == 1)
    throw_error(ErrorCode::kInvalidArgument, "the prompt has an <image> placeholder but no image was given");
  if (ids.empty()) throw_error(ErrorCode::kInvalidArgument, "empty prompt");

  if (image == nullptr) {
    p.inputs_embeds = embed_ids(vlm, ids);
  } else {
    ImageBlock block;
    switch (vlm.config.kind) {
      case io::ModelKind::kSlime: block = slime_image_block(vlm, *image, ids, dump, p.times); break;
      case io::ModelKind::kLlava: block = llava_image_block(vlm, *image, dump, p.times); break;
      case io::ModelKind::kLlavaNext: block = llava_next_image_block(vlm, *image, dump, p.times); break;
    }
    p.visual = block.visual;
    p.image_rows = block.rows.size(0);
    // [embed(ids before); block; embed(ids after)] (model.md §8.3)
    const auto at = std::find(ids.begin(), ids.end(), text::kImageTokenId);
    const std::vector<int32_t> before(ids.begin(), at), after(at + 1, ids.end());
    std::vector<at::Tensor> parts;
    if (!before.empty()) parts.push_back(embed_ids(vlm, before));
    parts.push_back(block.rows.to(vlm.dtype));
    if (!after.empty()) parts.push_back(embed_ids(vlm, after));
    p.inputs_embeds = torch::cat(parts, 0);
  }
  // Upstream cuts the spliced sequence when the config carries tokenizer_model_max_length, at
  // inference too (model.md §8.4); HF-layout configs have no such key and are not cut.
  if (vlm.config.raw.contains("tokenizer_model_max_length") && !vlm.config.raw["tokenizer_model_max_length"].is_null()) {
    const int64_t max_len = vlm.config.tokenizer_model_max_length;
    if (p.inputs_embeds.size(0) > max_len) {
      p.truncated_rows = p.inputs_embeds.size(0) - max_len;
      p.inputs_embeds = p.inputs_embeds.slice(0, 0, max_len);
    }
  }
  dump_tensor(dump, "splice.inputs_embeds", p.inputs_embeds);
  return p;
}

std::vector<int64_t> stop_ids_for(const Vlm& vlm, std::optional<text::Template> chat_template) {
  std::vector<int64_t> out;
  auto add = [&](int64_t id) {
    if (std::find(out.begin(), out.end(), id) == out.end()) out.push_back(id);
  };
  if (chat_template && vlm.tokenizer)
    for (int32_t id : text::stop_tokens(*chat_template, *vlm.tokenizer).ids) add(id);
  for (int64_t id : vlm.config.llm.eos_token_ids) add(id);
  return out;
}

runtime::GenerateResult generate_prepared(Vlm& vlm, const std::vector<PreparedPrompt>& prompts,
                                          const runtime::GenerateOptions& options) {
  std::vector<at::Tensor> embeds;
  embeds.reserve(prompts.size());
  for (const PreparedPrompt& p : prompts) embeds.push_back(p.inputs_embeds);
  return runtime::generate(vlm.llm, embeds, options);
}

QuestionPrompt build_question_prompt(const Vlm& vlm, text::Template chat_template, const std::string& question,
                                     bool has_image, bool raw) {
  if (!vlm.tokenizer) throw_error(ErrorCode::kInvalidArgument, "{}: model loaded without a tokenizer", vlm.dir);
  // Every LLaVA-family runner puts "<image>\n" before the question; a prompt that already holds the
  // tag keeps it where it is.
  std::string q = question;
  const bool has_tag = text::count_image_tags(q) > 0;
  if (has_image && !has_tag) q = text::with_image_tag(q);
  if (!has_image && has_tag) throw_error(ErrorCode::kInvalidArgument, "the prompt holds <image> but no image was given");
  QuestionPrompt out;
  out.text = raw ? q : text::render_prompt(chat_template, q);
  out.ids = text::tokenize_prompt(*vlm.tokenizer, chat_template, out.text);
  return out;
}

std::string decode_answer(const Vlm& vlm, const std::vector<int64_t>& tokens) {
  if (!vlm.tokenizer) throw_error(ErrorCode::kInvalidArgument, "{}: model loaded without a tokenizer", vlm.dir);
  return decode_answer(*vlm.tokenizer, tokens);
}

}  // namespace slime::model
