// The fast generation paths (model.md §13) against the reference path on the CPU: greedy argmax on
// the device, the static-cache decode step, SDPA attention (LibTorch 2.x), the fallbacks. The CUDA
// graph itself is checked by test_cuda_decode.cpp on a GPU.
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include <torch/torch.h>
#include <torch/version.h>

#include "engine/common/error.h"
#include "engine/model/llama.h"
#include "engine/runtime/decode_step.h"
#include "engine/runtime/generate.h"
#include "engine/runtime/kv_cache.h"
#include "tests/unit/model/llama_rungs.h"
#include "tests/unit/model/tensor_diff.h"

using namespace slime::model;
using namespace slime::runtime;
using slime::test::diff;
using slime::test::llama_rung_data;
using slime::test::load_llama_rung;

namespace {

// Static vs reference step, fp32: the same math, except that the static step's QKᵀ and PV run over
// the whole capacity, the unwritten slots entering as exact zeros after the softmax; only the
// matmuls' summation order can differ. 1e-5 of the logits' scale (~100 ulps) is far below a real
// bug (a wrong slot, mask or position is O(1e-2..1)), as kCacheVsRecomputeRelTol in test_llama.cpp.
constexpr double kStaticVsReferenceRelTol = 1e-5;

struct PathRun {
  GenerateResult result;
  std::map<int64_t, at::Tensor> logits;  // new token k -> its logits [B, 1, V] fp32
};

PathRun run(LlamaForCausalLM model, const std::vector<std::vector<int64_t>>& prompts, GenerateOptions options) {
  PathRun out;
  options.dump = [&](const std::string& name, const at::Tensor& t) {
    const std::string prefix = "llm.logits.";
    if (name.rfind(prefix, 0) == 0) out.logits[std::stoll(name.substr(prefix.size()))] = t.to(at::kCPU).clone();
  };
  out.result = generate_ids(model, prompts, options);
  return out;
}

GenerateOptions greedy(int64_t n, DecodePath path) {
  GenerateOptions o;
  o.max_new_tokens = n;
  o.decode_path = path;
  return o;
}

// Same tokens for every row and logits within TOL for every new token.
void expect_same(const PathRun& a, const PathRun& b, double tol, const std::string& what) {
  ASSERT_EQ(a.result.sequences.size(), b.result.sequences.size());
  for (size_t i = 0; i < a.result.sequences.size(); ++i)
    EXPECT_EQ(a.result.sequences[i].tokens, b.result.sequences[i].tokens) << what << ", row " << i;
  ASSERT_EQ(a.logits.size(), b.logits.size()) << what;
  double worst = 0;
  for (const auto& [k, logits] : a.logits) worst = std::max(worst, diff(logits, b.logits.at(k)).rel);
  std::cout << what << ": worst logits rel " << worst << " over " << a.logits.size() << " tokens\n";
  EXPECT_LE(worst, tol) << what;
}

class FastRung : public ::testing::TestWithParam<std::string> {};

TEST_P(FastRung, GreedyOnDeviceGivesTheHostGreedyTokens) {
  const auto& data = llama_rung_data(GetParam());
  LlamaForCausalLM model = load_llama_rung(GetParam());
  GenerateOptions on = greedy(8, DecodePath::kReference), off = on;
  off.greedy_on_device = false;
  const GenerateResult a = generate_ids(model, data.prompts, on), b = generate_ids(model, data.prompts, off);
  const at::Tensor golden = data.golden.at("batch.greedy");  // [3, 8], HF's greedy on the padded batch
  for (size_t i = 0; i < data.prompts.size(); ++i) {
    EXPECT_EQ(a.sequences[i].tokens, b.sequences[i].tokens) << i;
    EXPECT_EQ(a.sequences[i].tokens, slime::test::to_ids(golden[static_cast<int64_t>(i)])) << i;
  }
  EXPECT_EQ(a.timing.decode_path, "reference");
  EXPECT_EQ(a.timing.attention, "eager");  // kAuto on the CPU
}

TEST_P(FastRung, StaticDecodeEqualsReference) {
  const auto& data = llama_rung_data(GetParam());
  LlamaForCausalLM model = load_llama_rung(GetParam());
  // llama3's dynamic rope needs prompt + new tokens within max_position_embeddings (16) for a static
  // step: its shortest prompt (5) + 10. The others: the whole padded batch of 3 for 12 tokens.
  const bool dynamic = GetParam() == "llama3";
  const std::vector<std::vector<int64_t>> prompts = dynamic ? std::vector<std::vector<int64_t>>{data.prompts[0]}
                                                            : data.prompts;
  const int64_t n = dynamic ? 10 : 12;
  const PathRun ref = run(model, prompts, greedy(n, DecodePath::kReference));
  const PathRun fast = run(model, prompts, greedy(n, DecodePath::kStatic));
  EXPECT_EQ(fast.result.timing.decode_path, "static");
  EXPECT_EQ(fast.result.timing.fallback, "");
  EXPECT_EQ(fast.result.timing.decode_steps, ref.result.timing.decode_steps);
  expect_same(fast, ref, kStaticVsReferenceRelTol, GetParam() + " static vs reference");
}

INSTANTIATE_TEST_SUITE_P(Hf, FastRung, ::testing::Values("vicuna", "llama3", "linear"));

TEST(FastPaths, StaticDecodeWithSamplingEqualsReference) {
  LlamaForCausalLM model = load_llama_rung("vicuna");
  GenerateOptions ref = greedy(16, DecodePath::kReference);
  ref.sampling.temperature = 0.9;
  ref.sampling.top_p = 0.95;
  ref.sampling.seed = 7;
  GenerateOptions fast = ref;
  fast.decode_path = DecodePath::kStatic;
  expect_same(run(model, llama_rung_data("vicuna").prompts, fast), run(model, llama_rung_data("vicuna").prompts, ref),
              kStaticVsReferenceRelTol, "vicuna sampled static vs reference");
}

TEST(FastPaths, GraphFallsBackWhereItCannotRun) {
  LlamaForCausalLM model = load_llama_rung("vicuna");
  const auto& prompts = llama_rung_data("vicuna").prompts;
  ASSERT_FALSE(decode_graph_available(at::kCPU));
  const PathRun graph = run(model, prompts, greedy(6, DecodePath::kGraph));
  EXPECT_EQ(graph.result.timing.decode_path, "static");
  EXPECT_NE(graph.result.timing.fallback.find("CUDA"), std::string::npos) << graph.result.timing.fallback;
  expect_same(graph, run(model, prompts, greedy(6, DecodePath::kReference)), kStaticVsReferenceRelTol,
              "vicuna graph request on the CPU");
  const GenerateResult automatic = generate_ids(model, prompts, greedy(3, DecodePath::kAuto));
  EXPECT_EQ(automatic.timing.decode_path, "reference");  // the CPU default: the parity path
  EXPECT_EQ(automatic.timing.fallback, "");
}

TEST(FastPaths, DynamicRopePastMaxPositionsFallsBackToReference) {
  const auto& data = llama_rung_data("llama3");
  LlamaForCausalLM model = load_llama_rung("llama3");
  ASSERT_FALSE(model->static_decode_ok(17 + 8));  // the longest prompt + 8 > max_position_embeddings 16
  for (DecodePath path : {DecodePath::kStatic, DecodePath::kGraph}) {
    const GenerateResult out = generate_ids(model, data.prompts, greedy(8, path));
    EXPECT_EQ(out.timing.decode_path, "reference");
    EXPECT_NE(out.timing.fallback.find("dynamic rope"), std::string::npos) << out.timing.fallback;
    for (size_t i = 0; i < data.prompts.size(); ++i)
      EXPECT_EQ(out.sequences[i].tokens, slime::test::to_ids(data.golden.at("batch.greedy")[static_cast<int64_t>(i)]));
  }
}

TEST(FastPaths, DecodeStaticRefusesBadBuffers) {
  LlamaForCausalLM model = load_llama_rung("vicuna");
  KvCache cache = model->make_cache(2, 8);
  const at::Tensor ids = torch::zeros({2, 1}, torch::kLong), pos = torch::zeros({2, 1}, torch::kLong);
  const at::Tensor slot = torch::zeros({1}, torch::kLong);
  try {
    model->decode_static(ids, pos, slot, torch::ones({2, 8}, torch::kLong), cache);  // mask must be bool
    FAIL() << "expected kShape";
  } catch (const slime::Error& e) {
    EXPECT_EQ(e.code(), slime::ErrorCode::kShape) << e.what();
    EXPECT_NE(std::string(e.what()).find("key_mask"), std::string::npos) << e.what();
  }
  LlamaForCausalLM dynamic = load_llama_rung("llama3");
  KvCache long_cache = dynamic->make_cache(1, 17);
  try {
    dynamic->decode_static(ids.slice(0, 0, 1), pos.slice(0, 0, 1), slot, torch::ones({1, 17}, torch::kBool),
                           long_cache);
    FAIL() << "expected kUnsupported";
  } catch (const slime::Error& e) {
    EXPECT_EQ(e.code(), slime::ErrorCode::kUnsupported) << e.what();
  }
}

TEST(KvCacheStatic, WriteAtWritesOneSlotAndReturnsTheWholeBuffer) {
  KvCache cache(1, 2, 3, 5, 4, at::kFloat, at::kCPU);
  const at::Tensor k = torch::randn({2, 3, 1, 4}), v = torch::randn({2, 3, 1, 4});
  const auto [keys, values] = cache.write_at(0, torch::full({1}, 3, torch::kLong), k, v);
  ASSERT_EQ(keys.sizes(), at::IntArrayRef({2, 3, 5, 4}));
  EXPECT_TRUE(at::equal(keys.slice(2, 3, 4), k));
  EXPECT_TRUE(at::equal(values.slice(2, 3, 4), v));
  EXPECT_EQ(keys.slice(2, 0, 3).abs().sum().item<float>(), 0.0f);  // other slots untouched (zeros)
  EXPECT_EQ(keys.slice(2, 4, 5).abs().sum().item<float>(), 0.0f);
  EXPECT_EQ(cache.length(), 0);
  EXPECT_THROW(cache.write_at(0, torch::full({1}, 3, torch::kInt), k, v), slime::Error);  // int32 slot
  EXPECT_THROW(cache.write_at(0, torch::full({1}, 3, torch::kLong), torch::randn({2, 3, 2, 4}),
                              torch::randn({2, 3, 2, 4})), slime::Error);  // two slots
}

#if TORCH_VERSION_MAJOR >= 2

// SDPA vs eager, fp32 on the CPU: the same softmax(QKᵀ/√d + mask)V, but ATen's CPU SDPA kernel
// (flash-style, blocked online softmax) sums in another order and scales q before the product;
// measured <= 1.1e-6 relative on these rungs. 1e-5 keeps the reference bar of test_llama.cpp.
constexpr double kSdpaVsEagerRelTol = 1e-5;

class SdpaRung : public ::testing::TestWithParam<std::string> {};

TEST_P(SdpaRung, PrefillMatchesEagerOnThePaddedBatch) {
  const auto& data = llama_rung_data(GetParam());
  LlamaForCausalLM model = load_llama_rung(GetParam());
  const at::Tensor ids = data.golden.at("batch.input_ids"), mask = data.golden.at("batch.attention_mask");  // [3, n]
  const int64_t b = ids.size(0), n = ids.size(1);
  const at::Tensor positions = (mask.cumsum(-1) - 1).masked_fill(mask.eq(0), 1);
  auto logits = [&](AttentionImpl impl) {
    model->set_attention(impl);
    KvCache cache = model->make_cache(b, n);
    return model->forward(model->embed(ids), positions, mask, cache);  // [3, n, V]
  };
  const at::Tensor eager = logits(AttentionImpl::kEager), sdpa = logits(AttentionImpl::kSdpa);
  model->set_attention(AttentionImpl::kAuto);
  ASSERT_FALSE(sdpa.isnan().any().item<bool>());  // a left-pad query row must not turn into NaN
  const at::Tensor real = mask.ne(0);               // pad positions' logits are never read
  const double rel = diff(sdpa.index({real}), eager.index({real})).rel;
  std::cout << GetParam() << " SDPA vs eager padded prefill: rel " << rel << "\n";
  EXPECT_LE(rel, kSdpaVsEagerRelTol);
  EXPECT_LE(diff(sdpa.select(1, n - 1), data.golden.at("batch.logits_last")).rel, kSdpaVsEagerRelTol);
}

TEST_P(SdpaRung, DenseChunksMatchEager) {
  // No padding: a maskless causal prefill, then a chunk of 3 over the cache (explicit bottom-right
  // mask) and single steps (maskless; grouped KV heads read once per group).
  const auto& prompt = llama_rung_data(GetParam()).prompts.back();
  LlamaForCausalLM model = load_llama_rung(GetParam());
  const int64_t n = static_cast<int64_t>(prompt.size()), prefix = 6;
  const at::Tensor t = torch::tensor(prompt, torch::kLong).view({1, n});
  auto pieces = [&](AttentionImpl impl) {
    model->set_attention(impl);
    KvCache cache = model->make_cache(1, n);
    std::vector<at::Tensor> out;
    for (int64_t p = 0; p < n;) {
      const int64_t len = p == 0 ? prefix : p == prefix ? 3 : 1;
      out.push_back(model->forward(model->embed(t.slice(1, p, p + len)), torch::arange(p, p + len).view({1, len}),
                                   torch::ones({1, p + len}, torch::kLong), cache));
      p += len;
    }
    return at::cat(out, 1);  // [1, n, V]
  };
  const at::Tensor eager = pieces(AttentionImpl::kEager), sdpa = pieces(AttentionImpl::kSdpa);
  model->set_attention(AttentionImpl::kAuto);
  const double rel = diff(sdpa, eager).rel;
  std::cout << GetParam() << " SDPA vs eager, dense chunks: rel " << rel << "\n";
  EXPECT_LE(rel, kSdpaVsEagerRelTol);
}

TEST_P(SdpaRung, GenerateWithSdpaEqualsEager) {
  const std::string name = GetParam();
  const auto& data = llama_rung_data(name);
  LlamaForCausalLM model = load_llama_rung(name);
  const bool dynamic = name == "llama3";  // static needs prompt + new tokens within 16 positions there
  const std::vector<std::vector<int64_t>> prompts = dynamic ? std::vector<std::vector<int64_t>>{data.prompts[0]}
                                                            : data.prompts;
  for (DecodePath path : {DecodePath::kReference, DecodePath::kStatic}) {
    GenerateOptions eager = greedy(10, path), sdpa = eager;
    eager.attention = AttentionImpl::kEager;
    sdpa.attention = AttentionImpl::kSdpa;
    const PathRun a = run(model, prompts, sdpa);
    EXPECT_EQ(a.result.timing.attention, "sdpa");
    expect_same(a, run(model, prompts, eager), kSdpaVsEagerRelTol,
                name + " SDPA vs eager generate, " + decode_path_name(path));
  }
  EXPECT_EQ(model->attention(), AttentionImpl::kAuto);  // generate restores the model's setting
}

INSTANTIATE_TEST_SUITE_P(Hf, SdpaRung, ::testing::Values("vicuna", "llama3", "linear"));

#else

TEST(FastPaths, SdpaIsUnsupportedOnLibTorch1) {
  EXPECT_FALSE(sdpa_available());
  EXPECT_EQ(resolve_attention(AttentionImpl::kAuto, at::kCPU), AttentionImpl::kEager);
  EXPECT_EQ(resolve_attention(AttentionImpl::kAuto, at::Device(at::kCUDA, 0)), AttentionImpl::kEager);
  LlamaForCausalLM model = load_llama_rung("vicuna");
  GenerateOptions o = greedy(2, DecodePath::kReference);
  o.attention = AttentionImpl::kSdpa;
  try {
    generate_ids(model, llama_rung_data("vicuna").prompts, o);
    FAIL() << "expected kUnsupported";
  } catch (const slime::Error& e) {
    EXPECT_EQ(e.code(), slime::ErrorCode::kUnsupported) << e.what();
    EXPECT_NE(std::string(e.what()).find("LibTorch 2"), std::string::npos) << e.what();
  }
}

#endif

TEST(FastPaths, AttentionResolvesToEagerOnTheCpu) {
  EXPECT_EQ(resolve_attention(AttentionImpl::kAuto, at::kCPU), AttentionImpl::kEager);
  EXPECT_EQ(resolve_attention(AttentionImpl::kEager, at::kCPU), AttentionImpl::kEager);
  EXPECT_STREQ(attention_impl_name(AttentionImpl::kSdpa), "sdpa");
  EXPECT_STREQ(decode_path_name(DecodePath::kGraph), "graph");
}

}  // namespace
