#include "engine/model/resampler.h"

#include <cmath>

#include "engine/common/error.h"
#include "engine/io/torch_tensors.h"

namespace slime::model {

namespace {

// Upstream: norm_layer=partial(nn.LayerNorm, eps=1e-6).
constexpr double kLayerNormEps = 1e-6;

using io::shape_str;

int64_t exact_sqrt(int64_t n) {
  auto side = static_cast<int64_t>(std::llround(std::sqrt(static_cast<double>(n))));
  return side * side == n ? side : -1;
}

torch::nn::LayerNorm make_layer_norm(int64_t dim) {
  return torch::nn::LayerNorm(torch::nn::LayerNormOptions({dim}).eps(kLayerNormEps));
}

}  // namespace

void dump_tensor(NamedTensors* dump, const std::string& name, const at::Tensor& tensor) {
  if (dump != nullptr) dump->emplace_back(name, tensor.detach());
}

at::Tensor sincos_pos_embed_2d(int64_t embed_dim, int64_t grid, bool round_to_fp16) {
  if (embed_dim % 4 != 0 || grid < 1)
    throw_error(ErrorCode::kInvalidArgument, "sin-cos position table: embed_dim {} must be a multiple of 4 and grid {} >= 1",
                embed_dim, grid);
  const int64_t quarter = embed_dim / 4;
  // Upstream computes in float32 numpy: omega = arange(E/4) / (E/4); omega = 1 / 10000**omega;
  // out = pos * omega; sin/cos in float32. Single-precision steps are mirrored; libm's sinf/cosf
  // may differ from numpy's by an ulp, far below the fp16 rounding that follows.
  std::vector<float> omega(static_cast<size_t>(quarter));
  for (int64_t j = 0; j < quarter; ++j) {
    const float exponent = static_cast<float>(j) / static_cast<float>(quarter);
    omega[static_cast<size_t>(j)] = 1.0f / std::pow(10000.0f, exponent);
  }
  at::Tensor table = torch::empty({grid * grid, embed_dim}, torch::kFloat32);
  auto acc = table.accessor<float, 2>();
  for (int64_t h = 0; h < grid; ++h) {
    for (int64_t w = 0; w < grid; ++w) {
      const int64_t m = h * grid + w;  // meshgrid(w, h): the first half encodes the column w
      for (int64_t j = 0; j < quarter; ++j) {
        const float aw = static_cast<float>(w) * omega[static_cast<size_t>(j)];
        const float ah = static_cast<float>(h) * omega[static_cast<size_t>(j)];
        acc[m][j] = std::sin(aw);
        acc[m][quarter + j] = std::cos(aw);
        acc[m][2 * quarter + j] = std::sin(ah);
        acc[m][3 * quarter + j] = std::cos(ah);
      }
    }
  }
  // Upstream: nn.Parameter(torch.from_numpy(...).to(torch.float16)).
  return round_to_fp16 ? table.to(torch::kFloat16).to(torch::kFloat32) : table;
}

at::Tensor resize_pos_embed(const at::Tensor& table, int64_t side, at::ScalarType round_to) {
  const int64_t grid = exact_sqrt(table.size(0));
  if (table.dim() != 2 || grid < 0)
    throw_error(ErrorCode::kShape, "pos_embed: expected [G*G, E], got {}", shape_str(table.sizes()));
  // get_abs_pos: abs_pos.float().reshape(1, G, G, E).permute(0, 3, 1, 2) -> bicubic to (side, side)
  // with align_corners=False -> permute(0, 2, 3, 1).flatten(0, 2).to(dtype).
  namespace F = torch::nn::functional;
  at::Tensor grid_first = table.to(torch::kFloat32).reshape({1, grid, grid, table.size(1)}).permute({0, 3, 1, 2});
  at::Tensor resized = F::interpolate(grid_first, F::InterpolateFuncOptions()
                                                      .size(std::vector<int64_t>{side, side})
                                                      .mode(torch::kBicubic)
                                                      .align_corners(false));
  return resized.permute({0, 2, 3, 1}).reshape({side * side, table.size(1)}).to(round_to).to(table.scalar_type());
}

PackedAttentionImpl::PackedAttentionImpl(int64_t embed_dim_, int64_t num_heads_)
    : embed_dim(embed_dim_), num_heads(num_heads_) {
  if (num_heads < 1 || embed_dim % num_heads != 0)
    throw_error(ErrorCode::kInvalidArgument, "attention: embed_dim {} is not divisible by num_heads {}", embed_dim,
                num_heads);
  // Values are placeholders until a checkpoint is loaded (PyTorch uses xavier_uniform / zeros).
  in_proj_weight = register_parameter("in_proj_weight", torch::empty({3 * embed_dim, embed_dim}));
  in_proj_bias = register_parameter("in_proj_bias", torch::zeros({3 * embed_dim}));
  torch::nn::init::xavier_uniform_(in_proj_weight);
  out_proj = register_module("out_proj", torch::nn::Linear(embed_dim, embed_dim));
}

at::Tensor PackedAttentionImpl::forward(const at::Tensor& query, const at::Tensor& key, const at::Tensor& value,
                                        NamedTensors* dump, const std::string& name) {
  const int64_t n = query.size(0), lq = query.size(1), s = key.size(1);
  const int64_t head_dim = embed_dim / num_heads;
  // _in_projection_packed with key is not value: three separate linears over the row blocks.
  std::vector<at::Tensor> w = in_proj_weight.chunk(3, 0);
  std::vector<at::Tensor> b = in_proj_bias.chunk(3, 0);
  at::Tensor q = torch::nn::functional::linear(query, w[0], b[0]);  // [N, Lq, E]
  at::Tensor k = torch::nn::functional::linear(key, w[1], b[1]);    // [N, S, E]
  at::Tensor v = torch::nn::functional::linear(value, w[2], b[2]);  // [N, S, E]
  dump_tensor(dump, name + ".q", q);
  dump_tensor(dump, name + ".k", k);
  dump_tensor(dump, name + ".v", v);

  auto split_heads = [&](const at::Tensor& t, int64_t len) {  // [N, L, E] -> [N, H, L, hd]
    return t.reshape({n, len, num_heads, head_dim}).transpose(1, 2);
  };
  // torch 2.x need_weights=True path: q_scaled = q * sqrt(1 / head_dim), then bmm, softmax, bmm.
  const double scale = std::sqrt(1.0 / static_cast<double>(head_dim));
  at::Tensor scores = torch::matmul(split_heads(q, lq) * scale, split_heads(k, s).transpose(-2, -1));  // [N, H, Lq, S]
  at::Tensor weights = torch::softmax(scores, -1);
  dump_tensor(dump, name + ".weights", weights);
  at::Tensor context = torch::matmul(weights, split_heads(v, s)).transpose(1, 2).reshape({n, lq, embed_dim});
  dump_tensor(dump, name + ".context", context);
  return out_proj(context);  // [N, Lq, E]
}

ResamplerImpl::ResamplerImpl(const ResamplerOptions& options) : options_(options) {
  const int64_t e = options.embed_dim;
  if (options.grid < 1) throw_error(ErrorCode::kInvalidArgument, "resampler: grid {} must be >= 1", options.grid);
  // Upstream: trunc_normal_(std=0.02); the value only matters until a checkpoint is loaded.
  query = register_parameter("query", torch::randn({num_queries(), e}) * 0.02);
  pos_embed = register_parameter("pos_embed", sincos_pos_embed_2d(e, options.grid), /*requires_grad=*/false);
  attn = register_module("attn", PackedAttention(e, options.num_heads));
  ln_q = register_module("ln_q", make_layer_norm(e));
  ln_kv = register_module("ln_kv", make_layer_norm(e));
  ln_post = register_module("ln_post", make_layer_norm(e));
}

at::Tensor ResamplerImpl::forward(const at::Tensor& x_in, NamedTensors* dump, const std::string& name) {
  const int64_t e = options_.embed_dim;
  if ((x_in.dim() != 2 && x_in.dim() != 3) || x_in.size(-1) != e)
    throw_error(ErrorCode::kShape, "{}: input must be [N, S, {}] or [S, {}], got {}", name, e, e,
                shape_str(x_in.sizes()));
  const bool unbatched = x_in.dim() == 2;
  at::Tensor x = unbatched ? x_in.unsqueeze(0) : x_in;  // [N, S, E]
  const int64_t side = exact_sqrt(x.size(1));
  if (side < 1)
    throw_error(ErrorCode::kShape, "{}: input {} has {} tokens, not a non-empty square grid", name,
                shape_str(x_in.sizes()), x.size(1));

  const at::ScalarType table_dtype = options_.fp16_key_table ? at::kHalf : pos_embed.scalar_type();
  at::Tensor pos_k = resize_pos_embed(pos_embed.detach(), side, table_dtype);  // [S, E]
  dump_tensor(dump, name + ".pos_k", pos_k);
  at::Tensor kv = ln_kv(x);  // [N, S, E]; kv_proj is Identity
  dump_tensor(dump, name + ".kv", kv);
  at::Tensor query_in = ln_q(query) + pos_embed.detach();  // [Nq, E], same for every batch entry
  dump_tensor(dump, name + ".query_in", query_in);
  at::Tensor key_in = kv + pos_k;  // [N, S, E]
  dump_tensor(dump, name + ".key_in", key_in);

  at::Tensor q = query_in.unsqueeze(0).expand({x.size(0), num_queries(), e});  // [N, Nq, E]
  at::Tensor out = attn(q, key_in, kv, dump, name + ".attn");                   // [N, Nq, E]
  dump_tensor(dump, name + ".attn_out", out);
  out = ln_post(out);  // proj is Identity
  dump_tensor(dump, name + ".out", out);
  return unbatched ? out.squeeze(0) : out;
}

}  // namespace slime::model
