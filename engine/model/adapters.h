// Global branch projectors (model.md §4; upstream llava/model/multimodal_projector/builder.py):
//   - mlp2x_gelu: LLaVA-1.5 MLP, Linear(E->D) -> GELU(erf) -> Linear(D->D);
//     keys model.mm_projector.{0,2}.{weight,bias}.
//   - gated (GatedBlock, the "mixture of adapters"): two experts sharing that MLP,
//     E0 = MLP(x), E1 = MLP(R576(x)), mixed per token by a softmax gate on the raw CLIP feature;
//     keys model.mm_projector.{w_gate, w_noise, projection.{0,2}.*, attn.* (a Resampler)}.
// mm_learnable_gated 0 / 1 return E0 / E1 ungated; −1 (default) is the mixture.
//
// Upstream's shape guard (experts only when a dim equals 576) is not reproduced: callers choose
// forward_global() for F[0] and mlp() for the local crops (§6) explicitly.
//
// Resolved details:
//  - The gate is eval-only unless forward_global gets gate noise (training); top-2 of 2 is dense, so g = p / (p0 + p1 + 1e-6) with
//    p = softmax(x·w_gate) is exactly upstream's topk + renorm + scatter (addition commutes).
//  - The mix is upstream's matmul of stacked [N, D, 2] experts with g [N, 2, 1].
//  - w_gate is cast to x's dtype before the product (upstream: x @ self.w_gate.to(x.dtype)).
//  - w_noise and the mean/std buffers are training-only: not registered, ignored on load (whether
//    files hold mean/std is unverified; w_noise is always saved but never read at eval).
//  - Modules register only what their mode uses, so a mode whose weights a checkpoint lacks fails
//    at load with a message naming the mode; tensors of unused parts are skipped.
#pragma once
#include <cstdint>
#include <string>

#include <torch/torch.h>

#include "engine/io/checkpoint.h"
#include "engine/io/model_config.h"
#include "engine/io/torch_tensors.h"
#include "engine/model/resampler.h"

namespace slime::model {

// Linear(in -> hidden) -> GELU (exact erf) -> Linear(hidden -> hidden). Children are named "0" and
// "2" as in upstream nn.Sequential (index 1 is the parameterless GELU).
class Mlp2xGeluImpl : public torch::nn::Module {
 public:
  Mlp2xGeluImpl(int64_t in_dim, int64_t hidden);
  at::Tensor forward(const at::Tensor& x);  // [..., in] -> [..., hidden]
  torch::nn::Linear fc1{nullptr}, fc2{nullptr};
};
TORCH_MODULE(Mlp2xGelu);

struct ProjectorOptions {
  io::ProjectorKind kind = io::ProjectorKind::kGated;  // kGated or kMlpGelu (depth 2) only
  int64_t learnable_gated = -1;  // mm_learnable_gated: −1 mixture, 0 E0 only, 1 E1 only
  int64_t vision_dim = 1024;     // E = mm_hidden_size
  int64_t hidden = 4096;         // D = LLM hidden_size
  int64_t global_grid = 24;      // R576's query grid (upstream hard-codes 576 = 24²)
  int64_t num_heads = 8;         // upstream mm_hidden_size // 128

  // From a parsed config.json: kUnsupported for projector types other than gated / mlp2x_gelu.
  static ProjectorOptions from_config(const io::ModelConfig& config);
  bool gated() const { return kind == io::ProjectorKind::kGated; }
  bool uses_gate() const { return gated() && learnable_gated < 0; }
  bool uses_resampler() const { return gated() && learnable_gated != 0; }
  std::string mode_name() const;  // e.g. "gated (mm_learnable_gated=-1)"
};

// model.mm_projector: parameter names below the prefix equal the upstream keys.
class ProjectorImpl : public torch::nn::Module {
 public:
  explicit ProjectorImpl(const ProjectorOptions& options);

  // Global view x [N_g, E] (or [B, N_g, E]) -> [N_g, D] (or [B, N_g, D]). Gated modes need
  // N_g = global_grid². Dumps adapters.gate_logits [N_g, 2], adapters.gate [N_g, 2],
  // adapters.expert0 / adapters.expert1 [N_g, D], adapters.resampler.* (see Resampler),
  // adapters.out — only the tensors the mode computes. Batched dumps keep the batch dim.
  // GATE_NOISE (training only, mixture mode; undefined at inference = upstream eval): standard
  // normal draws shaped like the gate logits [.., N, 2], which upstream's noisy_top_k_gating adds as
  // logits + noise * (softplus(x·w_gate) + 0.01) (model.md §4: the std comes from w_gate at HEAD).
  at::Tensor forward_global(const at::Tensor& x, NamedTensors* dump = nullptr, const at::Tensor& gate_noise = {});

  // The shared MLP (expert 0's weights in gated mode; the whole projector for mlp2x_gelu).
  Mlp2xGelu mlp() const { return mlp_; }
  const ProjectorOptions& options() const { return options_; }

  at::Tensor w_gate;       // [E, 2] (mixture mode only)
  Resampler attn{nullptr};     // R576 (modes −1 and 1)

 private:
  ProjectorOptions options_;
  Mlp2xGelu mlp_{nullptr};
};
TORCH_MODULE(Projector);

inline constexpr const char* kProjectorPrefix = "model.mm_projector.";

// Loads PROJECTOR from CHECKPOINT under PREFIX (default model.mm_projector.), checking first that
// the checkpoint holds what the mode needs: kNotFound naming the mode, the missing key and, when
// recognisable, the projector kind the checkpoint holds instead. Options.prefix is overridden.
io::LoadReport load_projector(Projector& projector, const io::Checkpoint& checkpoint,
                              io::LoadOptions options = {}, const std::string& prefix = kProjectorPrefix);

}  // namespace slime::model
