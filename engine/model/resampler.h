// SliME's Resampler (model.md §5; upstream llava/model/multimodal_resampler/sampler.py): one
// cross-attention of G*G learned queries over a square grid of vision tokens. No residual, no FFN,
// no query self-attention, one layer. It serves as the global expert R576 (G = 24, parameters under
// model.mm_projector.attn.) and as the local compressor R144 (G = 12, under
// model.sampler.post_qformer.).
//
// Parameter names equal the upstream state-dict keys below the prefix:
//   query [Nq, E], pos_embed [Nq, E], attn.in_proj_weight [3E, E], attn.in_proj_bias [3E],
//   attn.out_proj.{weight [E, E], bias [E]}, ln_q / ln_kv / ln_post .{weight, bias} [E].
//
// Ambiguities resolved against upstream sampler.py @5c89ec9 (also in the report):
//  - kv_proj and proj are Identity (kv_dim == E, use_post_proj=False), so they have no parameters.
//  - The key position table is upstream get_abs_pos: pos_embed viewed [1, E, G, G] (row = h,
//    column = w), F.interpolate(mode=bicubic, align_corners=False, explicit size, no antialias),
//    computed in fp32 and cast back to pos_embed's dtype, which upstream is always fp16 (the
//    Parameter is created .to(torch.float16)), even when the rest of the block runs in fp32: the
//    resized table is therefore rounded to fp16 (option fp16_key_table) and then takes the module
//    dtype. Checked against upstream's Resampler in fp32: without the rounding the output differs
//    by 5e-4, with it by 0. The target side is sqrt(S) for S keys
//    (upstream: tgt_size=(24,24) unless S != 576, then int(sqrt(S))); a non-square S is refused
//    here (upstream would fail at the broadcast).
//  - Query side: ln_q(query) + pos_embed with the un-resized table, identical for every crop.
//  - Key = ln_kv(x) + pos_k, value = ln_kv(x) (no position on the value).
//  - MHA (PyTorch F.multi_head_attention_forward, need_weights=True path): the packed weight is
//    split [Wq; Wk; Wv] by rows; heads are contiguous column blocks of E/H; q is multiplied by
//    sqrt(1/head_dim) (torch 2.x; 1.13 divides by sqrt(head_dim): rounding only) before Q·Kᵀ;
//    softmax over the keys; no mask, no dropout; heads concatenated, then out_proj.
//  - Heads: upstream passes num_heads = mm_hidden_size // 128 (8 for 1024). It is an option here
//    because tiny synthetic widths (64) would give 0.
//  - LayerNorm eps 1e-6 on all three norms (norm_layer=partial(nn.LayerNorm, eps=1e-6)).
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <torch/torch.h>

namespace slime::model {

// Named intermediates for --dump and parity tests; the same type io::save_safetensors takes.
using NamedTensors = std::vector<std::pair<std::string, at::Tensor>>;

// Appends (name, tensor) when DUMP is non-null. Tensors are detached, never copied.
void dump_tensor(NamedTensors* dump, const std::string& name, const at::Tensor& tensor);

// MAE 2-D sin-cos table [G*G, E] in fp32 (model.md §5): token m = h*G + w; dims [0, E/4) sin(w·ω),
// [E/4, E/2) cos(w·ω), [E/2, 3E/4) sin(h·ω), [3E/4, E) cos(h·ω), ω_j = 10000^(-j/(E/4)).
// Upstream then stores it as fp16; ROUND_TO_FP16 reproduces that rounding.
at::Tensor sincos_pos_embed_2d(int64_t embed_dim, int64_t grid, bool round_to_fp16 = true);

// Bicubic resize of a [G*G, E] table to [side*side, E] exactly as upstream get_abs_pos does:
// fp32 compute, then rounded to ROUND_TO (upstream: the fp16 Parameter's dtype), then the table's
// dtype.
at::Tensor resize_pos_embed(const at::Tensor& table, int64_t side, at::ScalarType round_to = at::kHalf);

// nn.MultiheadAttention(E, H) with its packed in-projection and upstream parameter names. Batch
// first here; upstream is sequence-first, which only permutes the loops.
class PackedAttentionImpl : public torch::nn::Module {
 public:
  PackedAttentionImpl(int64_t embed_dim, int64_t num_heads);
  // query [N, Lq, E], key/value [N, S, E] -> [N, Lq, E]. Dumps NAME.{q,k,v} (after the
  // in-projection, [N, L, E], unscaled), NAME.weights [N, H, Lq, S], NAME.context [N, Lq, E]
  // (heads concatenated, before out_proj).
  at::Tensor forward(const at::Tensor& query, const at::Tensor& key, const at::Tensor& value,
                     NamedTensors* dump = nullptr, const std::string& name = "attn");

  int64_t embed_dim, num_heads;
  at::Tensor in_proj_weight, in_proj_bias;  // [3E, E], [3E]: rows [Wq; Wk; Wv]
  torch::nn::Linear out_proj{nullptr};
};
TORCH_MODULE(PackedAttention);

struct ResamplerOptions {
  int64_t embed_dim = 1024;  // E = mm_hidden_size (queries, keys and output share it)
  int64_t grid = 12;         // G: Nq = G*G queries (24 global expert, sqrt(mm_resampler_dim) local)
  int64_t num_heads = 8;     // upstream mm_hidden_size // 128
  // Round the resized key table to fp16 as upstream's fp16 pos_embed does (see above); false keeps
  // it in the module dtype (only for experiments: it departs from upstream in fp32/bf16 runs).
  bool fp16_key_table = true;
};

class ResamplerImpl : public torch::nn::Module {
 public:
  explicit ResamplerImpl(const ResamplerOptions& options);

  // x: [N, S, E] or [S, E] with S = s*s keys -> [N, Nq, E] or [Nq, E]. Dumps under NAME:
  // kv (= ln_kv(x)), pos_k [S, E], query_in [Nq, E], key_in [N, S, E], attn.{q,k,v,weights,
  // context}, attn_out [N, Nq, E] (after out_proj), out [N, Nq, E] (after ln_post).
  at::Tensor forward(const at::Tensor& x, NamedTensors* dump = nullptr,
                     const std::string& name = "resampler");

  int64_t num_queries() const { return options_.grid * options_.grid; }
  const ResamplerOptions& options() const { return options_; }

  at::Tensor query;      // [Nq, E], learned
  at::Tensor pos_embed;  // [Nq, E], fixed sin-cos (loaded from the checkpoint for parity)
  PackedAttention attn{nullptr};
  torch::nn::LayerNorm ln_q{nullptr}, ln_kv{nullptr}, ln_post{nullptr};

 private:
  ResamplerOptions options_;
};
TORCH_MODULE(Resampler);

}  // namespace slime::model
