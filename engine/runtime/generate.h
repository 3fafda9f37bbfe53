// Batched autoregressive generation over LlamaForCausalLM (model.md §9.4). Prompts come as
// embeddings (so multimodal splicing happens upstream) or as ids; a batch is left-padded to the
// longest prompt, with positions counting real tokens only (HF's attention_mask.cumsum(-1) - 1), so
// a prompt's tokens do not depend on what it is batched with. One exception, inherited from HF 4.37:
// dynamic NTK rope scaling re-bases on the padded length (kv_seq_len), so past
// max_position_embeddings a padded row sees another base than it would alone.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <torch/types.h>

#include "engine/model/llama.h"
#include "engine/runtime/sampling.h"

namespace slime::runtime {

// New token ids of one sequence -> their text (a tokenizer's decode); used for stop strings only.
using DecodeFn = std::function<std::string(const std::vector<int64_t>& ids)>;

// How each token after the first is computed (model.md §13). All paths give the same tokens up to
// summation-order rounding (tests/unit/model/test_llama_fast.cpp); they differ in speed.
enum class DecodePath {
  kAuto,       // kGraph where usable (CUDA LibTorch 2.x, greedy, greedy_on_device, rope not dynamic past
               // max_position_embeddings), else kReference: the fastest correct path per device
  kReference,  // the growing-cache step: appends at slot t and attends to slots [0, t] (the parity path)
  kStatic,     // a fixed-shape step over the whole preallocated cache: ids, positions, slot and key mask
               // in device buffers updated on the device (LlamaForCausalLMImpl::decode_static)
  kGraph,      // kStatic captured once in a CUDA graph (after one eager warm-up step) and replayed per
               // token; needs greedy decoding on the device (sampling reads logits on the host)
};
const char* decode_path_name(DecodePath path);  // "auto", "reference", "static", "graph"
// The inverse of decode_path_name; kInvalidArgument naming the choices for anything else.
DecodePath parse_decode_path(const std::string& name);

struct GenerateOptions {
  int64_t max_new_tokens = 64;
  std::vector<int64_t> stop_ids;          // e.g. {2} (Vicuna) or {128009, 128001} (Llama-3)
  std::vector<std::string> stop_strings;  // needs `decode`
  DecodeFn decode;
  SamplingOptions sampling;               // temperature 0 = greedy
  // Prefill intermediates (model.md §12.5) plus "llm.logits.{k}" for the logits of new token k.
  model::LlmDumpFn dump;

  // Fast paths (defaults = the fastest correct path per device; GenerateTiming says what ran).
  // Attention of the prefill and every step: kAuto = SDPA on CUDA with LibTorch 2.x, eager on the
  // CPU (bit-identical to the reference there). An explicit kSdpa with LibTorch 1.13 is kUnsupported.
  model::AttentionImpl attention = model::AttentionImpl::kAuto;
  // An explicit kStatic / kGraph that cannot run falls back (kGraph -> kStatic -> kReference) and
  // names the reason in GenerateTiming::fallback.
  DecodePath decode_path = DecodePath::kAuto;
  // Greedy (temperature 0): the argmax stays on the device and feeds the next step there; only the
  // B token ids are copied to the host per step (for stop checks). false = the ids go through the
  // host as with sampling (the same tokens; kept to compare against).
  bool greedy_on_device = true;
  // Upper bound on the KV cache of one call (the memory that grows with batch x context), checked
  // before anything is allocated. -1: default_cache_limit(device); 0: no limit.
  int64_t max_cache_bytes = -1;
};

// Refusing oversized requests up front (kInvalidArgument naming the limit), never an OOM or a crash:
//   context     prompt + max_new_tokens positions must fit model_context(): max_position_embeddings,
//               times the factor of linear rope scaling; dynamic NTK rope has no limit (it re-bases).
//   KV cache    kv_cache_bytes() of the call must not exceed options.max_cache_bytes.
// -1 from model_context: unlimited.
int64_t model_context(const io::LlmConfig& config);
int64_t kv_cache_bytes(const io::LlmConfig& config, at::ScalarType dtype, int64_t batch, int64_t capacity);
// Half the host's physical memory on the CPU (the weights and activations need the rest); 0 (no
// limit: the CUDA caching allocator's out-of-memory error is caught like any error) elsewhere.
int64_t default_cache_limit(const at::Device& device);
// Throws when a call with these shapes would break a limit. Used by generate() and callers that want
// to refuse a request before preparing it.
void check_request(const io::LlmConfig& config, at::ScalarType dtype, const at::Device& device, int64_t batch,
                   int64_t longest_prompt, int64_t max_new_tokens, int64_t max_cache_bytes);

enum class StopReason { kMaxTokens, kStopId, kStopString };
const char* stop_reason_name(StopReason reason);  // "max_tokens", "stop_id", "stop_string"

struct SequenceOutput {
  // New tokens only. As HF generate, a stop id or the token completing a stop string is the last
  // entry (decoding with skip_special_tokens drops a special stop id).
  std::vector<int64_t> tokens;
  StopReason reason = StopReason::kMaxTokens;
  std::string stop_string;  // the matched one, for kStopString
};

struct GenerateTiming {
  double prefill_ms = 0;     // prompt forward + first token choice
  double decode_ms = 0;      // every later step
  int64_t new_tokens = 0;    // summed over the batch
  int64_t decode_steps = 0;  // forwards after the prefill
  double tokens_per_s = 0;   // new_tokens / (prefill + decode) seconds
  std::string decode_path;   // the DecodePath that ran: "reference", "static" or "graph"
  std::string attention;     // the AttentionImpl that ran: "eager" or "sdpa"
  std::string fallback;      // why an explicitly requested path did not run ("" = it did)
};

struct GenerateResult {
  std::vector<SequenceOutput> sequences;  // in prompt order
  GenerateTiming timing;
};

// PROMPTS: one [L_i, D] embedding tensor per sequence (L_i >= 1). kInvalidArgument for an empty
// batch, stop strings without `decode`, or max_new_tokens < 1.
GenerateResult generate(model::LlamaForCausalLM& model, const std::vector<at::Tensor>& prompts,
                        const GenerateOptions& options);

// Token-id prompts: embedded with model.embed_tokens, then as above.
GenerateResult generate_ids(model::LlamaForCausalLM& model, const std::vector<std::vector<int64_t>>& prompts,
                            const GenerateOptions& options);

}  // namespace slime::runtime
