// The CUDA fast paths on a GPU (skipped without one): the decode step captured in a CUDA graph vs
// the same step run eagerly, and both vs the reference path; SDPA vs eager attention in bf16.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include <torch/torch.h>

#include "engine/model/llama.h"
#include "engine/runtime/decode_step.h"
#include "engine/runtime/generate.h"
#include "tests/unit/model/llama_rungs.h"
#include "tests/unit/model/tensor_diff.h"

using namespace slime::model;
using namespace slime::runtime;
using slime::test::diff;
using slime::test::llama_rung_data;
using slime::test::load_llama_rung;

namespace {

// bf16 SDPA vs bf16 eager: eager rounds QKᵀ and the softmax weights to bf16 (2^-8 relative) before
// PV, the fused kernels keep them in fp32; over 1-3 layers that moves logits by ~1e-2 of their
// scale. 6e-2 still catches a wrong mask or position, which moves them by O(1).
constexpr double kBf16SdpaVsEagerRelTol = 6e-2;

struct Case {
  std::string rung;
  std::vector<std::vector<int64_t>> prompts;
  int64_t new_tokens;
};

std::vector<Case> cases() {
  // llama3's dynamic rope allows a static step only within max_position_embeddings (16).
  return {{"vicuna", llama_rung_data("vicuna").prompts, 12},
          {"linear", llama_rung_data("linear").prompts, 12},
          {"llama3", {llama_rung_data("llama3").prompts[0]}, 10}};
}

GenerateResult gen(LlamaForCausalLM model, const Case& c, DecodePath path, AttentionImpl attention,
                   std::vector<at::Tensor>* logits = nullptr) {
  GenerateOptions o;
  o.max_new_tokens = c.new_tokens;
  o.decode_path = path;
  o.attention = attention;
  if (logits)
    o.dump = [&](const std::string& name, const at::Tensor& t) {
      if (name.rfind("llm.logits.", 0) == 0) logits->push_back(t.cpu().clone());
    };
  return generate_ids(model, c.prompts, o);
}

void expect_same_tokens(const GenerateResult& a, const GenerateResult& b, const std::string& what) {
  ASSERT_EQ(a.sequences.size(), b.sequences.size());
  for (size_t i = 0; i < a.sequences.size(); ++i)
    EXPECT_EQ(a.sequences[i].tokens, b.sequences[i].tokens) << what << " " << i;
}

TEST(CudaDecode, GraphDecodeEqualsEagerDecode) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device";
  ASSERT_TRUE(decode_graph_available(at::kCUDA)) << "a CUDA LibTorch must be able to capture graphs";
  for (const Case& c : cases()) {
    for (at::ScalarType dtype : {at::kFloat, at::kBFloat16}) {
      LlamaForCausalLM model = load_llama_rung(c.rung, dtype, at::kCUDA);
      for (AttentionImpl attention : {AttentionImpl::kEager, AttentionImpl::kSdpa}) {
        const std::string what = c.rung + " " + c10::toString(dtype) + " " + attention_impl_name(attention);
        std::vector<at::Tensor> graph_logits, static_logits;
        const GenerateResult graph = gen(model, c, DecodePath::kGraph, attention, &graph_logits);
        EXPECT_EQ(graph.timing.decode_path, "graph") << what << ": " << graph.timing.fallback;
        EXPECT_EQ(graph.timing.fallback, "") << what;
        // A replay runs the kernels the eager static step launches, on the same shapes: bitwise equal.
        const GenerateResult eager_static = gen(model, c, DecodePath::kStatic, attention, &static_logits);
        expect_same_tokens(graph, eager_static, what + " graph vs static");
        ASSERT_EQ(graph_logits.size(), static_logits.size());
        for (size_t k = 0; k < graph_logits.size(); ++k)
          EXPECT_TRUE(at::equal(graph_logits[k], static_logits[k])) << what << " token " << k;
        // vs the growing-cache reference: other matmul lengths, so equal tokens are asserted in fp32
        // only (bf16 rounding may legitimately flip a near-tie).
        const GenerateResult reference = gen(model, c, DecodePath::kReference, attention);
        if (dtype == at::kFloat) expect_same_tokens(graph, reference, what + " graph vs reference");
      }
      // The CUDA defaults: graph decode and SDPA.
      const GenerateResult automatic = gen(model, c, DecodePath::kAuto, AttentionImpl::kAuto);
      EXPECT_EQ(automatic.timing.decode_path, "graph");
      EXPECT_EQ(automatic.timing.attention, "sdpa");
    }
  }
}

TEST(CudaDecode, GraphMatchesHfGoldensInFp32) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device";
  for (const std::string name : {"vicuna", "linear"}) {
    const auto& data = llama_rung_data(name);
    LlamaForCausalLM model = load_llama_rung(name, at::kFloat, at::kCUDA);
    const GenerateResult out = gen(model, {name, data.prompts, 8}, DecodePath::kGraph, AttentionImpl::kAuto);
    for (size_t i = 0; i < data.prompts.size(); ++i)
      EXPECT_EQ(out.sequences[i].tokens, slime::test::to_ids(data.golden.at("batch.greedy")[static_cast<int64_t>(i)]))
          << name << " " << i;
  }
}

TEST(CudaDecode, SdpaBf16PrefillNearEager) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device";
  for (const std::string name : {"vicuna", "llama3", "linear"}) {
    const auto& data = llama_rung_data(name);
    LlamaForCausalLM model = load_llama_rung(name, at::kBFloat16, at::kCUDA);
    const at::Tensor ids = data.golden.at("batch.input_ids").cuda();
    const at::Tensor mask = data.golden.at("batch.attention_mask").cuda();
    const at::Tensor positions = (mask.cumsum(-1) - 1).masked_fill(mask.eq(0), 1);
    auto logits = [&](AttentionImpl impl) {
      model->set_attention(impl);
      slime::runtime::KvCache cache = model->make_cache(ids.size(0), ids.size(1));
      return model->forward(model->embed(ids), positions, mask, cache).cpu();
    };
    const at::Tensor eager = logits(AttentionImpl::kEager), sdpa = logits(AttentionImpl::kSdpa);
    const at::Tensor real = mask.cpu().ne(0);
    ASSERT_FALSE(sdpa.isnan().any().item<bool>()) << name;
    const double rel = diff(sdpa.index({real}), eager.index({real})).rel;
    std::cout << name << " bf16 CUDA SDPA vs eager padded prefill: rel " << rel << "\n";
    EXPECT_LE(rel, kBf16SdpaVsEagerRelTol) << name;
  }
}

}  // namespace
