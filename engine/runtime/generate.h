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

struct GenerateOptions {
  int64_t max_new_tokens = 64;
  std::vector<int64_t> stop_ids;          // e.g. {2} (Vicuna) or {128009, 128001} (Llama-3)
  std::vector<std::string> stop_strings;  // needs `decode`
  DecodeFn decode;
  SamplingOptions sampling;               // temperature 0 = greedy
  // Prefill intermediates (model.md §12.5) plus "llm.logits.{k}" for the logits of new token k.
  model::LlmDumpFn dump;
};

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
