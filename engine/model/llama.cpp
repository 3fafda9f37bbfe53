#include "engine/model/llama.h"

#include <cmath>
#include <limits>

#include <ATen/ATen.h>
#include <torch/utils.h>
#include <torch/version.h>

#include "engine/common/error.h"
#include "engine/io/torch_tensors.h"

namespace slime::model {

namespace {

// Queries per attention block in a prefill (see LlamaAttentionImpl::forward): large enough that
// the matmuls stay efficient, small enough that a block's [B, H, 256, T] scores fit in cache-sized
// pieces and the causal upper triangle is mostly skipped.
constexpr int64_t kQueryBlock = 256;

// HF rotate_half: [x1, x2] -> [-x2, x1] over the last dim (non-interleaved halves).
at::Tensor rotate_half(const at::Tensor& x) {
  const int64_t half = x.size(-1) / 2;
  return at::cat({-x.slice(-1, half), x.slice(-1, 0, half)}, -1);
}

// HF repeat_kv: [B, KV, T, hd] -> [B, KV * n_rep, T, hd], each KV head repeated n_rep times in place.
at::Tensor repeat_kv(const at::Tensor& x, int64_t n_rep) {
  if (n_rep == 1) return x;
  const int64_t b = x.size(0), kv = x.size(1), t = x.size(2), d = x.size(3);
  return x.unsqueeze(2).expand({b, kv, n_rep, t, d}).reshape({b, kv * n_rep, t, d});
}

// torch.finfo(dtype).min: the most negative finite value (fp32's would overflow fp16 to -inf).
double lowest_of(at::ScalarType type) {
  switch (type) {
    case at::kHalf: return static_cast<double>(std::numeric_limits<c10::Half>::lowest());
    case at::kBFloat16: return static_cast<double>(std::numeric_limits<c10::BFloat16>::lowest());
    case at::kDouble: return std::numeric_limits<double>::lowest();
    default: return static_cast<double>(std::numeric_limits<float>::lowest());
  }
}

}  // namespace

const char* attention_impl_name(AttentionImpl impl) {
  switch (impl) {
    case AttentionImpl::kAuto: return "auto";
    case AttentionImpl::kEager: return "eager";
    case AttentionImpl::kSdpa: return "sdpa";
  }
  return "?";
}

AttentionImpl parse_attention_impl(const std::string& name) {
  for (AttentionImpl a : {AttentionImpl::kAuto, AttentionImpl::kEager, AttentionImpl::kSdpa})
    if (name == attention_impl_name(a)) return a;
  throw_error(ErrorCode::kInvalidArgument, "attention '{}': expected auto, eager or sdpa", name);
}

bool sdpa_available() { return TORCH_VERSION_MAJOR >= 2; }

AttentionImpl resolve_attention(AttentionImpl impl, const at::Device& device) {
  if (impl == AttentionImpl::kSdpa && !sdpa_available())
    throw_error(ErrorCode::kUnsupported, "attention sdpa needs LibTorch 2.x (this build has {}.{}); use eager",
                TORCH_VERSION_MAJOR, TORCH_VERSION_MINOR);
  if (impl != AttentionImpl::kAuto) return impl;
  // SDPA's fused kernels are the CUDA win; on the CPU the eager form stays the bit-exact reference.
  return device.is_cuda() && sdpa_available() ? AttentionImpl::kSdpa : AttentionImpl::kEager;
}

LlamaLinearImpl::LlamaLinearImpl(int64_t in, int64_t out, const at::TensorOptions& options) {
  weight = register_parameter("weight", at::empty({out, in}, options), /*requires_grad=*/false);
}

LlamaEmbeddingImpl::LlamaEmbeddingImpl(int64_t vocab, int64_t hidden, const at::TensorOptions& options) {
  weight = register_parameter("weight", at::empty({vocab, hidden}, options), /*requires_grad=*/false);
}

LlamaRmsNormImpl::LlamaRmsNormImpl(int64_t hidden, double eps, const at::TensorOptions& options) : eps_(eps) {
  weight = register_parameter("weight", at::ones({hidden}, options), /*requires_grad=*/false);
}

at::Tensor LlamaRmsNormImpl::forward(const at::Tensor& x) {
  // HF 4.37 order: statistics in fp32, cast back to the input dtype, then × weight.
  const at::Tensor h = x.to(at::kFloat);
  const at::Tensor variance = h.pow(2).mean(-1, /*keepdim=*/true);  // [..., 1]
  return weight * (h * at::rsqrt(variance + eps_)).to(x.scalar_type());
}

// ---------------------------------------------------------------------------------------------

LlamaRotary::LlamaRotary(const io::LlmConfig& config)
    : dim_(config.head_dim()), max_pos_(config.max_position_embeddings), base_(config.rope_theta) {
  if (dim_ % 2 != 0) throw_error(ErrorCode::kInvalidArgument, "Llama head_dim {} must be even for RoPE", dim_);
  if (config.rope_scaling) {
    scaling_ = config.rope_scaling->type;
    factor_ = config.rope_scaling->factor;
    if (scaling_ != "linear" && scaling_ != "dynamic")
      throw_error(ErrorCode::kUnsupported, "rope_scaling type '{}' is not supported (linear, dynamic)", scaling_);
  }
}

void LlamaRotary::build(int64_t len, double base, at::Device device) {
  // Op for op as LlamaRotaryEmbedding._set_cos_sin_cache, so the tables are bit-identical:
  // `base ** x` is Tensor.__rpow__ (base as an fp32 0-dim tensor), `1.0 / x` is reciprocal().
  const auto f32 = at::TensorOptions().dtype(at::kFloat).device(device);
  const at::Tensor exponent = at::arange(0, dim_, 2, f32.dtype(at::kLong)).to(at::kFloat) / dim_;  // [hd/2]
  const at::Tensor inv_freq = at::reciprocal(at::pow(at::scalar_tensor(base, f32), exponent));     // [hd/2]
  at::Tensor t = at::arange(len, f32);                                                               // [len]
  if (scaling_ == "linear") t = t / factor_;  // LlamaLinearScalingRotaryEmbedding: positions / factor
  const at::Tensor freqs = at::outer(t, inv_freq);          // [len, hd/2]
  const at::Tensor emb = at::cat({freqs, freqs}, -1);       // [len, hd]
  cos_ = emb.cos();
  sin_ = emb.sin();
  table_len_ = len;
  table_base_ = base;
}

std::pair<at::Tensor, at::Tensor> LlamaRotary::cos_sin(const at::Tensor& positions, int64_t seq_len) {
  // HF keeps a table of max(max_position_embeddings, seq_len) rows; dynamic NTK re-bases it when the
  // attended length (cache + new) outgrows max_position_embeddings (4.37's formula, in double).
  double base = base_;
  if (scaling_ == "dynamic" && seq_len > max_pos_)
    base = base_ * std::pow(factor_ * static_cast<double>(seq_len) / static_cast<double>(max_pos_) - (factor_ - 1),
                            static_cast<double>(dim_) / static_cast<double>(dim_ - 2));
  const int64_t len = std::max(max_pos_, seq_len);
  if (!cos_.defined() || len != table_len_ || base != table_base_ || cos_.device() != positions.device())
    build(len, base, positions.device());
  const at::Tensor flat = positions.reshape({-1});  // [B * S]
  auto pick = [&](const at::Tensor& table) {
    return table.index_select(0, flat).view({positions.size(0), positions.size(1), dim_});  // [B, S, hd]
  };
  return {pick(cos_), pick(sin_)};
}

// ---------------------------------------------------------------------------------------------

LlamaAttentionImpl::LlamaAttentionImpl(const io::LlmConfig& config, const at::TensorOptions& options)
    : heads_(config.num_attention_heads), kv_heads_(config.num_key_value_heads), head_dim_(config.head_dim()) {
  const int64_t d = config.hidden_size;
  q_proj_ = register_module("q_proj", LlamaLinear(d, heads_ * head_dim_, options));
  k_proj_ = register_module("k_proj", LlamaLinear(d, kv_heads_ * head_dim_, options));
  v_proj_ = register_module("v_proj", LlamaLinear(d, kv_heads_ * head_dim_, options));
  o_proj_ = register_module("o_proj", LlamaLinear(heads_ * head_dim_, d, options));
}

at::Tensor LlamaAttentionImpl::forward(const at::Tensor& x, const at::Tensor& cos, const at::Tensor& sin,
                                       const at::Tensor& allowed, runtime::KvCache& cache, int64_t layer,
                                       const AttentionPlan& plan) {
  const int64_t b = x.size(0), s = x.size(1);
  auto heads = [&](const at::Tensor& y, int64_t n) { return y.view({b, s, n, head_dim_}).transpose(1, 2); };
  at::Tensor q = heads(q_proj_(x), heads_);     // [B, H, S, hd]
  at::Tensor k = heads(k_proj_(x), kv_heads_);  // [B, KV, S, hd]
  const at::Tensor v = heads(v_proj_(x), kv_heads_);
  // cos/sin [B, S, hd] -> [B, 1, S, hd], cast to the activations' dtype as HF does.
  const at::Tensor c = cos.unsqueeze(1).to(x.scalar_type()), sn = sin.unsqueeze(1).to(x.scalar_type());
  q = q * c + rotate_half(q) * sn;
  k = k * c + rotate_half(k) * sn;

  // [B, KV, T, hd]: T = cached + S, or the whole capacity for a static decode step.
  const auto [keys, values] = plan.slot.defined() ? cache.write_at(layer, plan.slot, k, v) : cache.append(layer, k, v);
  const at::Tensor attn = plan.impl == AttentionImpl::kSdpa ? attend_sdpa(q, keys, values, allowed, plan)
                                                            : attend_eager(q, keys, values, allowed);  // [B, H, S, hd]
  const at::Tensor out = attn.transpose(1, 2).contiguous().reshape({b, s, heads_ * head_dim_});
  return o_proj_(out);  // [B, S, D]
}

at::Tensor LlamaAttentionImpl::attend_eager(const at::Tensor& q, const at::Tensor& keys_in, const at::Tensor& values_in,
                                            const at::Tensor& allowed) const {
  const int64_t s = q.size(2), n_rep = heads_ / kv_heads_;
  const at::Tensor keys = repeat_kv(keys_in, n_rep);  // [B, H, T, hd]
  const at::Tensor values = repeat_kv(values_in, n_rep);
  // Causal attention by blocks of queries: the block [q0, q1) attends to key slots [0, past + q1)
  // only, since every later slot is masked for all of its queries. A long prefill (SliME's ~1.5k
  // rows) then skips the upper triangle's half of the QKᵀ / PV work and never holds the whole
  // [B, H, S, T] score matrix. Masked entries are exact zeros after the softmax, so dropping them
  // changes nothing but the summation order inside the matmuls.
  const int64_t past = keys.size(2) - s;
  std::vector<at::Tensor> blocks;
  for (int64_t q0 = 0; q0 < s; q0 += kQueryBlock) {
    const int64_t q1 = std::min(s, q0 + kQueryBlock), kv = past + q1;
    const at::Tensor kb = keys.slice(2, 0, kv), vb = values.slice(2, 0, kv);  // [B, H, kv, hd]
    at::Tensor scores = at::matmul(q.slice(2, q0, q1), kb.transpose(2, 3)) /
                        std::sqrt(static_cast<double>(head_dim_));  // [B, H, q1 - q0, kv]
    // HF adds finfo.min where masked; a finite fill (not -inf) keeps fully masked rows (left-pad
    // queries) finite, so no NaN can reach the cache and, through 0 * NaN, the real rows.
    scores = scores.masked_fill(allowed.slice(2, q0, q1).slice(3, 0, kv).logical_not(), lowest_of(scores.scalar_type()));
    const at::Tensor weights = at::softmax(scores, -1, at::kFloat).to(q.scalar_type());  // fp32 softmax, as HF
    blocks.push_back(at::matmul(weights, vb));  // [B, H, q1 - q0, hd]
  }
  return blocks.size() == 1 ? blocks[0] : at::cat(blocks, 2);  // [B, H, S, hd]
}

at::Tensor LlamaAttentionImpl::attend_sdpa(const at::Tensor& q, const at::Tensor& keys, const at::Tensor& values,
                                           const at::Tensor& allowed, const AttentionPlan& plan) const {
#if TORCH_VERSION_MAJOR >= 2
  const int64_t b = q.size(0), s = q.size(2), t = keys.size(2), n_rep = heads_ / kv_heads_;
  const bool dense = plan.dense && !plan.slot.defined();
  const bool prefill = dense && s == t;  // no cache and no padding: top-left causal = our causal
  c10::optional<at::Tensor> mask;        // bool, true = attend
  if (plan.slot.defined()) {
    mask = allowed;  // static decode: one real query whose own slot the key mask already shows
  } else if (!dense || (s > 1 && !prefill)) {
    // allowed [B, 1, S, T]. A left-pad query row sees no key at all; SDPA's -inf fill would turn
    // that row into NaN, which its K/V carry into the next layer and, through 0 * NaN, the real
    // rows. Letting each query see its own slot keeps every row finite and changes no real row
    // (a real query already sees its own slot).
    const at::Tensor diag = at::arange(t - s, t, q.options().dtype(at::kLong)).view({s, 1})
                                .eq(at::arange(t, q.options().dtype(at::kLong)).view({1, t}));  // [S, T]
    mask = allowed.logical_or(diag);
  }
  if (s == 1 && n_rep > 1) {
    // One query per head (decode) with grouped KV heads: the n_rep query heads of a group become
    // n_rep query rows of that KV head, so the cache is read once instead of copied n_rep times.
    const at::Tensor qg = q.reshape({b, kv_heads_, n_rep, head_dim_});
    if (mask) mask = mask->view({b, 1, 1, t});  // the same keys for every row of a group
    return at::scaled_dot_product_attention(qg, keys, values, mask).reshape({b, heads_, 1, head_dim_});
  }
  return at::scaled_dot_product_attention(q, repeat_kv(keys, n_rep), repeat_kv(values, n_rep), mask, 0.0,
                                          /*is_causal=*/prefill && s > 1);
#else
  (void)q, (void)keys, (void)values, (void)allowed, (void)plan;
  throw_error(ErrorCode::kUnsupported, "attention sdpa needs LibTorch 2.x (this build has {}.{})", TORCH_VERSION_MAJOR,
              TORCH_VERSION_MINOR);
#endif
}

LlamaMlpImpl::LlamaMlpImpl(const io::LlmConfig& config, const at::TensorOptions& options) {
  const int64_t d = config.hidden_size, f = config.intermediate_size;
  gate_proj_ = register_module("gate_proj", LlamaLinear(d, f, options));
  up_proj_ = register_module("up_proj", LlamaLinear(d, f, options));
  down_proj_ = register_module("down_proj", LlamaLinear(f, d, options));
}

at::Tensor LlamaMlpImpl::forward(const at::Tensor& x) {
  return down_proj_(at::silu(gate_proj_(x)) * up_proj_(x));  // [B, S, F] inside
}

LlamaDecoderLayerImpl::LlamaDecoderLayerImpl(const io::LlmConfig& config, const at::TensorOptions& options) {
  self_attn_ = register_module("self_attn", LlamaAttention(config, options));
  mlp_ = register_module("mlp", LlamaMlp(config, options));
  input_layernorm_ = register_module("input_layernorm", LlamaRmsNorm(config.hidden_size, config.rms_norm_eps, options));
  post_attention_layernorm_ =
      register_module("post_attention_layernorm", LlamaRmsNorm(config.hidden_size, config.rms_norm_eps, options));
}

at::Tensor LlamaDecoderLayerImpl::forward(const at::Tensor& x, const at::Tensor& cos, const at::Tensor& sin,
                                          const at::Tensor& allowed, runtime::KvCache& cache, int64_t layer,
                                          const AttentionPlan& plan) {
  const at::Tensor h = x + self_attn_->forward(input_layernorm_(x), cos, sin, allowed, cache, layer, plan);
  return h + mlp_(post_attention_layernorm_(h));
}

LlamaModelImpl::LlamaModelImpl(const io::LlmConfig& config, const at::TensorOptions& options) {
  embed_tokens = register_module("embed_tokens", LlamaEmbedding(config.vocab_size, config.hidden_size, options));
  layers = register_module("layers", torch::nn::ModuleList());
  for (int64_t i = 0; i < config.num_hidden_layers; ++i) layers->push_back(LlamaDecoderLayer(config, options));
  norm = register_module("norm", LlamaRmsNorm(config.hidden_size, config.rms_norm_eps, options));
}

// ---------------------------------------------------------------------------------------------

LlamaForCausalLMImpl::LlamaForCausalLMImpl(const io::LlmConfig& config, const at::TensorOptions& options)
    : config_(config), rotary_(config) {
  if (config.hidden_size % config.num_attention_heads != 0 ||
      config.num_attention_heads % config.num_key_value_heads != 0)
    throw_error(ErrorCode::kInvalidArgument, "Llama: heads {} / kv heads {} do not divide hidden {} / heads",
                config.num_attention_heads, config.num_key_value_heads, config.hidden_size);
  if (config.hidden_act != "silu")
    throw_error(ErrorCode::kUnsupported, "Llama hidden_act '{}' is not supported (silu)", config.hidden_act);
  model_ = register_module("model", LlamaModel(config, options));
  if (!config.tie_word_embeddings)
    lm_head_ = register_module("lm_head", LlamaLinear(config.hidden_size, config.vocab_size, options));
}

at::ScalarType LlamaForCausalLMImpl::dtype() const { return model_->norm->weight.scalar_type(); }
at::Device LlamaForCausalLMImpl::device() const { return model_->norm->weight.device(); }

at::Tensor LlamaForCausalLMImpl::embed(const at::Tensor& ids) {
  // No NoGradGuard here: training (engine/train) needs the graph; inference callers (prepare_prompt,
  // runtime::generate) hold their own guard, and frozen parameters build no graph anyway.
  return model_->embed_tokens(ids.to(device(), at::kLong));  // [B, S, D]
}

runtime::KvCache LlamaForCausalLMImpl::make_cache(int64_t batch, int64_t max_len) const {
  return runtime::KvCache(config_.num_hidden_layers, batch, config_.num_key_value_heads, max_len, config_.head_dim(),
                          dtype(), device());
}

at::Tensor LlamaForCausalLMImpl::forward(const at::Tensor& inputs_embeds, const at::Tensor& positions,
                                         const at::Tensor& attention_mask, runtime::KvCache& cache, bool last_only,
                                         const LlmDumpFn& dump, const at::Tensor& logit_rows) {
  // No NoGradGuard (see embed): the caller decides whether a graph is built.
  if (inputs_embeds.dim() != 3 || inputs_embeds.size(2) != config_.hidden_size)
    throw_error(ErrorCode::kShape, "Llama inputs_embeds: shape {}, expected [B, S, {}]", io::shape_str(inputs_embeds.sizes()),
                config_.hidden_size);
  const int64_t b = inputs_embeds.size(0), s = inputs_embeds.size(1), past = cache.length(), total = past + s;
  if (s == 0) throw_error(ErrorCode::kShape, "Llama inputs_embeds: empty sequence");
  if (b != cache.batch() || cache.layers() != config_.num_hidden_layers)
    throw_error(ErrorCode::kShape, "Llama: batch {} / {} layers do not match the KV cache's batch {} / {} layers", b,
                config_.num_hidden_layers, cache.batch(), cache.layers());
  if (positions.sizes() != at::IntArrayRef{b, s})
    throw_error(ErrorCode::kShape, "Llama positions: shape {}, expected [{}, {}]", io::shape_str(positions.sizes()), b, s);
  if (attention_mask.sizes() != at::IntArrayRef{b, total})
    throw_error(ErrorCode::kShape, "Llama attention_mask: shape {}, expected [{}, {}] (cached {} + new {} slots)",
                io::shape_str(attention_mask.sizes()), b, total, past, s);

  const at::Device dev = device();
  const at::Tensor pos = positions.to(dev, at::kLong);
  // Query slot past + i sees key slot j iff j <= past + i (causal in slot order, bottom-right
  // aligned with the cache) and j is a real token of that row.
  const auto long_opts = at::TensorOptions().dtype(at::kLong).device(dev);
  const at::Tensor q_slots = at::arange(past, total, long_opts).view({s, 1});
  const at::Tensor k_slots = at::arange(total, long_opts).view({1, total});
  const at::Tensor causal = k_slots.le(q_slots);                                  // [S, T]
  const at::Tensor real = attention_mask.to(dev).ne(0).view({b, 1, 1, total});    // [B, 1, 1, T]
  const at::Tensor allowed = causal.view({1, 1, s, total}).logical_and(real);     // [B, 1, S, T]

  AttentionPlan plan;
  plan.impl = resolve_attention(attention_, dev);
  // One host read per forward, and only for SDPA: without padding it runs maskless (flash-eligible).
  if (plan.impl == AttentionImpl::kSdpa) plan.dense = attention_mask.ne(0).all().item<bool>();

  const auto [cos, sin] = rotary_.cos_sin(pos, total);  // [B, S, hd] fp32
  at::Tensor h = inputs_embeds.to(dev, dtype());        // [B, S, D]
  if (dump) dump("llm.inputs_embeds", h);
  for (size_t i = 0; i < model_->layers->size(); ++i) {
    h = model_->layers->at<LlamaDecoderLayerImpl>(i).forward(h, cos, sin, allowed, cache, static_cast<int64_t>(i),
                                                             plan);
    if (dump) dump(fmt::format("llm.layer.{}", i), h);
  }
  cache.advance(s);

  if (last_only) h = h.slice(1, s - 1);  // [B, 1, D]: RMSNorm and the head are per position
  else if (logit_rows.defined()) h = h.index_select(1, logit_rows.to(dev, at::kLong));  // [B, R, D]
  h = model_->norm(h);
  if (dump) dump("llm.norm", h);
  const at::Tensor head = lm_head_ ? lm_head_->weight : model_->embed_tokens->weight;  // [V, D]
  at::Tensor logits = at::linear(h, head).to(at::kFloat);                              // [B, S or 1, V]
  if (dump) dump("llm.logits", logits);
  return logits;
}

bool LlamaForCausalLMImpl::static_decode_ok(int64_t capacity) const {
  return !(config_.rope_scaling && config_.rope_scaling->type == "dynamic" &&
           capacity > config_.max_position_embeddings);
}

at::Tensor LlamaForCausalLMImpl::decode_static(const at::Tensor& ids, const at::Tensor& positions,
                                               const at::Tensor& slot, const at::Tensor& key_mask,
                                               runtime::KvCache& cache) {
  const int64_t b = cache.batch(), capacity = cache.capacity();
  const at::Device dev = device();
  if (!static_decode_ok(capacity))
    throw_error(ErrorCode::kUnsupported, "Llama decode_static: dynamic rope scaling past {} positions (capacity {})",
                config_.max_position_embeddings, capacity);
  if (ids.sizes() != at::IntArrayRef{b, 1} || positions.sizes() != at::IntArrayRef{b, 1} || slot.numel() != 1 ||
      key_mask.sizes() != at::IntArrayRef{b, capacity} || key_mask.scalar_type() != at::kBool ||
      ids.device() != dev || positions.device() != dev || slot.device() != dev || key_mask.device() != dev)
    throw_error(ErrorCode::kShape, "Llama decode_static: ids {}, positions {}, slot {}, key_mask {} ({}); expected "
                "ids and positions [B = {}, 1], slot [1], key_mask [B, {}] bool, all on {}", io::shape_str(ids.sizes()),
                io::shape_str(positions.sizes()), io::shape_str(slot.sizes()), io::shape_str(key_mask.sizes()),
                c10::toString(key_mask.scalar_type()), b, capacity, dev.str());
  AttentionPlan plan;
  plan.impl = resolve_attention(attention_, dev);
  plan.slot = slot;
  const at::Tensor allowed = key_mask.view({b, 1, 1, capacity});  // the query is the newest slot: causal by the mask
  // A table over max(max_positions, capacity) rows: the same rows for every step (no rebuild, so
  // no work outside the captured kernels), and equal to the per-step table of the reference path.
  const auto [cos, sin] = rotary_.cos_sin(positions, capacity);  // [B, 1, hd] fp32
  at::Tensor h = model_->embed_tokens(ids);                      // [B, 1, D]
  for (size_t i = 0; i < model_->layers->size(); ++i)
    h = model_->layers->at<LlamaDecoderLayerImpl>(i).forward(h, cos, sin, allowed, cache, static_cast<int64_t>(i),
                                                             plan);
  h = model_->norm(h);
  const at::Tensor head = lm_head_ ? lm_head_->weight : model_->embed_tokens->weight;  // [V, D]
  return at::linear(h, head).to(at::kFloat);                                           // [B, 1, V]
}

// ---------------------------------------------------------------------------------------------

LlamaLoadReport load_llama_weights(LlamaForCausalLM& model, const io::Checkpoint& checkpoint,
                                   const LlamaLoadOptions& options) {
  io::LoadOptions load;
  load.prefix = options.prefix;
  load.dtype = options.dtype;
  load.device = options.device;
  // A SliME checkpoint also holds the vision/projector tensors, and a tied model ignores a stored
  // lm_head.weight; any other unused LLM-looking tensor (an extra layer) is an error.
  load.may_skip = [&](const std::string& key) {
    auto starts = [&](const char* p) { return key.rfind(p, 0) == 0; };
    const bool llm_key = starts("model.layers.") || starts("model.embed_tokens.") || starts("model.norm.") ||
                         starts("lm_head.");
    const bool tied_head = key == "lm_head.weight" && model->config().tie_word_embeddings;
    return !llm_key || tied_head;
  };
  const io::LoadReport loaded = io::load_state_dict(*model, checkpoint, load);
  LlamaLoadReport report;
  report.loaded = loaded.loaded;
  report.skipped = loaded.ignored;
  return report;
}

}  // namespace slime::model
