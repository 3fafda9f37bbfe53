#include "engine/model/adapters.h"

#include <algorithm>

#include <fmt/format.h>

#include "engine/common/error.h"
#include "engine/io/torch_tensors.h"

namespace slime::model {

namespace {

// GatedBlock.noisy_top_k_gating: top_k_logits / (top_k_logits.sum(1, keepdim=True) + 1e-6).
constexpr double kGateRenormEps = 1e-6;
// GatedBlock.noisy_top_k_gating(noise_epsilon=1e-2): floor of the training noise's std.
constexpr double kGateNoiseEpsilon = 1e-2;

using io::shape_str;

bool starts_with(const std::string& s, const std::string& prefix) { return s.compare(0, prefix.size(), prefix) == 0; }

// What the checkpoint holds under PREFIX, for error messages.
std::string describe_projector(const io::Checkpoint& checkpoint, const std::string& prefix) {
  if (checkpoint.find(prefix + "projection.0.weight") != nullptr)
    return checkpoint.find(prefix + "attn.query") != nullptr ? "a gated projector"
                                                               : "a gated projector without the resampler expert";
  if (checkpoint.find(prefix + "0.weight") != nullptr) return "an mlpNx_gelu projector ('" + prefix + "0.weight')";
  if (checkpoint.find(prefix + "weight") != nullptr) return "a linear projector ('" + prefix + "weight')";
  return "no projector under '" + prefix + "'";
}

}  // namespace

Mlp2xGeluImpl::Mlp2xGeluImpl(int64_t in_dim, int64_t hidden) {
  // Upstream's nn.Sequential names: 0 = Linear, 1 = GELU (no parameters), 2 = Linear.
  fc1 = register_module("0", torch::nn::Linear(in_dim, hidden));
  fc2 = register_module("2", torch::nn::Linear(hidden, hidden));
}

at::Tensor Mlp2xGeluImpl::forward(const at::Tensor& x) {
  // nn.GELU() default approximate='none': the exact erf form.
  return fc2(torch::gelu(fc1(x)));
}

ProjectorOptions ProjectorOptions::from_config(const io::ModelConfig& config) {
  ProjectorOptions o;
  o.kind = config.projector.kind;
  if (o.kind != io::ProjectorKind::kGated && !(o.kind == io::ProjectorKind::kMlpGelu && config.projector.mlp_depth == 2))
    throw_error(ErrorCode::kUnsupported, "{}: mm_projector_type '{}' is not supported (gated or mlp2x_gelu)",
                config.source, config.projector.type);
  o.learnable_gated = config.projector.learnable_gated;
  o.vision_dim = config.vision.mm_hidden_size;
  o.hidden = config.llm.hidden_size;
  o.global_grid = 24;                         // GatedBlock.target_sequence_length = 576
  o.num_heads = config.vision.mm_hidden_size / 128;  // GatedBlock: mm_hidden_size // 128
  return o;
}

std::string ProjectorOptions::mode_name() const {
  if (!gated()) return "mlp2x_gelu";
  return fmt::format("gated (mm_learnable_gated={})", learnable_gated);
}

ProjectorImpl::ProjectorImpl(const ProjectorOptions& options) : options_(options) {
  if (options.kind != io::ProjectorKind::kGated && options.kind != io::ProjectorKind::kMlpGelu)
    throw_error(ErrorCode::kUnsupported, "projector: only gated and mlp2x_gelu are implemented");
  if (options.learnable_gated < -1 || options.learnable_gated > 1)
    throw_error(ErrorCode::kInvalidArgument, "mm_learnable_gated must be -1, 0 or 1, got {}", options.learnable_gated);
  mlp_ = Mlp2xGelu(options.vision_dim, options.hidden);
  if (!options.gated()) {
    // The one renaming: plain mlp2x_gelu keys are model.mm_projector.{0,2}.*, i.e. the MLP's
    // layers sit directly on the projector (gated: under "projection.").
    register_module("0", mlp_->fc1);
    register_module("2", mlp_->fc2);
    return;
  }
  register_module("projection", mlp_);
  if (options.uses_resampler())
    attn = register_module("attn", Resampler(ResamplerOptions{options.vision_dim, options.global_grid, options.num_heads}));
  if (options.uses_gate())  // upstream init: zeros (a 0.5/0.5 mix); created bf16, kept in the module dtype here
    w_gate = register_parameter("w_gate", torch::zeros({options.vision_dim, 2}));
}

at::Tensor ProjectorImpl::forward_global(const at::Tensor& x, NamedTensors* dump, const at::Tensor& gate_noise) {
  if ((x.dim() != 2 && x.dim() != 3) || x.size(-1) != options_.vision_dim)
    throw_error(ErrorCode::kShape, "adapters.in: expected [N, {}] or [B, N, {}], got {}", options_.vision_dim,
                options_.vision_dim, shape_str(x.sizes()));
  const int64_t tokens = options_.global_grid * options_.global_grid;
  if (options_.uses_resampler() && x.size(-2) != tokens)
    throw_error(ErrorCode::kShape, "adapters.in: {} needs {} global tokens (the resampler expert's queries), got {}",
                options_.mode_name(), tokens, shape_str(x.sizes()));

  at::Tensor e0 = mlp_(x);  // [.., N, D]
  if (!options_.gated() || options_.learnable_gated == 0) {
    dump_tensor(dump, "adapters.out", e0);
    return e0;
  }
  if (options_.learnable_gated < 0) dump_tensor(dump, "adapters.expert0", e0);
  at::Tensor e1 = mlp_(attn(x, dump, "adapters.resampler"));  // [.., N, D]
  if (options_.learnable_gated == 1) {
    dump_tensor(dump, "adapters.out", e1);
    return e1;
  }
  dump_tensor(dump, "adapters.expert1", e1);

  at::Tensor logits = torch::matmul(x, w_gate.to(x.scalar_type()));  // [.., N, 2]
  if (gate_noise.defined()) {
    if (gate_noise.sizes() != logits.sizes())
      throw_error(ErrorCode::kShape, "adapters.gate_noise: {} for gate logits {}", shape_str(gate_noise.sizes()),
                  shape_str(logits.sizes()));
    // GatedBlock.noisy_top_k_gating in training: noise_epsilon 1e-2.
    logits = logits + gate_noise.to(logits.options()) * (torch::softplus(logits) + kGateNoiseEpsilon);
  }
  dump_tensor(dump, "adapters.gate_logits", logits);
  at::Tensor p = torch::softmax(logits, -1);
  at::Tensor gate = p / (p.sum(-1, /*keepdim=*/true) + kGateRenormEps);  // [.., N, 2]
  dump_tensor(dump, "adapters.gate", gate);
  // [.., N, D, 2] x [.., N, 2, 1] -> [.., N, D]: a weighted sum of the experts, not a concatenation.
  at::Tensor out = torch::matmul(torch::stack({e0, e1}, -1), gate.unsqueeze(-1)).squeeze(-1);
  dump_tensor(dump, "adapters.out", out);
  return out;
}

io::LoadReport load_projector(Projector& projector, const io::Checkpoint& checkpoint, io::LoadOptions options,
                              const std::string& prefix) {
  const ProjectorOptions& mode = projector->options();
  for (const auto& item : projector->named_parameters(/*recurse=*/true)) {
    const std::string key = prefix + (options.rename ? options.rename(item.key()) : item.key());
    if (checkpoint.find(key) == nullptr)
      throw_error(ErrorCode::kNotFound, "{}: projector mode {} needs '{}', which the checkpoint lacks (it holds {})",
                  checkpoint.path(), mode.mode_name(), key, describe_projector(checkpoint, prefix));
  }
  // Known upstream tensors this mode does not use: training-only ones always, and the parts of the
  // gated block a single-expert mode skips. Anything else under PREFIX stays an error (strict).
  std::vector<std::string> unused = {"w_noise", "mean", "std"};
  if (mode.gated() && !mode.uses_gate()) unused.push_back("w_gate");
  for (const std::string& name : checkpoint.names()) {
    if (!starts_with(name, prefix)) continue;
    const std::string rel = name.substr(prefix.size());
    bool skip = std::find(unused.begin(), unused.end(), rel) != unused.end();
    if (mode.gated() && !mode.uses_resampler() && starts_with(rel, "attn.")) skip = true;
    if (skip) options.ignore_suffixes.push_back(name);
  }
  options.prefix = prefix;
  return io::load_state_dict(*projector, checkpoint, options);
}

}  // namespace slime::model
