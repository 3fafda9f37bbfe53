// slime generate: answer one question about one image (or a text-only prompt) with any model kind
// (slime, llava, llava_next), printing the answer or, with --json, one record with token counts,
// per-stage timings and peak memory; --dump writes every named intermediate to safetensors.
#include <algorithm>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "app/commands.h"
#include "app/fast_paths.h"
#include "engine/common/error.h"
#include "engine/image/decode.h"
#include "engine/io/torch_tensors.h"
#include "engine/model/vlm.h"
#include "engine/runtime/memory.h"
#include "engine/text/chat_template.h"

namespace slime::cli {
namespace {

struct GenerateFlags {
  std::string model, image, prompt, tokenizer, dump;
  std::string chat_template = "auto";
  bool raw_prompt = false;
  std::string device = "cpu", dtype = "fp32", vision_dtype;
  int64_t max_new_tokens = 64;
  double temperature = 0.0, top_p = 1.0;
  uint64_t seed = 0;
  std::vector<std::string> stop_strings, overrides;
  bool json = false;
  bool ignore_eos = false;
  std::string attention = "auto", decode_path = "auto";  // app/fast_paths.h
};

using Clock = std::chrono::steady_clock;
double ms_since(Clock::time_point t0) { return std::chrono::duration<double, std::milli>(Clock::now() - t0).count(); }

void run_generate(const GenerateFlags& f) {
  model::VlmLoadOptions load;
  load.device = model::parse_device(f.device);
  load.dtype = model::parse_dtype(f.dtype);
  if (!f.vision_dtype.empty()) load.vision_dtype = model::parse_dtype(f.vision_dtype);
  load.overrides = f.overrides;
  load.tokenizer_dir = f.tokenizer;
  const std::optional<text::Template> requested =
      f.chat_template == "auto" ? std::nullopt : std::optional<text::Template>(text::parse_template(f.chat_template));

  model::Vlm vlm = model::load_vlm(f.model, load);
  const text::Tokenizer& tok = *vlm.tokenizer;
  const text::Template chat_template = requested ? *requested : text::default_template(tok);

  const std::vector<int32_t> ids =
      model::build_question_prompt(vlm, chat_template, f.prompt, !f.image.empty(), f.raw_prompt).ids;

  runtime::reset_peak_memory(vlm.device);
  model::NamedTensors dump;
  model::NamedTensors* dump_ptr = f.dump.empty() ? nullptr : &dump;
  std::optional<image::RgbImage> img;
  double decode_ms = 0;
  if (!f.image.empty()) {
    const auto t0 = Clock::now();
    img = image::read_image(f.image);
    decode_ms = ms_since(t0);
  }
  model::PreparedPrompt prepared = model::prepare_prompt(vlm, ids, img ? &*img : nullptr, dump_ptr);
  if (img) model::add_time(prepared.times, "preprocess", decode_ms);  // file decoding counts as preprocessing

  runtime::GenerateOptions gen;
  gen.max_new_tokens = f.max_new_tokens;
  if (!f.ignore_eos) gen.stop_ids = model::stop_ids_for(vlm, chat_template);
  gen.stop_strings = f.stop_strings;
  gen.decode = [&tok](const std::vector<int64_t>& new_ids) { return model::decode_answer(tok, new_ids, false); };
  gen.sampling.temperature = f.temperature;
  gen.sampling.top_p = f.top_p;
  gen.sampling.seed = f.seed;
  gen.attention = model::parse_attention_impl(f.attention);
  gen.decode_path = runtime::parse_decode_path(f.decode_path);
  if (dump_ptr) gen.dump = [&dump](const std::string& name, const at::Tensor& t) { dump.emplace_back(name, t.detach()); };
  const runtime::GenerateResult result = model::generate_prepared(vlm, {prepared}, gen);
  const runtime::SequenceOutput& out = result.sequences.at(0);
  const std::string answer = model::decode_answer(vlm, out.tokens);
  const int64_t peak = runtime::peak_memory_bytes(vlm.device);

  if (dump_ptr) {
    std::vector<int64_t> wide(ids.begin(), ids.end());
    dump.emplace_back("prompt.ids", torch::tensor(wide, torch::kLong));
    dump.emplace_back("generate.tokens", torch::tensor(out.tokens, torch::kLong));
    std::vector<std::pair<std::string, at::Tensor>> tensors;
    for (auto& [name, t] : dump) {
      const std::string& key = name;  // lambdas capture structured bindings only from C++20 (clang refuses)
      if (std::any_of(tensors.begin(), tensors.end(), [&key](const auto& e) { return e.first == key; }))
        throw_error(ErrorCode::kInternal, "dump: tensor name '{}' produced twice", name);
      tensors.emplace_back(name, t.to(at::kCPU));
    }
    io::save_safetensors(f.dump, tensors, {{"format", "pt"}, {"producer", "slime generate"}});
  }

  if (!f.json) {
    fmt::print("{}\n", answer);
    return;
  }
  nlohmann::json timing = nlohmann::json::object();
  for (const auto& [stage, ms] : prepared.times) timing[stage] = ms;
  timing["prefill"] = result.timing.prefill_ms;
  timing["decode"] = result.timing.decode_ms;
  const double decode_s = result.timing.decode_ms / 1000.0;
  nlohmann::json visual = {{"global", prepared.visual.global},
                           {"local_before", prepared.visual.local_before},
                           {"local_after", prepared.visual.local_after}};
  nlohmann::json record = {
      {"answer", answer},
      {"ids", out.tokens},
      {"prompt_ids", ids},
      {"prompt_rows", prepared.inputs_embeds.size(0)},
      {"truncated_rows", prepared.truncated_rows},
      {"visual_tokens", visual},
      {"timing_ms", timing},
      {"output_tokens", out.tokens.size()},
      {"stop_reason", runtime::stop_reason_name(out.reason)},
      {"attention", result.timing.attention},
      {"decode_path", result.timing.decode_path},
      {"fast_path_fallback", result.timing.fallback},
      {"decode_tokens_per_s", decode_s > 0 ? double(result.timing.decode_steps) / decode_s : 0.0},
      {"peak_memory_bytes", peak},
      {"peak_memory_kind", runtime::peak_memory_kind(vlm.device)},
      {"model_kind", io::model_kind_name(vlm.config.kind)},
      {"template", text::template_name(chat_template)},
      {"device", vlm.device.str()},
      {"dtype", model::dtype_name(vlm.dtype)},
      {"vision_dtype", model::dtype_name(vlm.vision_dtype)}};
  if (!img) record["visual_tokens"] = nullptr;
  fmt::print("{}\n", record.dump());
}

}  // namespace

void register_generate(CLI::App& app) {
  auto f = std::make_shared<GenerateFlags>();
  auto* cmd = app.add_subcommand("generate", "Answer a prompt about an image with a slime / llava / llava_next model");
  cmd->add_option("--model", f->model, "model directory (config.json, safetensors, tokenizer files)")->required();
  cmd->add_option("--image", f->image, "image file (omit for a text-only prompt)");
  cmd->add_option("--prompt", f->prompt, "the question; \"<image>\\n\" is put first when --image is given")->required();
  cmd->add_option("--template", f->chat_template, "vicuna_v1 | llama3 | plain | auto (from the tokenizer)");
  cmd->add_flag("--raw-prompt", f->raw_prompt, "use --prompt as the whole prompt text (no template)");
  cmd->add_option("--tokenizer", f->tokenizer, "tokenizer folder (default: the model directory)");
  cmd->add_option("--device", f->device, "cpu | cuda | cuda:N");
  cmd->add_option("--dtype", f->dtype, "fp32 | bf16 | fp16 (LLM and adapters)");
  cmd->add_option("--vision-dtype", f->vision_dtype, "dtype of the vision tower (default: --dtype)");
  cmd->add_option("--max-new-tokens", f->max_new_tokens, "new tokens at most")->check(CLI::PositiveNumber);
  cmd->add_option("--temperature", f->temperature, "0 = greedy (the benchmarks' setting)");
  cmd->add_option("--top-p", f->top_p, "nucleus sampling threshold (with --temperature > 0)");
  cmd->add_option("--seed", f->seed, "sampling seed");
  add_fast_path_flags(cmd, &f->attention, &f->decode_path);
  cmd->add_option("--stop", f->stop_strings, "stop string (repeatable)");
  cmd->add_flag("--ignore-eos", f->ignore_eos, "never stop on the template's or config's stop ids (benchmarks)");
  cmd->add_option("--set", f->overrides, "config override key=value (repeatable), e.g. --set mm_resampler_topp=0.5");
  cmd->add_flag("--json", f->json, "print one JSON record instead of the answer");
  cmd->add_option("--dump", f->dump, "write every named intermediate to this .safetensors file");
  cmd->callback([f] { run_generate(*f); });
}

}  // namespace slime::cli
