// Finite-difference gradient checks of every SliME module on the training path, in double
// precision on tiny random shapes: central differences at a few entries of a parameter against
// autograd. Where a module computes part of its forward in fp32 by design (Llama's RMSNorm
// statistics and attention softmax, the fp32 logits), the step and tolerance follow fp32's
// resolution instead (named constants below).
#include <gtest/gtest.h>

#include <ATen/CPUGeneratorImpl.h>

#include <cmath>
#include <functional>
#include <map>

#include <torch/torch.h>

#include "datasets/registry.h"
#include "engine/model/adapters.h"
#include "engine/model/llama.h"
#include "engine/model/local_branch.h"
#include "engine/model/resampler.h"
#include "engine/model/selector.h"
#include "engine/train/batch.h"
#include "engine/train/features.h"
#include "engine/train/forward.h"
#include "engine/train/stages.h"
#include "tests/unit/train/fixture.h"

namespace slime::train {

namespace {

// Double-precision modules: central differences with h = 1e-6 have truncation error O(h²) ~ 1e-12
// and rounding error ~ 1e-16 / 1e-6 = 1e-10 relative to the output's size.
constexpr double kStepDouble = 1e-6;
constexpr double kTolDouble = 1e-6;  // relative to 1 + |gradient|
// Parts computed in fp32 (relative rounding 6e-8 of an O(1) output): h = 1e-3 keeps the rounding
// noise of the difference near 6e-8 / 1e-3 = 6e-5, truncation O(h²) = 1e-6.
constexpr double kStepFp32 = 1e-3;
constexpr double kTolFp32 = 1e-3;

// Central differences of F at PROBES entries of P vs autograd. F returns a scalar.
void check_grad(const std::function<at::Tensor()>& f, at::Tensor p, const std::string& what, double h, double tol,
                int probes = 4) {
  p.mutable_grad() = at::Tensor();
  f().backward();
  ASSERT_TRUE(p.grad().defined()) << what;
  const at::Tensor g = p.grad().detach().reshape({-1}).to(at::kDouble).clone();
  torch::NoGradGuard no_grad;
  at::Tensor flat = p.view({-1});
  const int64_t n = flat.numel();
  for (int k = 0; k < probes; ++k) {
    const int64_t i = (static_cast<int64_t>(k) * 7919 + 3) % n;
    const double old = flat[i].item<double>();
    flat[i] = old + h;
    const double up = f().item<double>();
    flat[i] = old - h;
    const double down = f().item<double>();
    flat[i] = old;
    const double numeric = (up - down) / (2 * h), analytic = g[i].item<double>();
    EXPECT_NEAR(numeric, analytic, tol * (1 + std::abs(analytic))) << what << " entry " << i;
  }
}

// Random values for every parameter (LayerNorm/RMSNorm weights around 1), a fixed sin-cos pos_embed.
void randomise(torch::nn::Module& m, uint64_t seed) {
  torch::NoGradGuard no_grad;
  torch::manual_seed(seed);
  for (auto& item : m.named_parameters()) {
    const std::string& name = item.key();
    at::Tensor p = item.value();
    if (name.find("pos_embed") != std::string::npos) continue;
    p.normal_(0.0, 0.3);
    if (p.dim() == 1 && name.find("norm") != std::string::npos) p.add_(1.0);
    if (p.dim() == 1 && name.find("ln_") != std::string::npos && name.find(".weight") != std::string::npos) p.add_(1.0);
  }
}

void train_all(torch::nn::Module& m) {
  for (auto& item : m.named_parameters())
    if (item.key().find("pos_embed") == std::string::npos) item.value().set_requires_grad(true);
}

// A fixed random projection makes the scalar depend on every output entry.
at::Tensor weigh(const at::Tensor& y, uint64_t seed) {
  at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(seed);
  const at::Tensor w = at::normal(0.0, 1.0, y.sizes(), gen, at::TensorOptions().dtype(at::kDouble));
  return (y * w).sum();
}

at::Tensor randn_double(at::IntArrayRef shape, uint64_t seed) {
  at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(seed);
  return at::normal(0.0, 1.0, shape, gen, at::TensorOptions().dtype(at::kDouble));
}

}  // namespace

TEST(TrainGradcheck, MlpExpert) {
  model::Mlp2xGelu mlp(6, 5);
  randomise(*mlp, 1);
  mlp->to(at::kDouble);
  train_all(*mlp);
  const at::Tensor x = randn_double({4, 6}, 2);
  auto f = [&] { return weigh(mlp->forward(x), 3); };
  check_grad(f, mlp->fc1->weight, "mlp.0.weight", kStepDouble, kTolDouble);
  check_grad(f, mlp->fc2->bias, "mlp.2.bias", kStepDouble, kTolDouble);
}

TEST(TrainGradcheck, ResamplerGlobalAndLocal) {
  // R576-like: the query grid equals the key grid (3x3); R_Nq-like: 2x2 queries over 4x4 keys (the
  // key position table is bicubic-resized).
  for (const auto& [grid, keys] : {std::pair<int64_t, int64_t>{3, 9}, {2, 16}}) {
    model::ResamplerOptions o;
    o.embed_dim = 8, o.grid = grid, o.num_heads = 2, o.fp16_key_table = false;
    model::Resampler r(o);
    randomise(*r, 4);
    r->to(at::kDouble);
    train_all(*r);
    const at::Tensor x = randn_double({2, keys, 8}, 5);
    auto f = [&] { return weigh(r->forward(x), 6); };
    const std::string tag = "resampler G" + std::to_string(grid) + " ";
    check_grad(f, r->query, tag + "query", kStepDouble, kTolDouble);
    check_grad(f, r->attn->in_proj_weight, tag + "in_proj_weight", kStepDouble, kTolDouble);
    check_grad(f, r->attn->out_proj->weight, tag + "out_proj.weight", kStepDouble, kTolDouble);
    check_grad(f, r->ln_kv->weight, tag + "ln_kv.weight", kStepDouble, kTolDouble);
    check_grad(f, r->ln_post->bias, tag + "ln_post.bias", kStepDouble, kTolDouble);
  }
}

TEST(TrainGradcheck, GatedMixtureWithGateNoise) {
  model::ProjectorOptions o;
  o.vision_dim = 8, o.hidden = 6, o.global_grid = 3, o.num_heads = 2;
  model::Projector p(o);
  randomise(*p, 7);
  p->to(at::kDouble);
  train_all(*p);
  const at::Tensor x = randn_double({9, 8}, 8);
  const at::Tensor noise = randn_double({9, 2}, 9);
  for (const bool noisy : {false, true}) {
    auto f = [&] { return weigh(p->forward_global(x, nullptr, noisy ? noise : at::Tensor()), 10); };
    const std::string tag = noisy ? "noisy " : "";
    check_grad(f, p->w_gate, tag + "w_gate", kStepDouble, kTolDouble);
    check_grad(f, p->mlp()->fc1->weight, tag + "projection.0.weight", kStepDouble, kTolDouble);
    check_grad(f, p->attn->query, tag + "attn.query", kStepDouble, kTolDouble);
  }
}

TEST(TrainGradcheck, LocalBranchAndSelectorPath) {
  model::Mlp2xGelu mlp(8, 6);
  model::LocalBranchOptions o;
  o.vision_dim = 8, o.grid = 2, o.num_heads = 2;
  model::LocalBranch local(o, mlp);
  randomise(*mlp, 11);
  randomise(*local, 12);
  mlp->to(at::kDouble);
  local->to(at::kDouble);
  train_all(*mlp);
  train_all(*local);
  const at::Tensor crops = randn_double({2, 9, 8}, 13);  // 2 crops (npw 2, nph 1) of 3x3 keys
  auto branch = [&] { return weigh(local->forward(crops, 2, 1), 14); };
  check_grad(branch, local->post_qformer->query, "local post_qformer.query", kStepDouble, kTolDouble);
  check_grad(branch, mlp->fc2->weight, "local mlp.2.weight", kStepDouble, kTolDouble);

  // Selector path: scores choose the rows (no gradient through the indices), the kept rows carry
  // the gradient. Top-3 of the 8 tokens; the kept set must not change under the probes' steps.
  model::SelectorConfig cfg;
  cfg.mode = model::SelectorMode::kTopK;
  cfg.topk = 3;
  const at::Tensor text = randn_double({5, 6}, 15).to(at::kFloat);
  at::Tensor first_kept;
  auto selected = [&] {
    const at::Tensor z = local->forward(crops, 2, 1);  // [8, 6]
    const at::Tensor kept =
        model::select_indices(model::selector_scores(z.detach().to(at::kFloat), text, at::Tensor(), cfg), cfg);
    if (!first_kept.defined()) first_kept = kept;
    EXPECT_TRUE(kept.equal(first_kept)) << "kept set changed under a probe";
    return weigh(z.index_select(0, kept), 16);
  };
  check_grad(selected, local->post_qformer->attn->in_proj_weight, "selected post_qformer.in_proj_weight", kStepDouble,
             kTolDouble);
  check_grad(selected, local->post_qformer->ln_q->weight, "selected post_qformer.ln_q.weight", kStepDouble, kTolDouble);
}

TEST(TrainGradcheck, LlamaDecoder) {
  io::LlmConfig c;
  c.hidden_size = 8, c.intermediate_size = 12, c.num_hidden_layers = 1, c.num_attention_heads = 2;
  c.num_key_value_heads = 1, c.vocab_size = 11, c.max_position_embeddings = 32;
  model::LlamaForCausalLM llm(c, at::TensorOptions().dtype(at::kDouble));
  randomise(*llm, 17);
  train_all(*llm);
  const at::Tensor x = randn_double({1, 5, 8}, 18);
  const std::vector<int64_t> labels = {-100, -100, 3, 7, 2};
  auto f = [&] {
    runtime::KvCache cache = llm->make_cache(1, 5);
    const at::Tensor logits = llm->forward(x, torch::arange(5).view({1, 5}), torch::ones({1, 5}, torch::kLong), cache);
    return masked_next_token_loss(logits[0], labels).sum;
  };
  for (const auto& item : llm->named_parameters())
    if (item.key() != "model.embed_tokens.weight")  // unused: the rows come in as inputs_embeds
      check_grad(f, item.value(), "llm " + item.key(), kStepFp32, kTolFp32, 2);
}

TEST(TrainGradcheck, FullLossAFewParameters) {
  // The whole stage-3 forward (noise on) of the tiny model in double: CLIP features, gated
  // mixture, compressor, selector, splice, LLM, masked loss (fp32 logits: fp32 step/tolerance).
  const auto& fx = test::train_fixture();
  model::VlmLoadOptions lo;
  lo.dtype = at::kDouble;
  model::Vlm vlm = model::load_vlm(fx.model_dir, lo);
  const TrainItem item = test::fixture_train_item(vlm, 1);
  FeatureCache cache(true);
  const ImageFeatures feats = cache.get(vlm, item);
  const StageSpec stage = stage_spec("3", true, false);
  std::map<std::string, at::Tensor> params;
  for (const TrainableParam& p : apply_freezing(vlm, stage)) params[p.name] = p.tensor;
  // sample_loss's steps, with the loss summed in double: the fp32 sum of ~10-nat token losses
  // would round at 4e-6, i.e. 2e-3 of noise in a difference over 2e-3.
  auto f = [&] {
    at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(21);  // the same noise every call
    const SplicedSample s = splice_sample(vlm, stage, item, &feats, ForwardOptions{}, &gen);
    const int64_t n = s.embeds.size(0);
    runtime::KvCache kv = vlm.llm->make_cache(1, n);
    const at::Tensor logits = vlm.llm->forward(s.embeds.unsqueeze(0), torch::arange(n).view({1, n}),
                                               torch::ones({1, n}, torch::kLong), kv);
    return masked_next_token_loss(logits[0].to(at::kDouble), s.labels).sum;
  };
  // One probe each of the two SliME-specific ends (the gate, the compressor behind the selector)
  // keeps the test fast: every evaluation is a whole forward over ~650 rows. The LLM's own
  // parameters are checked in LlamaDecoder.
  for (const char* name : {"model.mm_projector.w_gate", "model.sampler.post_qformer.attn.out_proj.weight"}) {
    ASSERT_TRUE(params.count(name)) << name;
    check_grad(f, params[name], name, kStepFp32, kTolFp32, 1);
  }
}

}  // namespace slime::train
