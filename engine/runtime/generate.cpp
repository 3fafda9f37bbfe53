#include "engine/runtime/generate.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>

#include <ATen/ATen.h>
#include <torch/utils.h>

#include "engine/common/error.h"
#include "engine/runtime/decode_step.h"

namespace slime::runtime {

const char* stop_reason_name(StopReason reason) {
  switch (reason) {
    case StopReason::kMaxTokens: return "max_tokens";
    case StopReason::kStopId: return "stop_id";
    case StopReason::kStopString: return "stop_string";
  }
  return "?";
}

const char* decode_path_name(DecodePath path) {
  switch (path) {
    case DecodePath::kAuto: return "auto";
    case DecodePath::kReference: return "reference";
    case DecodePath::kStatic: return "static";
    case DecodePath::kGraph: return "graph";
  }
  return "?";
}

DecodePath parse_decode_path(const std::string& name) {
  for (DecodePath d : {DecodePath::kAuto, DecodePath::kReference, DecodePath::kStatic, DecodePath::kGraph})
    if (name == decode_path_name(d)) return d;
  throw_error(ErrorCode::kInvalidArgument, "decode path '{}': expected auto, reference, static or graph", name);
}

namespace {

// Sets the model's attention form for one generate call and restores the previous one.
class AttentionScope {
 public:
  AttentionScope(model::LlamaForCausalLM& model, model::AttentionImpl impl)
      : model_(model), saved_(model->attention()) {
    model->set_attention(impl);
  }
  ~AttentionScope() { model_->set_attention(saved_); }
  AttentionScope(const AttentionScope&) = delete;
  AttentionScope& operator=(const AttentionScope&) = delete;

 private:
  model::LlamaForCausalLM& model_;
  model::AttentionImpl saved_;
};

using Clock = std::chrono::steady_clock;
double ms_since(Clock::time_point t0) { return std::chrono::duration<double, std::milli>(Clock::now() - t0).count(); }

// Appends TOKEN to SEQ and reports whether the sequence is now finished.
bool accept(SequenceOutput& seq, int64_t token, const GenerateOptions& options) {
  seq.tokens.push_back(token);
  if (std::find(options.stop_ids.begin(), options.stop_ids.end(), token) != options.stop_ids.end()) {
    seq.reason = StopReason::kStopId;
    return true;
  }
  if (!options.stop_strings.empty()) {
    // The whole text is decoded each step: a stop string may span tokens, and byte-level tokens
    // only form text together. It is found on the step that completes it, so this is the first.
    const std::string text = options.decode(seq.tokens);
    for (const std::string& stop : options.stop_strings) {
      if (!stop.empty() && text.find(stop) != std::string::npos) {
        seq.reason = StopReason::kStopString;
        seq.stop_string = stop;
        return true;
      }
    }
  }
  return static_cast<int64_t>(seq.tokens.size()) >= options.max_new_tokens;  // reason stays kMaxTokens
}

}  // namespace

int64_t model_context(const io::LlmConfig& config) {
  if (!config.rope_scaling) return config.max_position_embeddings;
  if (config.rope_scaling->type == "linear")
    return static_cast<int64_t>(static_cast<double>(config.max_position_embeddings) * config.rope_scaling->factor);
  return -1;  // dynamic NTK: positions past the table re-base the rotary, as HF does
}

int64_t kv_cache_bytes(const io::LlmConfig& config, at::ScalarType dtype, int64_t batch, int64_t capacity) {
  // K and V per layer: [B, kv_heads, capacity, head_dim] (KvCache); double keeps huge products exact
  // enough to compare and free of overflow.
  const double bytes = 2.0 * static_cast<double>(config.num_hidden_layers) * static_cast<double>(batch) *
                       static_cast<double>(config.num_key_value_heads) * static_cast<double>(capacity) *
                       static_cast<double>(config.head_dim()) * static_cast<double>(c10::elementSize(dtype));
  return bytes >= 9.0e18 ? INT64_MAX : static_cast<int64_t>(bytes);
}

int64_t default_cache_limit(const at::Device& device) {
  if (!device.is_cpu()) return 0;
  const long pages = ::sysconf(_SC_PHYS_PAGES), page = ::sysconf(_SC_PAGESIZE);
  return pages > 0 && page > 0 ? static_cast<int64_t>(pages) * page / 2 : 0;
}

void check_request(const io::LlmConfig& config, at::ScalarType dtype, const at::Device& device, int64_t batch,
                   int64_t longest_prompt, int64_t max_new_tokens, int64_t max_cache_bytes) {
  const int64_t context = model_context(config);
  if (context > 0 && longest_prompt + max_new_tokens > context)
    throw_error(ErrorCode::kInvalidArgument,
                "generate: a prompt of {} tokens + max_new_tokens {} = {} positions exceeds the model's context of "
                "{} tokens (max_position_embeddings{} in config.json); shorten the prompt or lower max_new_tokens",
                longest_prompt, max_new_tokens, longest_prompt + max_new_tokens, context,
                config.rope_scaling ? " x linear rope_scaling factor" : "");
  const int64_t limit = max_cache_bytes < 0 ? default_cache_limit(device) : max_cache_bytes;
  const int64_t need = kv_cache_bytes(config, dtype, batch, longest_prompt + max_new_tokens);
  if (limit > 0 && need > limit)
    throw_error(ErrorCode::kInvalidArgument,
                "generate: the KV cache of {} sequence(s) x {} positions needs {:.1f} MiB, over the limit of {:.1f} MiB "
                "(max_cache_bytes{}); lower the batch size, the prompt length or max_new_tokens",
                batch, longest_prompt + max_new_tokens, static_cast<double>(need) / (1 << 20),
                static_cast<double>(limit) / (1 << 20), max_cache_bytes < 0 ? ": default, half the physical memory" : "");
}

GenerateResult generate(model::LlamaForCausalLM& model, const std::vector<at::Tensor>& prompts,
                        const GenerateOptions& options) {
  if (prompts.empty()) throw_error(ErrorCode::kInvalidArgument, "generate: no prompts");
  if (options.max_new_tokens < 1)
    throw_error(ErrorCode::kInvalidArgument, "generate: max_new_tokens {} must be >= 1", options.max_new_tokens);
  if (!options.stop_strings.empty() && !options.decode)
    throw_error(ErrorCode::kInvalidArgument, "generate: stop strings need a decode function");
  torch::NoGradGuard no_grad;
  const int64_t b = static_cast<int64_t>(prompts.size()), d = model->config().hidden_size;
  int64_t longest = 0;
  for (size_t i = 0; i < prompts.size(); ++i) {
    const at::Tensor& p = prompts[i];
    if (p.dim() != 2 || p.size(0) < 1 || p.size(1) != d)
      throw_error(ErrorCode::kShape, "generate: prompt {} has shape [{}], expected [L >= 1, {}]", i,
                  fmt::join(p.sizes(), ", "), d);
    longest = std::max(longest, p.size(0));
  }
  const at::Device dev = model->device();
  check_request(model->config(), model->dtype(), dev, b, longest, options.max_new_tokens, options.max_cache_bytes);
  const int64_t capacity = longest + options.max_new_tokens;

  // Left padding: row i holds zeros in slots [0, longest - L_i) (masked out, so their values never
  // matter), its prompt after. mask [B, capacity]: decode slots become real as they are written.
  at::Tensor embeds = at::zeros({b, longest, d}, at::TensorOptions().dtype(model->dtype()).device(dev));
  at::Tensor mask = at::zeros({b, capacity}, at::TensorOptions().dtype(at::kLong));
  for (int64_t i = 0; i < b; ++i) {
    const int64_t len = prompts[static_cast<size_t>(i)].size(0);
    embeds[i].slice(0, longest - len).copy_(prompts[static_cast<size_t>(i)]);
    mask[i].slice(0, longest - len, longest).fill_(1);
  }
  mask.slice(1, longest).fill_(1);
  // HF prepare_inputs_for_generation: cumsum(mask) - 1, pads set to 1 (their value is irrelevant).
  const at::Tensor prompt_mask = mask.slice(1, 0, longest);
  at::Tensor positions = (prompt_mask.cumsum(-1) - 1).masked_fill(prompt_mask.eq(0), 1);  // [B, longest]
  at::Tensor next_pos = prompt_mask.sum(-1, /*keepdim=*/true);  // [B, 1]: L_i, the first new position
  mask = mask.to(dev);

  const AttentionScope attention(model, options.attention);
  KvCache cache = model->make_cache(b, capacity);
  Sampler sampler(options.sampling, b);
  TokenStepper stepper(model, cache, sampler, options, mask, next_pos, longest);
  GenerateResult result;
  result.timing.attention = model::attention_impl_name(model::resolve_attention(options.attention, dev));
  result.sequences.resize(static_cast<size_t>(b));
  std::vector<bool> done(static_cast<size_t>(b), false);

  const auto t0 = Clock::now();
  model::LlmDumpFn prefill_dump;
  if (options.dump)
    prefill_dump = [&](const std::string& name, const at::Tensor& t) {
      options.dump(name == "llm.logits" ? "llm.logits.0" : name, t);
    };
  at::Tensor logits = model->forward(embeds, positions, mask.slice(1, 0, longest), cache, /*last_only=*/true,
                                     prefill_dump);  // [B, 1, V]
  std::vector<int64_t> tokens = stepper.first(logits.select(1, 0));
  for (int64_t step = 0;; ++step) {
    bool all_done = true;
    for (size_t i = 0; i < done.size(); ++i) {
      if (!done[i]) done[i] = accept(result.sequences[i], tokens[i], options);
      all_done = all_done && done[i];
    }
    if (step == 0) result.timing.prefill_ms = ms_since(t0);
    if (all_done) break;
    // Finished rows keep decoding their last token: it costs one row of compute and keeps the
    // batch rectangular; their outputs are no longer read.
    const auto t1 = Clock::now();
    tokens = stepper.next(step);  // the ids come to the CPU: the step is synchronised here
    result.timing.decode_ms += ms_since(t1);
    ++result.timing.decode_steps;
  }
  result.timing.decode_path = decode_path_name(stepper.path());
  result.timing.fallback = stepper.fallback();
  for (const SequenceOutput& s : result.sequences) result.timing.new_tokens += static_cast<int64_t>(s.tokens.size());
  const double seconds = (result.timing.prefill_ms + result.timing.decode_ms) / 1000.0;
  result.timing.tokens_per_s = seconds > 0 ? static_cast<double>(result.timing.new_tokens) / seconds : 0.0;
  return result;
}

GenerateResult generate_ids(model::LlamaForCausalLM& model, const std::vector<std::vector<int64_t>>& prompts,
                            const GenerateOptions& options) {
  std::vector<at::Tensor> embeds;
  for (size_t i = 0; i < prompts.size(); ++i) {
    if (prompts[i].empty()) throw_error(ErrorCode::kInvalidArgument, "generate: prompt {} is empty", i);
    const at::Tensor ids = at::tensor(prompts[i], at::TensorOptions().dtype(at::kLong)).view({1, -1});
    embeds.push_back(model->embed(ids).squeeze(0));  // [L, D]
  }
  return generate(model, embeds, options);
}

}  // namespace slime::runtime
