// Llama-family decoder (HF transformers 4.37.2 LlamaForCausalLM, model.md §9.1) with a KV cache.
// Module parameter names equal the HF state-dict keys (model.embed_tokens.weight,
// model.layers.{i}.self_attn.q_proj.weight, ..., model.norm.weight, lm_head.weight), so
// io::load_state_dict maps them one to one. With tie_word_embeddings there is no lm_head module: the
// head multiplies by model.embed_tokens.weight, and a checkpoint's lm_head.weight is skipped.
//
// Numerics follow 4.37's eager path: RMSNorm in fp32, cast back, then × weight; non-interleaved
// RoPE (rotate_half) with cos/sin tables built in fp32 exactly as LlamaRotaryEmbedding builds them
// (linear: positions / factor; dynamic NTK: base re-scaled when the sequence outgrows
// max_position_embeddings); GQA by repeating KV heads; softmax in fp32; SwiGLU; fp32 logits.
// Attention is plain softmax(QKᵀ/√d + mask)V, which LibTorch 1.13 and 2.x both compile
// (model.md §12.3: 1.13 has no public SDPA); with LibTorch 2.x, AttentionImpl::kSdpa runs
// at::scaled_dot_product_attention instead (the default on CUDA).
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/pimpl.h>
#include <torch/types.h>

#include "engine/io/checkpoint.h"
#include "engine/io/model_config.h"
#include "engine/runtime/kv_cache.h"

namespace slime::model {

// How attention is computed. Both forms are softmax(QKᵀ/√d + mask)V; they differ in kernels and
// rounding only (model.md §12.3).
enum class AttentionImpl {
  kAuto,   // kSdpa on a CUDA device with LibTorch 2.x, else kEager (CPU runs stay bit-identical to the reference)
  kEager,  // the reference: QKᵀ, finite mask fill, fp32 softmax, PV, by blocks of queries (any LibTorch)
  kSdpa,   // at::scaled_dot_product_attention (LibTorch 2.x; flash / memory-efficient / cuDNN kernels on CUDA
           // bf16/fp16). kUnsupported with LibTorch 1.13, which has no public SDPA.
};
const char* attention_impl_name(AttentionImpl impl);  // "auto", "eager", "sdpa"
// The inverse of attention_impl_name; kInvalidArgument naming the choices for anything else.
AttentionImpl parse_attention_impl(const std::string& name);
bool sdpa_available();                                 // compiled against LibTorch 2.x
AttentionImpl resolve_attention(AttentionImpl impl, const at::Device& device);  // kEager or kSdpa

// What one forward's attention layers share, resolved once per forward.
struct AttentionPlan {
  AttentionImpl impl = AttentionImpl::kEager;  // kEager or kSdpa
  bool dense = false;  // no left padding: SDPA needs no explicit mask (is_causal for a prefill, none for one query)
  at::Tensor slot;     // static decode: [1] int64 device slot the step's K/V go to (undefined: append at length)
};

// Receives named intermediates (model.md §12.5): "llm.inputs_embeds", "llm.layer.{i}" (output of
// model.layers.{i}), "llm.norm" (after model.norm), "llm.logits".
using LlmDumpFn = std::function<void(const std::string& name, const at::Tensor& value)>;

// Parameters are allocated uninitialised (at::empty) in the dtype/device of OPTIONS, so a 7B model
// costs no random init and no fp32 copy before load_llama_weights fills it.

// A bias-free nn.Linear: parameter "weight" [out, in].
class LlamaLinearImpl : public torch::nn::Module {
 public:
  LlamaLinearImpl(int64_t in, int64_t out, const at::TensorOptions& options);
  at::Tensor forward(const at::Tensor& x) { return at::linear(x, weight); }  // [..., in] -> [..., out]
  at::Tensor weight;
};
TORCH_MODULE(LlamaLinear);

// nn.Embedding: parameter "weight" [V, D].
class LlamaEmbeddingImpl : public torch::nn::Module {
 public:
  LlamaEmbeddingImpl(int64_t vocab, int64_t hidden, const at::TensorOptions& options);
  at::Tensor forward(const at::Tensor& ids) { return at::embedding(weight, ids); }  // [B, S] -> [B, S, D]
  at::Tensor weight;
};
TORCH_MODULE(LlamaEmbedding);

class LlamaRmsNormImpl : public torch::nn::Module {
 public:
  LlamaRmsNormImpl(int64_t hidden, double eps, const at::TensorOptions& options);
  at::Tensor forward(const at::Tensor& x);  // [..., D] -> [..., D] in x's dtype
  at::Tensor weight;

 private:
  double eps_;
};
TORCH_MODULE(LlamaRmsNorm);

// cos/sin for positions, built like HF 4.37 LlamaRotaryEmbedding (and its Linear/Dynamic
// subclasses): a table over t = 0..len-1 in fp32, indexed by the positions.
class LlamaRotary {
 public:
  explicit LlamaRotary(const io::LlmConfig& config);
  // positions [B, S] int64, seq_len = slots attended (cache + S, the kv_seq_len HF passes) ->
  // {cos, sin} [B, S, head_dim] fp32 on positions' device.
  std::pair<at::Tensor, at::Tensor> cos_sin(const at::Tensor& positions, int64_t seq_len);

 private:
  void build(int64_t len, double base, at::Device device);
  int64_t dim_, max_pos_;
  double base_;
  std::string scaling_;  // "", linear, dynamic
  double factor_ = 1.0;
  at::Tensor cos_, sin_;  // [len, head_dim] fp32
  int64_t table_len_ = 0;
  double table_base_ = 0;
};

class LlamaAttentionImpl : public torch::nn::Module {
 public:
  LlamaAttentionImpl(const io::LlmConfig& config, const at::TensorOptions& options);
  // x [B, S, D], cos/sin [B, S, hd], allowed [B, 1, S, S_total] bool -> [B, S, D]; writes K/V.
  at::Tensor forward(const at::Tensor& x, const at::Tensor& cos, const at::Tensor& sin, const at::Tensor& allowed,
                     runtime::KvCache& cache, int64_t layer, const AttentionPlan& plan = {});

 private:
  // q [B, H, S, hd], keys/values [B, KV, T, hd] (T = past + S) -> [B, H, S, hd]
  at::Tensor attend_eager(const at::Tensor& q, const at::Tensor& keys, const at::Tensor& values,
                          const at::Tensor& allowed) const;
  at::Tensor attend_sdpa(const at::Tensor& q, const at::Tensor& keys, const at::Tensor& values,
                         const at::Tensor& allowed, const AttentionPlan& plan) const;
  int64_t heads_, kv_heads_, head_dim_;
  LlamaLinear q_proj_{nullptr}, k_proj_{nullptr}, v_proj_{nullptr}, o_proj_{nullptr};
};
TORCH_MODULE(LlamaAttention);

class LlamaMlpImpl : public torch::nn::Module {
 public:
  LlamaMlpImpl(const io::LlmConfig& config, const at::TensorOptions& options);
  at::Tensor forward(const at::Tensor& x);  // down(silu(gate(x)) * up(x)), [B, S, D] -> [B, S, D]

 private:
  LlamaLinear gate_proj_{nullptr}, up_proj_{nullptr}, down_proj_{nullptr};
};
TORCH_MODULE(LlamaMlp);

class LlamaDecoderLayerImpl : public torch::nn::Module {
 public:
  LlamaDecoderLayerImpl(const io::LlmConfig& config, const at::TensorOptions& options);
  at::Tensor forward(const at::Tensor& x, const at::Tensor& cos, const at::Tensor& sin, const at::Tensor& allowed,
                     runtime::KvCache& cache, int64_t layer, const AttentionPlan& plan = {});

 private:
  LlamaAttention self_attn_{nullptr};
  LlamaMlp mlp_{nullptr};
  LlamaRmsNorm input_layernorm_{nullptr}, post_attention_layernorm_{nullptr};
};
TORCH_MODULE(LlamaDecoderLayer);

class LlamaModelImpl : public torch::nn::Module {  // the "model." prefix of the HF keys
 public:
  LlamaModelImpl(const io::LlmConfig& config, const at::TensorOptions& options);
  LlamaEmbedding embed_tokens{nullptr};
  torch::nn::ModuleList layers{nullptr};
  LlamaRmsNorm norm{nullptr};
};
TORCH_MODULE(LlamaModel);

class LlamaForCausalLMImpl : public torch::nn::Module {
 public:
  explicit LlamaForCausalLMImpl(const io::LlmConfig& config, const at::TensorOptions& options = at::kFloat);

  at::Tensor embed(const at::Tensor& ids);  // [B, S] int64 -> [B, S, D] in the model's dtype

  // inputs_embeds [B, S, D]; positions [B, S] int64 (RoPE positions, real tokens counted only);
  // attention_mask [B, cache.length() + S] (1 = real token, 0 = left pad) covering cached and new
  // slots. Appends K/V of the S new slots to CACHE and advances it. Query slot q sees key slot k iff
  // k <= q and attention_mask[b, k] = 1. Returns logits [B, S, V] fp32, or [B, 1, V] for the last
  // slot only (LAST_ONLY: prefill skips the LM head for every other position, model.md §13).
  // LOGIT_ROWS [R] int64 (without LAST_ONLY): logits [B, R, V] of those positions only (training
  // needs the answer rows alone: the head over every image row costs more than the layers).
  at::Tensor forward(const at::Tensor& inputs_embeds, const at::Tensor& positions, const at::Tensor& attention_mask,
                     runtime::KvCache& cache, bool last_only = false, const LlmDumpFn& dump = nullptr,
                     const at::Tensor& logit_rows = {});

  // One decode step over a static cache (model.md §13): fixed shapes and no host read, so a CUDA
  // graph can capture it once and replay it per token. ids [B, 1] int64, positions [B, 1] int64,
  // slot [1] int64 (the cache slot this token's K/V are written to) and key_mask [B, capacity] bool
  // (true = a real, already written slot, the step's own slot included) all live on the model's
  // device and are read there. Every layer attends over the whole capacity with KEY_MASK. Does not
  // advance the cache. Returns logits [B, 1, V] fp32. kUnsupported where static_decode_ok is false.
  at::Tensor decode_static(const at::Tensor& ids, const at::Tensor& positions, const at::Tensor& slot,
                           const at::Tensor& key_mask, runtime::KvCache& cache);
  // False for dynamic NTK rope past max_position_embeddings: its base depends on the step's length.
  bool static_decode_ok(int64_t capacity) const;

  // The attention form of later forwards (default kAuto).
  void set_attention(AttentionImpl impl) { attention_ = impl; }
  AttentionImpl attention() const { return attention_; }

  // An empty cache for BATCH rows of up to MAX_LEN slots in the model's dtype and device.
  runtime::KvCache make_cache(int64_t batch, int64_t max_len) const;

  const io::LlmConfig& config() const { return config_; }
  at::ScalarType dtype() const;
  at::Device device() const;

 private:
  io::LlmConfig config_;
  LlamaModel model_{nullptr};
  LlamaLinear lm_head_{nullptr};  // null when tied
  LlamaRotary rotary_;
  AttentionImpl attention_ = AttentionImpl::kAuto;
};
TORCH_MODULE(LlamaForCausalLM);

struct LlamaLoadOptions {
  // Prefix of the LLM keys: "" for LlamaForCausalLM and LlavaLlamaForCausalLM checkpoints alike
  // (the multimodal tensors live under model.mm_projector / model.vision_tower and are skipped).
  std::string prefix;
  at::ScalarType dtype = at::kFloat;
  at::Device device = at::kCPU;
};

struct LlamaLoadReport {
  std::vector<std::string> loaded;
  std::vector<std::string> skipped;  // tied lm_head.weight, rotary inv_freq, non-LLM tensors
};

// Loads MODEL's parameters from CHECKPOINT and moves it to the dtype/device. Errors name the
// tensor: kNotFound (missing), kShape (wrong shape), kFormat (an LLM-looking tensor the model cannot
// use, e.g. model.layers.{i} beyond num_hidden_layers).
LlamaLoadReport load_llama_weights(LlamaForCausalLM& model, const io::Checkpoint& checkpoint,
                                   const LlamaLoadOptions& options = {});

}  // namespace slime::model
