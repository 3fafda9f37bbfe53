// SliME's own modules (Resampler §5, adapters §4, local branch §6) vs the independent PyTorch
// reference goldens of tests/data/slime_modules (SOURCE.md there), plus loading, mode and shape
// errors.
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "engine/common/error.h"
#include "engine/io/checkpoint.h"
#include "engine/io/model_config.h"
#include "engine/io/torch_tensors.h"
#include "engine/model/adapters.h"
#include "engine/model/local_branch.h"
#include "engine/model/resampler.h"

namespace fs = std::filesystem;
using slime::Error;
using slime::ErrorCode;
using namespace slime::model;
namespace io = slime::io;

namespace {

// fp32 everywhere. The reference runs the same ATen kernels (Debian torch 1.13) but composes them
// differently (x @ W.T + b vs linear, g0*e0 + g1*e1 vs the stacked matmul, a Python loop for the
// raster order), so single-precision rounding differs by ~1e-7 relative per op; the deepest chain
// (LayerNorm -> attention -> LayerNorm -> 2 Linears over K <= 128) stays well under 1e-5 relative to
// the tensor's scale. Measured: exactly 0 on every rung (LibTorch 1.13 CPU vs Debian torch 1.13);
// upstream's own Resampler/GatedBlock (nn.MultiheadAttention path) differ from the goldens by
// <= 1.1e-6. A wrong head split, scale or position table is >= 3e-4 (a missing fp16 rounding of
// the key table alone gave 5e-4), so 1e-5 separates rounding from bugs.
constexpr double kFp32RelTol = 1e-5;
// The sin-cos tables are fp16-rounded on both sides (upstream stores them fp16); float32 sin/cos in
// libm vs numpy can differ by an ulp, which may flip one fp16 rounding: one fp16 ulp at |v| <= 1.
constexpr double kSinCosTol = 1.0 / 1024;
// The goldens come from torch 1.13. LibTorch 2.x's fp32 bicubic (the key-table resize, §5) differs
// in the last bits, which can flip one fp16-rounded key-table entry by one fp16 ulp (measured on
// 2.15: 4.7e-4 in `odd.pos_k`, 1.1e-4 in `odd.key_in` = input + table); attention carries that
// into the outputs at <= ~3.2e-5 (measured: 3.2e-5 `odd.attn.k`, 1.47e-5 `odd.out`). Key tables
// and key_in then get one fp16 ulp and everything else 5e-5, still 6x below the smallest real bug
// (3e-4, above). On 1.13 (the golden's torch) both stay exact.
#if TORCH_VERSION_MAJOR >= 2
constexpr double kKeyTableTol = kSinCosTol;
constexpr double kAfterKeyTableRelTol = 5e-5;
#else
constexpr double kKeyTableTol = kFp32RelTol;
constexpr double kAfterKeyTableRelTol = kFp32RelTol;
#endif

// bf16 (the CPU half type LibTorch 1.13 supports; fp16 kernels are GPU-only there): 8 mantissa
// bits (unit roundoff 2^-9 ~ 2e-3) on weights, inputs and every op output, compounded over
// LayerNorm -> attention -> LayerNorm -> 2 Linears. Measured vs the fp32 golden: 1.5e-2 (mixture),
// 4.4e-3 / 1.2e-2 (modes 0 / 1), 1.6e-2 (local tokens); a wrong path is O(1), so 5e-2 only tracks
// real errors.
constexpr double kBf16RelTol = 5e-2;

constexpr int64_t kE = 64, kD = 128, kHeads = 8, kViewGrid = 6, kLocalGrid = 3;

std::string data_path(const std::string& name) { return std::string("tests/data/slime_modules/") + name; }

const io::Checkpoint& golden() {
  static const io::Checkpoint checkpoint = io::Checkpoint::open(data_path("golden.safetensors"));
  return checkpoint;
}
at::Tensor g(const std::string& name) { return io::load_tensor(golden(), name); }

// Max |a - b| / max(1, max |b|); records it so the report can quote measured errors.
double rel_error(const at::Tensor& actual, const at::Tensor& expected) {
  const double scale = std::max(1.0, expected.abs().max().item<double>());
  return (actual.to(torch::kFloat32) - expected).abs().max().item<double>() / scale;
}

void expect_close(const std::string& name, const at::Tensor& actual, const at::Tensor& expected, double tol) {
  ASSERT_EQ(actual.sizes(), expected.sizes()) << name;
  const double err = rel_error(actual, expected);
  EXPECT_LE(err, tol) << name;
  std::printf("  %-40s max rel err %.3e\n", name.c_str(), err);
  ::testing::Test::RecordProperty(name, std::to_string(err));
}

// Every golden tensor named GOLDEN_PREFIX + X (weights excepted) must match the C++ dump named
// X, or GOLDEN_PREFIX + X when KEEP_PREFIX (the standalone resampler dumps under its own name).
void expect_dumps_match(const NamedTensors& dumps, const std::string& golden_prefix, bool keep_prefix = false) {
  std::map<std::string, at::Tensor> by_name(dumps.begin(), dumps.end());
  int compared = 0;
  for (const std::string& name : golden().names()) {
    if (name.rfind(golden_prefix, 0) != 0 || name.find(".weights.") != std::string::npos) continue;
    const std::string dump_name = keep_prefix ? name : name.substr(golden_prefix.size());
    auto it = by_name.find(dump_name);
    ASSERT_NE(it, by_name.end()) << "C++ does not dump '" << dump_name << "'";
    // pos_k is the key table; key_in = input + pos_k carries a flipped entry unchanged.
    auto ends_with = [&](const char* suffix) {
      const std::string tail(suffix);
      return name.size() >= tail.size() && name.compare(name.size() - tail.size(), tail.size(), tail) == 0;
    };
    const bool key_table = ends_with("pos_k") || ends_with("key_in");
    expect_close(name, it->second, g(name), key_table ? kKeyTableTol : kAfterKeyTableRelTol);
    ++compared;
  }
  EXPECT_GT(compared, 0) << "no golden tensors under " << golden_prefix;
}

template <typename F>
void expect_error(F&& f, ErrorCode code, const std::vector<std::string>& parts) {
  try {
    f();
    FAIL() << "no slime::Error thrown";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), code) << e.what();
    for (const auto& part : parts) EXPECT_NE(std::string(e.what()).find(part), std::string::npos) << e.what();
  }
}

ProjectorOptions tiny_projector(io::ProjectorKind kind, int64_t learnable_gated) {
  ProjectorOptions o;
  o.kind = kind;
  o.learnable_gated = learnable_gated;
  o.vision_dim = kE;
  o.hidden = kD;
  o.global_grid = kViewGrid;  // the stand-in for 24: as many queries as CLIP tokens
  o.num_heads = kHeads;
  return o;
}

io::LoadOptions with_dtype(at::ScalarType dtype) {
  io::LoadOptions options;
  options.dtype = dtype;
  return options;
}

Projector loaded_projector(io::ProjectorKind kind, int64_t learnable_gated, const std::string& weights,
                           at::ScalarType dtype = at::kFloat) {
  Projector projector(tiny_projector(kind, learnable_gated));
  const io::Checkpoint checkpoint = io::Checkpoint::open(data_path(weights));
  load_projector(projector, checkpoint, with_dtype(dtype));
  return projector;
}

LocalBranch loaded_local(const Projector& projector, MergeType merge, const std::string& weights,
                         at::ScalarType dtype = at::kFloat) {
  LocalBranch branch(LocalBranchOptions{kE, kLocalGrid, kHeads, merge}, projector->mlp());
  load_local_branch(branch, io::Checkpoint::open(data_path(weights)), with_dtype(dtype));
  return branch;
}

std::pair<int64_t, int64_t> grid_of(const std::string& name) {
  at::Tensor grid = g(name + ".grid");
  return {grid[0].item<int64_t>(), grid[1].item<int64_t>()};
}

}  // namespace

TEST(SlimeModules, SinCosTableMatchesReference) {
  expect_close("sincos.e64.g6", sincos_pos_embed_2d(kE, 6), g("sincos.e64.g6"), kSinCosTol);
  expect_close("sincos.e64.g3", sincos_pos_embed_2d(kE, 3), g("sincos.e64.g3"), kSinCosTol);
  // Column first: token 1 is (h=0, w=1), so sin(w·ω_0) = sin(1) sits in dim 0, and the h half is 0.
  at::Tensor t = sincos_pos_embed_2d(kE, 6, /*round_to_fp16=*/false);
  EXPECT_NEAR(t[1][0].item<double>(), std::sin(1.0), 1e-6);
  EXPECT_NEAR(t[1][kE / 2].item<double>(), 0.0, 1e-6);
  EXPECT_NEAR(t[6][kE / 2].item<double>(), std::sin(1.0), 1e-6);  // token 6 = (h=1, w=0)
}

TEST(SlimeModules, KeyTableResizeIsIdentityOnSameGrid) {
  at::Tensor table = sincos_pos_embed_2d(kE, 6);
  EXPECT_TRUE(torch::allclose(resize_pos_embed(table, 6), table, 0, 1e-6));
}

TEST(SlimeModules, StandaloneResamplerNonIntegerResize) {
  // Nq = 16 (grid 4) on 36 keys: a 4 -> 6 bicubic resize of the key table.
  Resampler resampler(ResamplerOptions{kE, 4, kHeads});
  io::LoadOptions options;
  options.prefix = "odd.weights.";
  io::load_state_dict(*resampler, golden(), options);
  NamedTensors dumps;
  torch::NoGradGuard no_grad;
  at::Tensor out = resampler(g("case_b.in"), &dumps, "odd");
  EXPECT_EQ(out.sizes(), (std::vector<int64_t>{4, 16, kE}));
  expect_dumps_match(dumps, "odd.", /*keep_prefix=*/true);
}

TEST(SlimeModules, GatedMixtureEveryIntermediate) {
  Projector projector = loaded_projector(io::ProjectorKind::kGated, -1, "weights_gated.safetensors");
  NamedTensors dumps;
  torch::NoGradGuard no_grad;
  at::Tensor out = projector->forward_global(g("global.in"), &dumps);
  EXPECT_EQ(out.sizes(), (std::vector<int64_t>{kViewGrid * kViewGrid, kD}));
  expect_dumps_match(dumps, "gated.");
  // The renormalised gate sums to 1 - O(1e-6) per token.
  at::Tensor sums = g("gated.adapters.gate").sum(-1);
  EXPECT_LT((sums - 1).abs().max().item<double>(), 1e-5);
}

TEST(SlimeModules, SingleExpertModesAndPlainMlp) {
  torch::NoGradGuard no_grad;
  struct Case {
    io::ProjectorKind kind;
    int64_t mode;
    const char* weights;
    const char* label;
  };
  for (const Case& c : {Case{io::ProjectorKind::kGated, 0, "weights_gated.safetensors", "gated0"},
                        Case{io::ProjectorKind::kGated, 1, "weights_gated.safetensors", "gated1"},
                        Case{io::ProjectorKind::kMlpGelu, -1, "weights_mlp.safetensors", "mlp"}}) {
    Projector projector = loaded_projector(c.kind, c.mode, c.weights);
    NamedTensors dumps;
    at::Tensor out = projector->forward_global(g("global.in"), &dumps);
    expect_close(std::string(c.label) + ".adapters.out", out, g(std::string(c.label) + ".adapters.out"), kFp32RelTol);
    // Single-expert modes compute no gate.
    for (const auto& [name, t] : dumps) EXPECT_EQ(name.find("adapters.gate"), std::string::npos) << name;
  }
  // Mode 0 equals the mixture's expert 0, mode 1 its expert 1 (same weights).
  expect_close("gated0 == expert0", g("gated0.adapters.out"), g("gated.adapters.expert0"), 0);
  expect_close("gated1 == expert1", g("gated1.adapters.out"), g("gated.adapters.expert1"), 0);
}

TEST(SlimeModules, BatchedGlobalInputKeepsBatch) {
  Projector projector = loaded_projector(io::ProjectorKind::kGated, -1, "weights_gated.safetensors");
  torch::NoGradGuard no_grad;
  at::Tensor x = g("global.in");
  at::Tensor out = projector->forward_global(torch::stack({x, x}));
  ASSERT_EQ(out.sizes(), (std::vector<int64_t>{2, kViewGrid * kViewGrid, kD}));
  expect_close("batched[1].adapters.out", out[1], g("gated.adapters.out"), kFp32RelTol);
}

TEST(SlimeModules, LocalBranchEveryRung) {
  Projector gated = loaded_projector(io::ProjectorKind::kGated, -1, "weights_gated.safetensors");
  Projector plain = loaded_projector(io::ProjectorKind::kMlpGelu, -1, "weights_mlp.safetensors");
  torch::NoGradGuard no_grad;
  for (const std::string name : {"case_a", "case_b"}) {
    const auto [npw, nph] = grid_of(name);
    for (const auto& [merge, label] : {std::pair{MergeType::kSpatial, "spatial"}, std::pair{MergeType::kFlat, "flat"}}) {
      LocalBranch branch = loaded_local(gated, merge, "weights_gated.safetensors");
      NamedTensors dumps;
      at::Tensor tokens = branch(g(name + ".in"), npw, nph, &dumps);
      EXPECT_EQ(tokens.sizes(), (std::vector<int64_t>{npw * nph * kLocalGrid * kLocalGrid, kD}));
      expect_dumps_match(dumps, name + "." + label + ".");
    }
    LocalBranch branch = loaded_local(plain, MergeType::kSpatial, "weights_mlp.safetensors");
    expect_close(name + ".mlp.local.tokens", branch(g(name + ".in"), npw, nph), g(name + ".mlp.local.tokens"),
                 kFp32RelTol);
  }
}

TEST(SlimeModules, Bf16RunsEveryModeCloseToFp32) {
  torch::NoGradGuard no_grad;
  const at::Tensor x = g("global.in").to(at::kBFloat16);
  for (int64_t mode : {-1, 0, 1}) {
    Projector p = loaded_projector(io::ProjectorKind::kGated, mode, "weights_gated.safetensors", at::kBFloat16);
    const std::string label = mode < 0 ? "gated" : "gated" + std::to_string(mode);
    at::Tensor out = p->forward_global(x);
    EXPECT_EQ(out.scalar_type(), at::kBFloat16);
    expect_close("bf16." + label + ".adapters.out", out, g(label + ".adapters.out"), kBf16RelTol);
  }
  Projector gated = loaded_projector(io::ProjectorKind::kGated, -1, "weights_gated.safetensors", at::kBFloat16);
  LocalBranch branch = loaded_local(gated, MergeType::kSpatial, "weights_gated.safetensors", at::kBFloat16);
  at::Tensor tokens = branch(g("case_b.in").to(at::kBFloat16), 2, 2);
  EXPECT_EQ(tokens.scalar_type(), at::kBFloat16);
  expect_close("bf16.case_b.spatial.local.tokens", tokens, g("case_b.spatial.local.tokens"), kBf16RelTol);
}

TEST(SlimeModules, SpatialReorderHandMade) {
  // 3 columns x 2 rows of 2x2 crops; token value = 100·crop + query. The raster runs over the
  // 4 x 6 grid row by row: crop row r, query row y, then crop column c, query column x.
  const int64_t npw = 3, nph = 2, g2 = 2;
  at::Tensor crops = torch::empty({npw * nph, g2 * g2, 1});
  for (int64_t p = 0; p < npw * nph; ++p)
    for (int64_t m = 0; m < g2 * g2; ++m) crops[p][m][0] = static_cast<float>(100 * p + m);
  const std::vector<float> expected = {0,   1,   100, 101, 200, 201,   // r0 y0
                                       2,   3,   102, 103, 202, 203,   // r0 y1
                                       300, 301, 400, 401, 500, 501,   // r1 y0
                                       302, 303, 402, 403, 502, 503};  // r1 y1
  at::Tensor out = spatial_reorder(crops, npw, nph).reshape({-1});
  ASSERT_EQ(out.numel(), static_cast<int64_t>(expected.size()));
  for (size_t i = 0; i < expected.size(); ++i) EXPECT_EQ(out[static_cast<int64_t>(i)].item<float>(), expected[i]) << i;
  // §6.3's index formula agrees with the view/permute.
  for (int64_t r = 0; r < nph; ++r)
    for (int64_t c = 0; c < npw; ++c)
      for (int64_t m = 0; m < g2 * g2; ++m)
        EXPECT_EQ(out[spatial_token_index(r, c, m / g2, m % g2, npw, g2)].item<float>(),
                  static_cast<float>(100 * (r * npw + c) + m));
  // Empty features flatten as is.
  Projector projector(tiny_projector(io::ProjectorKind::kMlpGelu, -1));
  LocalBranch branch(LocalBranchOptions{kE, kLocalGrid, kHeads, MergeType::kSpatial}, projector->mlp());
  EXPECT_EQ(branch(torch::empty({0, 36, kE}), 0, 0).sizes(), (std::vector<int64_t>{0, kD}));
}

TEST(SlimeModules, LoadReportsUpstreamKeys) {
  const io::Checkpoint checkpoint = io::Checkpoint::open(data_path("weights_gated.safetensors"));
  Projector projector(tiny_projector(io::ProjectorKind::kGated, -1));
  const io::LoadReport report = load_projector(projector, checkpoint);
  const std::set<std::string> loaded(report.loaded.begin(), report.loaded.end());
  for (const char* key : {"model.mm_projector.w_gate", "model.mm_projector.projection.0.weight",
                          "model.mm_projector.projection.2.bias", "model.mm_projector.attn.query",
                          "model.mm_projector.attn.pos_embed", "model.mm_projector.attn.attn.in_proj_weight",
                          "model.mm_projector.attn.attn.out_proj.weight", "model.mm_projector.attn.ln_post.bias"})
    EXPECT_TRUE(loaded.count(key)) << key;
  const std::set<std::string> ignored(report.ignored.begin(), report.ignored.end());
  for (const char* key : {"model.mm_projector.w_noise", "model.mm_projector.mean", "model.mm_projector.std"})
    EXPECT_TRUE(ignored.count(key)) << key;

  Projector mlp(tiny_projector(io::ProjectorKind::kMlpGelu, -1));
  LocalBranch branch(LocalBranchOptions{kE, kLocalGrid, kHeads, MergeType::kSpatial}, mlp->mlp());
  const io::LoadReport local = load_local_branch(branch, checkpoint);
  EXPECT_TRUE(std::count(local.loaded.begin(), local.loaded.end(), "model.sampler.post_qformer.attn.in_proj_bias"));
  EXPECT_EQ(local.loaded.size(), 12u);  // query, pos_embed, 4 attention tensors, 3 LayerNorms x 2
}

TEST(SlimeModules, ModeNeedsWeightsTheCheckpointLacks) {
  const io::Checkpoint mlp_ckpt = io::Checkpoint::open(data_path("weights_mlp.safetensors"));
  const io::Checkpoint gated_ckpt = io::Checkpoint::open(data_path("weights_gated.safetensors"));
  for (int64_t mode : {-1, 0, 1}) {
    Projector p(tiny_projector(io::ProjectorKind::kGated, mode));
    expect_error([&] { load_projector(p, mlp_ckpt); }, ErrorCode::kNotFound,
                 {"mm_learnable_gated=" + std::to_string(mode), "mlpNx_gelu", "model.mm_projector."});
  }
  Projector plain(tiny_projector(io::ProjectorKind::kMlpGelu, -1));
  expect_error([&] { load_projector(plain, gated_ckpt); }, ErrorCode::kNotFound,
               {"mlp2x_gelu", "model.mm_projector.0.weight", "a gated projector"});

  // A gated checkpoint without the resampler expert: modes 0 loads, modes 1 and −1 say what is missing.
  char pattern[] = "/tmp/slime_modules_XXXXXX";
  ASSERT_NE(::mkdtemp(pattern), nullptr);
  const std::string path = std::string(pattern) + "/no_attn.safetensors";
  std::vector<std::pair<std::string, at::Tensor>> kept;
  for (const std::string& name : gated_ckpt.names())
    if (name.rfind("model.mm_projector.attn.", 0) != 0) kept.emplace_back(name, io::load_tensor(gated_ckpt, name));
  io::save_safetensors(path, kept);
  const io::Checkpoint no_attn = io::Checkpoint::open(path);
  Projector mode0(tiny_projector(io::ProjectorKind::kGated, 0));
  EXPECT_NO_THROW(load_projector(mode0, no_attn));
  for (int64_t mode : {-1, 1}) {
    Projector p(tiny_projector(io::ProjectorKind::kGated, mode));
    expect_error([&] { load_projector(p, no_attn); }, ErrorCode::kNotFound,
                 {"model.mm_projector.attn.", "without the resampler expert"});
  }
  fs::remove_all(pattern);

  // A wrong prefix finds nothing.
  Projector p(tiny_projector(io::ProjectorKind::kGated, -1));
  expect_error([&] { load_projector(p, gated_ckpt, {}, "mm_projector."); }, ErrorCode::kNotFound,
               {"mm_projector.w_gate", "no projector"});
}

TEST(SlimeModules, ConfigModes) {
  auto config = [](const std::string& type) {
    return io::parse_model_config({{"model_type", "llava_llama"}, {"mm_vision_tower", "openai/clip-vit-large-patch14-336"}, {"hidden_size", kD}, {"mm_hidden_size", 1024},
                                   {"mm_projector_type", type}, {"mm_resampler_type", "cosine"},
                                   {"mm_resampler_dim", 144}, {"mm_patch_merge_type", "spatial"}},
                                  "config.json");
  };
  const ProjectorOptions gated = ProjectorOptions::from_config(config("gated"));
  EXPECT_TRUE(gated.uses_gate());
  EXPECT_EQ(gated.num_heads, 8);
  EXPECT_EQ(gated.global_grid, 24);
  EXPECT_EQ(ProjectorOptions::from_config(config("mlp2x_gelu")).kind, io::ProjectorKind::kMlpGelu);
  expect_error([&] { ProjectorOptions::from_config(config("linear")); }, ErrorCode::kUnsupported, {"linear"});
  expect_error([&] { ProjectorOptions::from_config(config("mlp3x_gelu")); }, ErrorCode::kUnsupported, {"mlp3x_gelu"});
  const LocalBranchOptions local = LocalBranchOptions::from_config(config("gated"));
  EXPECT_EQ(local.grid, 12);
  EXPECT_EQ(local.merge, MergeType::kSpatial);
  expect_error([] { parse_merge_type("spatial_unpad"); }, ErrorCode::kUnsupported, {"spatial_unpad"});
  expect_error([] { Projector(tiny_projector(io::ProjectorKind::kGated, 2)); }, ErrorCode::kInvalidArgument,
               {"mm_learnable_gated"});
}

TEST(SlimeModules, ShapeErrorsNameTheTensor) {
  Projector projector(tiny_projector(io::ProjectorKind::kGated, -1));
  torch::NoGradGuard no_grad;
  expect_error([&] { projector->forward_global(torch::zeros({35, kE})); }, ErrorCode::kShape,
               {"adapters.in", "36 global tokens"});
  expect_error([&] { projector->forward_global(torch::zeros({36, kE + 1})); }, ErrorCode::kShape, {"adapters.in"});
  LocalBranch branch(LocalBranchOptions{kE, kLocalGrid, kHeads, MergeType::kSpatial}, projector->mlp());
  expect_error([&] { branch(torch::zeros({3, 36, kE}), 2, 2); }, ErrorCode::kShape, {"compressor.in", "2x2"});
  expect_error([&] { branch(torch::zeros({4, 35, kE}), 2, 2); }, ErrorCode::kShape, {"compressor", "square"});
  expect_error([&] { branch(torch::zeros({4, 36}), 2, 2); }, ErrorCode::kShape, {"compressor.in"});
  expect_error([&] { spatial_reorder(torch::zeros({4, 8, 2}), 2, 2); }, ErrorCode::kShape,
               {"local.projected", "square"});
  // A checkpoint tensor of the wrong shape names the key (a Resampler of another grid).
  Resampler wrong(ResamplerOptions{kE, 4, kHeads});
  io::LoadOptions options;
  options.prefix = "model.sampler.post_qformer.";
  expect_error([&] { io::load_state_dict(*wrong, io::Checkpoint::open(data_path("weights_gated.safetensors")), options); },
               ErrorCode::kShape, {"model.sampler.post_qformer.query"});
}
