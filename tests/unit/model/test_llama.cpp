// Llama decoder, KV cache and generation vs HF transformers 4.37.2 LlamaForCausalLM goldens
// (tests/data/llama/SOURCE.md), plus the generation loop's own contracts.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "engine/common/error.h"
#include "engine/io/checkpoint.h"
#include "engine/io/torch_tensors.h"
#include "engine/model/llama.h"
#include "engine/runtime/generate.h"
#include "engine/runtime/kv_cache.h"

#include "tests/unit/model/llama_rungs.h"  // read_llama_config
#include "tests/unit/model/tensor_diff.h"

namespace fs = std::filesystem;
using slime::Error;
using slime::ErrorCode;
using namespace slime::model;
using namespace slime::runtime;

namespace {

// fp32 logits vs HF on the same Debian torch 1.13 kernels: the ops run in the same order on the
// same values, so the expected error is 0 or a few ulps where LibTorch picks another GEMM shape
// (e.g. K/V read from a strided cache). 1e-5 of the logits' scale is ~100 ulps: far below a real
// bug (a wrong RoPE, mask or norm order is O(1e-2..1)) and above summation-order noise of another
// BLAS or LibTorch 2.x.
constexpr double kLogitsRelTol = 1e-5;
// Cache decode vs one full forward of the same tokens: identical math, different matmul shapes
// ([1, T] rows vs [T, T]), so only summation-order rounding differs.
constexpr double kCacheVsRecomputeRelTol = 1e-5;

// CUDA fp32: cuBLAS picks other GEMM algorithms (split-K, other blocking) than CPU BLAS, so sums run
// in another order; LibTorch keeps TF32 off for matmuls by default. 1e-4 of the logits' scale is
// ~10x such reordering noise over 3 layers and far below a real bug.
constexpr double kCudaLogitsRelTol = 1e-4;

const fs::path kDataDir = fs::path(SLIME_SOURCE_DIR) / "tests/data/llama";

using slime::test::Diff;
using slime::test::diff;

struct Rung {
  slime::io::LlmConfig config;
  LlamaForCausalLM model{nullptr};
  std::map<std::string, at::Tensor> golden;
  std::vector<std::vector<int64_t>> prompts;
};

std::vector<int64_t> to_vector(const at::Tensor& t) {
  const at::Tensor c = t.to(at::kLong).contiguous();
  return std::vector<int64_t>(c.data_ptr<int64_t>(), c.data_ptr<int64_t>() + c.numel());
}

Rung& rung(const std::string& name) {
  static std::map<std::string, Rung> cache;
  auto it = cache.find(name);
  if (it != cache.end()) return it->second;
  Rung r;
  r.config = slime::test::read_llama_config(kDataDir / name / "config.json");
  r.model = LlamaForCausalLM(r.config);
  load_llama_weights(r.model, slime::io::Checkpoint::open((kDataDir / name / "model.safetensors").string()));
  const auto golden = slime::io::Checkpoint::open((kDataDir / name / "golden.safetensors").string());
  for (const std::string& key : golden.names()) r.golden[key] = slime::io::load_tensor(golden, key);
  for (int i = 0; r.golden.count("prompt." + std::to_string(i)); ++i)
    r.prompts.push_back(to_vector(r.golden.at("prompt." + std::to_string(i))));
  return cache.emplace(name, std::move(r)).first->second;
}

// Full forward of one prompt without padding: logits at every position, [1, L, V].
at::Tensor full_logits(LlamaForCausalLM model, const std::vector<int64_t>& ids) {
  const int64_t n = static_cast<int64_t>(ids.size());
  KvCache cache = model->make_cache(1, n);
  const at::Tensor t = torch::tensor(ids, torch::kLong).view({1, n});
  return model->forward(model->embed(t), torch::arange(n, torch::kLong).view({1, n}), torch::ones({1, n}, torch::kLong),
                        cache);
}

GenerateOptions greedy_options(int64_t n) {
  GenerateOptions o;
  o.max_new_tokens = n;
  return o;
}

class LlamaRung : public ::testing::TestWithParam<std::string> {};

TEST_P(LlamaRung, LogitsMatchHfAtEveryPosition) {
  Rung& r = rung(GetParam());
  ASSERT_EQ(r.prompts.size(), 3u);
  for (size_t i = 0; i < r.prompts.size(); ++i) {
    const at::Tensor logits = full_logits(r.model, r.prompts[i]);
    const Diff d = diff(logits[0], r.golden.at("logits." + std::to_string(i)));
    std::cout << GetParam() << " prompt " << i << " (" << r.prompts[i].size() << " tokens): logits max abs "
              << d.max_abs << ", rel " << d.rel << "\n";
    EXPECT_LE(d.rel, kLogitsRelTol) << "prompt " << i;
  }
}

TEST_P(LlamaRung, GreedyEightTokensMatchHf) {
  Rung& r = rung(GetParam());
  for (size_t i = 0; i < r.prompts.size(); ++i) {
    const GenerateResult out = generate_ids(r.model, {r.prompts[i]}, greedy_options(8));
    EXPECT_EQ(out.sequences[0].tokens, to_vector(r.golden.at("greedy." + std::to_string(i)))) << "prompt " << i;
    EXPECT_EQ(out.sequences[0].reason, StopReason::kMaxTokens);
    EXPECT_EQ(out.timing.new_tokens, 8);
    EXPECT_EQ(out.timing.decode_steps, 7);
  }
}

TEST_P(LlamaRung, LeftPaddedBatchMatchesHf) {
  Rung& r = rung(GetParam());
  LlamaForCausalLM model = r.model;
  const at::Tensor ids = r.golden.at("batch.input_ids"), mask = r.golden.at("batch.attention_mask");  // [3, Lmax]
  const int64_t b = ids.size(0), n = ids.size(1);
  const at::Tensor positions = (mask.cumsum(-1) - 1).masked_fill(mask.eq(0), 1);
  KvCache cache = model->make_cache(b, n);
  const at::Tensor last = model->forward(model->embed(ids), positions, mask, cache, /*last_only=*/true);  // [3, 1, V]
  const Diff d = diff(last.select(1, 0), r.golden.at("batch.logits_last"));
  std::cout << GetParam() << " padded batch: last logits max abs " << d.max_abs << ", rel " << d.rel << "\n";
  EXPECT_LE(d.rel, kLogitsRelTol);

  const GenerateResult out = generate_ids(model, r.prompts, greedy_options(8));
  const at::Tensor expected = r.golden.at("batch.greedy");  // [3, 8]
  for (int64_t i = 0; i < b; ++i) EXPECT_EQ(out.sequences[static_cast<size_t>(i)].tokens, to_vector(expected[i])) << i;
}

TEST_P(LlamaRung, CacheDecodeEqualsFullRecompute) {
  Rung& r = rung(GetParam());
  LlamaForCausalLM model = r.model;
  // The longest prompt within max_position_embeddings: past it, dynamic NTK (llama3 rung) re-bases
  // every position of a full forward but only the new ones of a cached step, in HF as here.
  std::vector<int64_t> ids;
  for (const auto& p : r.prompts)
    if (static_cast<int64_t>(p.size()) <= r.config.max_position_embeddings && p.size() > ids.size()) ids = p;
  const int64_t n = static_cast<int64_t>(ids.size()), prefix = 6;
  ASSERT_GT(n, prefix);
  const at::Tensor full = full_logits(model, ids)[0];  // [n, V]
  const at::Tensor t = torch::tensor(ids, torch::kLong).view({1, n});
  KvCache cache = model->make_cache(1, n);
  at::Tensor logits = model->forward(model->embed(t.slice(1, 0, prefix)), torch::arange(prefix).view({1, prefix}),
                                     torch::ones({1, prefix}, torch::kLong), cache, /*last_only=*/true);
  double worst = diff(logits[0][0], full[prefix - 1]).rel;
  for (int64_t p = prefix; p < n; ++p) {  // one token per step, reusing the cache
    logits = model->forward(model->embed(t.slice(1, p, p + 1)), torch::full({1, 1}, p, torch::kLong),
                            torch::ones({1, p + 1}, torch::kLong), cache, /*last_only=*/true);
    worst = std::max(worst, diff(logits[0][0], full[p]).rel);
  }
  EXPECT_EQ(cache.length(), n);
  std::cout << GetParam() << " cache decode vs full recompute: worst rel " << worst << "\n";
  EXPECT_LE(worst, kCacheVsRecomputeRelTol);
}

INSTANTIATE_TEST_SUITE_P(Hf, LlamaRung, ::testing::Values("vicuna", "llama3", "linear"));

// A prefill longer than one attention block (llama.cpp kQueryBlock), left-padded in a batch of 2:
// the blocked causal attention of one full forward equals token-by-token decoding, where every step
// is a single unblocked query over the whole cache.
TEST(LlamaAttention, BlockedPrefillEqualsStepwiseDecode) {
  LlamaForCausalLM model = rung("vicuna").model;
  const int64_t n = 700, pad = 37, d = model->config().hidden_size;
  torch::manual_seed(11);
  const at::Tensor embeds = torch::randn({2, n, d}) * 0.5;
  at::Tensor mask = torch::ones({2, n}, torch::kLong);
  mask[1].slice(0, 0, pad).zero_();
  const at::Tensor positions = (mask.cumsum(1) - 1).clamp_min(0);
  KvCache full_cache = model->make_cache(2, n);
  const at::Tensor full = model->forward(embeds, positions, mask, full_cache);  // [2, n, V]
  KvCache cache = model->make_cache(2, n);
  double worst = 0;
  for (int64_t p = 0; p < n; ++p) {
    const at::Tensor step = model->forward(embeds.slice(1, p, p + 1), positions.slice(1, p, p + 1),
                                           mask.slice(1, 0, p + 1), cache, /*last_only=*/true);  // [2, 1, V]
    if (p >= pad) worst = std::max(worst, diff(step.select(1, 0), full.select(1, p)).rel);
    else worst = std::max(worst, diff(step[0][0], full[0][p]).rel);  // row 1 is padding here
  }
  std::cout << "blocked prefill vs stepwise decode over " << n << " slots: worst rel " << worst << "\n";
  EXPECT_LE(worst, kCacheVsRecomputeRelTol);
}

// The 3 golden prompts (5, 11, 17 tokens) and a fourth of 8, greedy at batch 1 and batch 4 (left
// padding to 17). The vicuna rung: the llama3 rung's dynamic rope scaling depends on the padded
// length by design (generate.h).
std::vector<std::vector<int64_t>> four_prompts() {
  std::vector<std::vector<int64_t>> prompts = rung("vicuna").prompts;
  prompts.insert(prompts.begin() + 1, {1, 17, 250, 3, 99, 401, 7, 42});
  return prompts;
}

TEST(LlamaGenerate, BatchInvarianceGreedyBatch1VsBatch4) {
  LlamaForCausalLM model = rung("vicuna").model;
  const auto prompts = four_prompts();
  const GenerateResult batched = generate_ids(model, prompts, greedy_options(12));
  ASSERT_EQ(batched.sequences.size(), 4u);
  for (size_t i = 0; i < prompts.size(); ++i) {
    const GenerateResult alone = generate_ids(model, {prompts[i]}, greedy_options(12));
    EXPECT_EQ(batched.sequences[i].tokens, alone.sequences[0].tokens) << "prompt " << i;
  }
}

TEST(LlamaGenerate, SamplingIsDeterministicForASeed) {
  LlamaForCausalLM model = rung("vicuna").model;
  const auto prompts = four_prompts();
  GenerateOptions o = greedy_options(10);
  o.sampling = {/*temperature=*/0.9, /*top_p=*/0.95, /*seed=*/1234};
  const GenerateResult a = generate_ids(model, prompts, o);
  const GenerateResult b = generate_ids(model, prompts, o);
  o.sampling.seed = 99;
  const GenerateResult c = generate_ids(model, prompts, o);
  const GenerateResult greedy = generate_ids(model, prompts, greedy_options(10));
  bool differs_from_other_seed = false, differs_from_greedy = false;
  for (size_t i = 0; i < prompts.size(); ++i) {
    EXPECT_EQ(a.sequences[i].tokens, b.sequences[i].tokens) << i;
    differs_from_other_seed |= a.sequences[i].tokens != c.sequences[i].tokens;
    differs_from_greedy |= a.sequences[i].tokens != greedy.sequences[i].tokens;
  }
  // 40 draws at temperature 0.9 from these logits: a seed that changes nothing means it is unused.
  EXPECT_TRUE(differs_from_other_seed);
  EXPECT_TRUE(differs_from_greedy);
}

TEST(LlamaGenerate, TinyTopPIsGreedy) {
  LlamaForCausalLM model = rung("vicuna").model;
  const auto prompts = four_prompts();
  GenerateOptions o = greedy_options(8);
  o.sampling = {/*temperature=*/1.0, /*top_p=*/1e-9, /*seed=*/5};  // only the most probable token survives
  const GenerateResult sampled = generate_ids(model, prompts, o);
  const GenerateResult greedy = generate_ids(model, prompts, greedy_options(8));
  for (size_t i = 0; i < prompts.size(); ++i) EXPECT_EQ(sampled.sequences[i].tokens, greedy.sequences[i].tokens);
}

TEST(LlamaGenerate, TopPFilterKeepsTheSmallestNucleus) {
  const at::Tensor probs = torch::tensor({0.5, 0.3, 0.15, 0.05}, torch::kFloat).view({1, 4});
  const at::Tensor kept = top_p_filter(probs.log(), 0.7).isfinite()[0];  // 0.5 + 0.3 >= 0.7
  EXPECT_TRUE(torch::equal(kept, torch::tensor({true, true, false, false})));
}

TEST(LlamaGenerate, StopIdsAndMaxNewTokens) {
  LlamaForCausalLM model = rung("vicuna").model;
  const auto& r = rung("vicuna");
  const std::vector<int64_t> full = to_vector(r.golden.at("greedy.1"));  // 8 greedy tokens
  GenerateOptions o = greedy_options(8);
  o.stop_ids = {full[5], full[3]};  // several ids: the earliest occurrence of either stops
  auto first_of = [&](std::vector<int64_t> ids) {
    for (size_t k = 0; k < full.size(); ++k)
      if (std::find(ids.begin(), ids.end(), full[k]) != ids.end()) return k;
    return full.size();
  };
  const size_t stop_at = first_of(o.stop_ids);
  GenerateResult out = generate_ids(model, {r.prompts[1]}, o);
  EXPECT_EQ(out.sequences[0].reason, StopReason::kStopId);
  EXPECT_EQ(out.sequences[0].tokens, std::vector<int64_t>(full.begin(), full.begin() + stop_at + 1));

  out = generate_ids(model, {r.prompts[1]}, greedy_options(3));
  EXPECT_EQ(out.sequences[0].reason, StopReason::kMaxTokens);
  EXPECT_EQ(out.sequences[0].tokens, std::vector<int64_t>(full.begin(), full.begin() + 3));

  // In a batch, a stopped row ends while the others run on to max_new_tokens.
  const std::vector<int64_t> other = to_vector(r.golden.at("greedy.0"));
  ASSERT_EQ(std::find(other.begin(), other.end(), full[0]), other.end());  // row 0 never meets the stop id
  o.stop_ids = {full[0]};
  out = generate_ids(model, {r.prompts[0], r.prompts[1]}, o);
  EXPECT_EQ(out.sequences[1].tokens, std::vector<int64_t>{full[0]});
  EXPECT_EQ(out.sequences[0].tokens, other);
}

TEST(LlamaGenerate, StopStringsThroughTheDecodeCallback) {
  LlamaForCausalLM model = rung("vicuna").model;
  const auto& r = rung("vicuna");
  const std::vector<int64_t> full = to_vector(r.golden.at("greedy.2"));
  GenerateOptions o = greedy_options(8);
  o.decode = [](const std::vector<int64_t>& ids) {  // a stand-in tokenizer: "[id]" per token
    std::string s;
    for (int64_t id : ids) s += fmt::format("[{}]", id);
    return s;
  };
  // A stop string spanning two tokens ends on the token that completes it.
  const std::string stop = fmt::format("[{}][{}", full[3], full[4]);
  o.stop_strings = {"never", stop};
  const GenerateResult out = generate_ids(model, {r.prompts[2]}, o);
  EXPECT_EQ(out.sequences[0].reason, StopReason::kStopString);
  EXPECT_EQ(out.sequences[0].stop_string, stop);
  EXPECT_EQ(out.sequences[0].tokens.back(), full[4]);
  EXPECT_LE(out.sequences[0].tokens.size(), 5u);

  GenerateOptions no_decode = greedy_options(4);
  no_decode.stop_strings = {"x"};
  try {
    generate_ids(model, {r.prompts[0]}, no_decode);
    FAIL() << "stop strings without decode must throw";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
  }
}

TEST(LlamaGenerate, EmbeddingsInputEqualsIdsInput) {
  LlamaForCausalLM model = rung("vicuna").model;
  const auto& prompts = rung("vicuna").prompts;
  std::vector<at::Tensor> embeds;
  for (const auto& p : prompts) embeds.push_back(model->embed(torch::tensor(p, torch::kLong).view({1, -1}))[0]);
  const GenerateResult a = generate(model, embeds, greedy_options(6));
  const GenerateResult b = generate_ids(model, prompts, greedy_options(6));
  for (size_t i = 0; i < prompts.size(); ++i) EXPECT_EQ(a.sequences[i].tokens, b.sequences[i].tokens);
}

TEST(LlamaGenerate, DumpNamesIntermediates) {
  LlamaForCausalLM model = rung("vicuna").model;
  std::map<std::string, std::vector<int64_t>> seen;
  GenerateOptions o = greedy_options(3);
  o.dump = [&](const std::string& name, const at::Tensor& t) { seen[name] = t.sizes().vec(); };
  generate_ids(model, {rung("vicuna").prompts[0]}, o);
  for (const char* name : {"llm.inputs_embeds", "llm.layer.0", "llm.layer.2", "llm.norm", "llm.logits.0",
                           "llm.logits.1", "llm.logits.2"})
    EXPECT_TRUE(seen.count(name)) << name;
  EXPECT_EQ(seen["llm.layer.0"], (std::vector<int64_t>{1, 5, 64}));
  EXPECT_EQ(seen["llm.logits.0"], (std::vector<int64_t>{1, 1, 512}));
}

TEST(KvCache, AppendsAtTheLengthAndRefusesOverflow) {
  KvCache cache(/*layers=*/2, /*batch=*/1, /*kv_heads=*/1, /*max_len=*/4, /*head_dim=*/2, at::kFloat, at::kCPU);
  const at::Tensor a = torch::ones({1, 1, 3, 2}), b = 2 * torch::ones({1, 1, 1, 2});
  cache.append(0, a, a);
  cache.append(1, a, a);
  cache.advance(3);
  const auto [k, v] = cache.append(0, b, b);  // [1, 1, 4, 2]: slots 0..2 from a, slot 3 from b
  EXPECT_EQ(k.sizes(), (at::IntArrayRef{1, 1, 4, 2}));
  EXPECT_TRUE(torch::equal(k.select(2, 3), b.select(2, 0)));
  EXPECT_TRUE(torch::equal(v.slice(2, 0, 3), a));
  cache.advance(1);
  try {
    cache.append(0, b, b);
    FAIL() << "a fifth slot must not fit";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
  }
}

// The same goldens on a GPU (skipped without CUDA): weights loaded straight to the device.
TEST(LlamaCuda, LogitsAndGreedyMatchHf) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device";
  for (const std::string name : {"vicuna", "llama3", "linear"}) {
    Rung& r = rung(name);
    LlamaForCausalLM model(r.config, at::TensorOptions().device(at::kCUDA));
    LlamaLoadOptions load;
    load.device = at::kCUDA;
    load_llama_weights(model, slime::io::Checkpoint::open((kDataDir / name / "model.safetensors").string()), load);
    for (size_t i = 0; i < r.prompts.size(); ++i) {
      const Diff d = diff(full_logits(model, r.prompts[i])[0].cpu(), r.golden.at("logits." + std::to_string(i)));
      std::cout << name << " prompt " << i << " CUDA logits rel " << d.rel << "\n";
      EXPECT_LE(d.rel, kCudaLogitsRelTol) << name << " prompt " << i;
    }
    const GenerateResult out = generate_ids(model, r.prompts, greedy_options(8));
    const at::Tensor expected = r.golden.at("batch.greedy");
    for (size_t i = 0; i < r.prompts.size(); ++i)
      EXPECT_EQ(out.sequences[i].tokens, to_vector(expected[static_cast<int64_t>(i)])) << name << " " << i;
  }
}

// ---------------------------------------------------------------------------------------------
// Loading errors name the tensor.

class LlamaLoad : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("slime_llama_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    const auto ck = slime::io::Checkpoint::open((kDataDir / "vicuna/model.safetensors").string());
    for (const std::string& name : ck.names()) tensors_[name] = slime::io::load_tensor(ck, name);
    config_ = slime::test::read_llama_config(kDataDir / "vicuna/config.json");
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Writes TENSORS and loads them into a fresh vicuna-shaped model; returns the error (or none).
  void expect_error(ErrorCode code, const std::string& needle) {
    std::vector<std::pair<std::string, at::Tensor>> list(tensors_.begin(), tensors_.end());
    const std::string path = (dir_ / "model.safetensors").string();
    slime::io::save_safetensors(path, list);
    LlamaForCausalLM model(config_);
    try {
      load_llama_weights(model, slime::io::Checkpoint::open(path));
      FAIL() << "expected an error naming " << needle;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), code) << e.what();
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  }

  fs::path dir_;
  std::map<std::string, at::Tensor> tensors_;
  slime::io::LlmConfig config_;
};

TEST_F(LlamaLoad, MissingTensorIsNamed) {
  tensors_.erase("model.layers.1.mlp.up_proj.weight");
  expect_error(ErrorCode::kNotFound, "model.layers.1.mlp.up_proj.weight");
}

TEST_F(LlamaLoad, WrongShapeIsNamed) {
  tensors_["model.layers.2.self_attn.k_proj.weight"] = torch::zeros({64, 64}, torch::kHalf);  // GQA wants [32, 64]
  expect_error(ErrorCode::kShape, "model.layers.2.self_attn.k_proj.weight");
}

TEST_F(LlamaLoad, ExtraLayerIsNamed) {
  tensors_["model.layers.3.mlp.up_proj.weight"] = torch::zeros({160, 64}, torch::kHalf);
  expect_error(ErrorCode::kFormat, "model.layers.3.mlp.up_proj.weight");
}

TEST_F(LlamaLoad, NonLlmTensorsAndTiedHeadAreSkipped) {
  // A SliME checkpoint also carries the projector; a tied model ignores a stored lm_head.weight.
  tensors_["model.mm_projector.0.weight"] = torch::zeros({4, 4});
  std::vector<std::pair<std::string, at::Tensor>> list(tensors_.begin(), tensors_.end());
  const std::string path = (dir_ / "model.safetensors").string();
  slime::io::save_safetensors(path, list);
  slime::io::LlmConfig tied = config_;
  tied.tie_word_embeddings = true;
  LlamaForCausalLM model(tied);
  const LlamaLoadReport report = load_llama_weights(model, slime::io::Checkpoint::open(path));
  EXPECT_EQ(report.skipped, (std::vector<std::string>{"lm_head.weight", "model.mm_projector.0.weight"}));
}

}  // namespace
