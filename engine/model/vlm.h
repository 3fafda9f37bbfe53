// A loaded multimodal checkpoint and its inference pipeline (architecture.md data flow):
//   image -> preprocess -> vision tower -> (kind-specific image block) -> splice into the prompt's
//   embeddings -> truncate -> Llama decoder -> generate.
// The model kind comes from config.json (io::ModelConfig::kind):
//   slime       global tokens (gated adapters), separator, text-selected local tokens (slime.*)
//   llava       LLaVA-1.5: one 336² view, 576 tokens through mlp2x_gelu (llava.*)
//   llava_next  LLaVA-NeXT anyres with pinpoints, unpad and image_newline, as HF transformers (llava_next.*)
// Two checkpoint layouts load: the flat LLaVA/SliME one (model.*, model.mm_projector.*,
// model.vision_tower.vision_tower.*) and HF's (language_model.*, multi_modal_projector.*,
// vision_tower.*, image_newline).
#pragma once
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <torch/types.h>

#include "engine/image/decode.h"
#include "engine/io/model_config.h"
#include "engine/model/adapters.h"
#include "engine/model/clip.h"
#include "engine/model/image_block.h"
#include "engine/model/llama.h"
#include "engine/model/local_branch.h"
#include "engine/model/resampler.h"  // NamedTensors
#include "engine/model/selector.h"
#include "engine/runtime/generate.h"
#include "engine/text/chat_template.h"
#include "engine/text/tokenizer.h"

namespace slime::model {

struct VlmLoadOptions {
  at::Device device = at::kCPU;
  at::ScalarType dtype = at::kFloat;           // LLM, adapters, compressor
  std::optional<at::ScalarType> vision_dtype;  // CLIP tower (default: dtype)
  std::vector<std::string> overrides;          // `--set key=value`, applied to config.json first
  std::string tokenizer_dir;                   // default: the model directory
  bool require_tokenizer = true;               // false: ids-only use (parity tests)
};

// Every module a model kind needs, loaded strictly (every checkpoint tensor is used or known to be
// unused), on one device.
struct Vlm {
  std::string dir;
  io::ModelConfig config;
  std::shared_ptr<const text::Tokenizer> tokenizer;  // null only with require_tokenizer = false
  ClipVisionTower tower{nullptr};
  Projector projector{nullptr};  // slime: gated or mlp2x_gelu; llava / llava_next: mlp2x_gelu
  LocalBranch local{nullptr};    // slime with the local branch only
  at::Tensor image_newline;      // llava_next only: [D]
  LlamaForCausalLM llm{nullptr};
  SelectorConfig selector;       // slime only
  at::Device device = at::kCPU;
  at::ScalarType dtype = at::kFloat;
  at::ScalarType vision_dtype = at::kFloat;

  int64_t crop_size() const;  // the tower's image_size (336 for released models)
};

// kNotFound / kFormat / kShape / kUnsupported naming the file, key or tensor.
Vlm load_vlm(const std::string& dir, const VlmLoadOptions& options = {});

// Wall-clock milliseconds per stage, in pipeline order; a stage a kind lacks is absent. Stage
// names: preprocess, vision, adapters, compress, select, prefill, decode.
using StageTimes = std::vector<std::pair<std::string, double>>;
void add_time(StageTimes& times, const std::string& stage, double ms);  // accumulates

// Measures consecutive stages: lap(times, "vision") adds the time since the previous lap (or the
// construction), after synchronising the device so queued CUDA work is counted.
class StageClock {
 public:
  explicit StageClock(at::Device device);
  void lap(StageTimes& times, const std::string& stage);

 private:
  at::Device device_;
  std::chrono::steady_clock::time_point last_;
};

// The rows that replace the image placeholder, and what they hold.
struct ImageBlock {
  at::Tensor rows;  // [rows, D] in the LLM's dtype and device
  VisualTokenCounts visual;
};

// The prompt as the LLM sees it.
struct PreparedPrompt {
  at::Tensor inputs_embeds;  // [n, D] spliced, truncated, in the LLM's dtype/device
  std::vector<int32_t> ids;  // the prompt ids, text::kImageTokenId where the image goes
  VisualTokenCounts visual;  // zeros for a text-only prompt
  int64_t image_rows = 0;    // rows of the image block before truncation
  int64_t truncated_rows = 0;  // rows cut by tokenizer_model_max_length (upstream cuts at inference too)
  StageTimes times;
};

// IDS: the templated prompt's ids with exactly one text::kImageTokenId when IMAGE is given, none
// when it is null (a text-only prompt). An image without a placeholder, a placeholder without an
// image, or two placeholders are kInvalidArgument. DUMP (optional) receives the named intermediates
// (architecture.md "Dumps"): vision.crops, vision.features, adapters.*, compressor.*, local.*,
// selector.scores, selector.kept, image.block, splice.inputs_embeds.
PreparedPrompt prepare_prompt(Vlm& vlm, const std::vector<int32_t>& ids, const image::RgbImage* image,
                              NamedTensors* dump = nullptr);

// The template's stop ids (when it names one) plus the config's eos ids, deduplicated.
std::vector<int64_t> stop_ids_for(const Vlm& vlm, std::optional<text::Template> chat_template);

// One user question as every LLaVA-family runner prompts it (shared by `slime generate` and
// `slime eval`): "<image>\n" put first when HAS_IMAGE and the question holds no tag yet, rendered
// with CHAT_TEMPLATE (RAW: the question is the whole prompt), then tokenized. kInvalidArgument
// for a tag without an image.
struct QuestionPrompt {
  std::string text;          // the prompt text the tokenizer saw
  std::vector<int32_t> ids;  // with text::kImageTokenId where the image goes
};
QuestionPrompt build_question_prompt(const Vlm& vlm, text::Template chat_template, const std::string& question,
                                     bool has_image, bool raw = false);

// The answer text of generated tokens: decoded with skip_special_tokens, then stripped (the
// runners' outputs.strip()).
std::string decode_answer(const Vlm& vlm, const std::vector<int64_t>& tokens);

// Generation over prepared prompts (batched, left-padded; runtime::generate).
runtime::GenerateResult generate_prepared(Vlm& vlm, const std::vector<PreparedPrompt>& prompts,
                                          const runtime::GenerateOptions& options);

// The answer text of generated ids as the runners produce it: decode(skip_special_tokens) then
// strip(). Ids outside the tokenizer's vocabulary (the padding rows of a resized embedding matrix,
// e.g. 32000..32063 of llava-hf models) decode to nothing, as HF tokenizers' decode skips them.
std::string decode_answer(const text::Tokenizer& tokenizer, const std::vector<int64_t>& ids, bool strip = true);

// Embeddings of token ids through the LLM's embed_tokens: [n] ids -> [n, D].
at::Tensor embed_ids(Vlm& vlm, const std::vector<int32_t>& ids);

// "cpu", "cuda", "cuda:N" -> a device; CUDA without a CUDA LibTorch or GPU is kUnsupported.
at::Device parse_device(const std::string& name);
// fp32|float32, bf16|bfloat16, fp16|float16|half -> a dtype; kInvalidArgument otherwise.
at::ScalarType parse_dtype(const std::string& name);
const char* dtype_name(at::ScalarType dtype);  // "fp32", "bf16", "fp16"

// Synchronises DEVICE (CUDA) so that a clock read after it measures finished work.
void sync_device(const at::Device& device);

}  // namespace slime::model
