// The three model kinds end to end (engine/model/vlm.*) against references nobody here wrote:
//   llava_hf/       HF transformers 4.37.2 LlavaForConditionalGeneration
//   llava_next_hf/  HF transformers 4.40.2 LlavaNextForConditionalGeneration
//   slime_model/    SliME: HF CLIPVisionModel + the modules' reference + HF LlamaForCausalLM
// (tests/data/<dir>/SOURCE.md). Each sample: image + prompt ids -> pixels, image features, spliced
// embeddings, logits and 8 greedy tokens.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "engine/common/error.h"
#include "engine/image/decode.h"
#include "engine/io/checkpoint.h"
#include "engine/io/torch_tensors.h"
#include "engine/model/vlm.h"
#include "engine/text/image_tokens.h"

#include "tests/unit/model/tensor_diff.h"

namespace fs = std::filesystem;
using namespace slime;
using namespace slime::model;
using slime::test::diff;

namespace {

// fp32 everywhere on the same Debian torch 1.13 kernels as the references: only summation order
// differs (other GEMM shapes, our explicit attention), a few ulps per op. Through CLIP, projector
// and 2 LLM layers that stays under 1e-5 of a tensor's scale; a real bug (wrong layer, unpad,
// order, mask) is O(1e-2..1).
constexpr double kRelTol = 1e-5;
// The same after the longer SliME chain (CLIP at 336 px, two resamplers, selector, LLM).
constexpr double kSlimeRelTol = 3e-5;
// Goldens stored as fp16 to keep the files small: the reference's fp32 value rounded to fp16 is
// within 2^-11 relative of it, so |ours - golden| <= 2^-11·|x| + fp32 noise; 1e-3 of the scale.
constexpr double kFp16StoredRelTol = 1e-3;

const fs::path kData = fs::path(SLIME_SOURCE_DIR) / "tests/data";

nlohmann::json read_json(const fs::path& p) {
  std::ifstream in(p);
  return nlohmann::json::parse(in);
}

at::Tensor golden(const io::Checkpoint& g, const std::string& name) { return io::load_tensor(g, name); }

const at::Tensor* find_dump(const NamedTensors& dump, const std::string& name) {
  for (const auto& [n, t] : dump)
    if (n == name) return &t;
  return nullptr;
}

at::Tensor dumped(const NamedTensors& dump, const std::string& name) {
  const at::Tensor* t = find_dump(dump, name);
  EXPECT_NE(t, nullptr) << "no dump named " << name;
  return t ? t->to(at::kCPU) : at::Tensor();
}

// Logits at every position of the spliced sequence: [n, V].
at::Tensor all_logits(Vlm& vlm, const at::Tensor& embeds) {
  torch::NoGradGuard no_grad;
  const int64_t n = embeds.size(0);
  runtime::KvCache cache = vlm.llm->make_cache(1, n);
  return vlm.llm->forward(embeds.unsqueeze(0), torch::arange(n, torch::kLong).unsqueeze(0),
                          torch::ones({1, n}, torch::kLong), cache, /*last_only=*/false)[0];
}

std::vector<int64_t> greedy8(Vlm& vlm, const PreparedPrompt& p) {
  runtime::GenerateOptions o;
  o.max_new_tokens = 8;  // no stop ids: the references ran with eos_token_id=None
  return generate_prepared(vlm, {p}, o).sequences.at(0).tokens;
}

std::vector<int32_t> ids_with_placeholder(const at::Tensor& ids, int64_t image_token) {
  std::vector<int32_t> out;
  for (int64_t i = 0; i < ids.numel(); ++i) {
    const int64_t id = ids[i].item<int64_t>();
    out.push_back(id == image_token ? text::kImageTokenId : static_cast<int32_t>(id));
  }
  return out;
}

VlmLoadOptions ids_only() {
  VlmLoadOptions o;
  o.require_tokenizer = false;
  return o;
}

// HF LLaVA and LLaVA-NeXT: pixels, packed image features, all logits, greedy tokens.
void check_hf_dir(const std::string& dir) {
  Vlm vlm = load_vlm((kData / dir).string(), ids_only());
  const nlohmann::json meta = read_json(kData / dir / "golden.json");
  const io::Checkpoint g = io::Checkpoint::open((kData / dir / "golden.safetensors").string());
  const int64_t image_token = meta.at("image_token_index");
  ASSERT_EQ(vlm.config.image_token_index, image_token);
  const size_t n = meta.at("samples").size();
  ASSERT_GE(n, 2u);
  for (size_t k = 0; k < n; ++k) {
    SCOPED_TRACE(fmt::format("{} sample {}", dir, k));
    const std::string s = fmt::format("sample{}.", k);
    const image::RgbImage img =
        image::read_image((fs::path(SLIME_SOURCE_DIR) / meta["samples"][k].at("image").get<std::string>()).string());
    NamedTensors dump;
    const PreparedPrompt p = prepare_prompt(vlm, ids_with_placeholder(golden(g, s + "input_ids"), image_token), &img, &dump);

    at::Tensor pixels = golden(g, s + "pixel_values");
    if (pixels.dim() == 5) pixels = pixels[0];
    EXPECT_EQ(diff(dumped(dump, "vision.crops"), pixels.reshape(dumped(dump, "vision.crops").sizes())).max_abs, 0.0)
        << "the processors' pixels are reproduced bit for bit";
    const double features_rel = diff(dumped(dump, "image.block"), golden(g, s + "image_features")).rel;
    const double logits_rel = diff(all_logits(vlm, p.inputs_embeds), golden(g, s + "logits")).rel;
    EXPECT_LT(features_rel, kRelTol);
    EXPECT_LT(logits_rel, kRelTol);
    fmt::print("{} sample {}: image features rel err {:.2e}, logits rel err {:.2e}\n", dir, k, features_rel, logits_rel);
    const at::Tensor expected = golden(g, s + "greedy");
    EXPECT_EQ(greedy8(vlm, p), std::vector<int64_t>(expected.data_ptr<int64_t>(), expected.data_ptr<int64_t>() + 8));
  }
}

}  // namespace

TEST(VlmParity, LlavaMatchesHfLlavaForConditionalGeneration) { check_hf_dir("llava_hf"); }

TEST(VlmParity, LlavaNextMatchesHfLlavaNextForConditionalGeneration) { check_hf_dir("llava_next_hf"); }

TEST(VlmParity, SlimeMatchesTheReferenceEndToEnd) {
  const nlohmann::json meta = read_json(kData / "slime_model/golden.json");
  const io::Checkpoint g = io::Checkpoint::open((kData / "slime_model/golden.safetensors").string());
  const size_t n = meta.at("samples").size();
  ASSERT_GE(n, 3u);
  for (size_t k = 0; k < n; ++k) {
    SCOPED_TRACE(fmt::format("slime sample {}", k));
    const nlohmann::json& sample = meta["samples"][k];
    VlmLoadOptions o = ids_only();
    o.overrides = {fmt::format("selector_softmax={}", sample.at("selector_softmax").get<std::string>()),
                   fmt::format("tokenizer_model_max_length={}", sample.at("tokenizer_model_max_length").get<int64_t>())};
    Vlm vlm = load_vlm((kData / "slime_model").string(), o);
    const std::string s = fmt::format("sample{}.", k);
    const image::RgbImage img = image::read_image((fs::path(SLIME_SOURCE_DIR) / sample.at("image").get<std::string>()).string());
    NamedTensors dump;
    const PreparedPrompt p = prepare_prompt(vlm, ids_with_placeholder(golden(g, s + "input_ids"), -200), &img, &dump);

    // Per-crop sums of the fp16-rounded pixels (the golden keeps sums, not the 3x336x336 crops).
    const at::Tensor crop_sums = dumped(dump, "vision.crops").to(at::kDouble).sum({1, 2, 3});
    EXPECT_LT(diff(crop_sums, golden(g, s + "vision.crops.sum")).rel, 1e-12) << "same fp16 pixels, summed in double";
    const at::Tensor features = dumped(dump, "vision.features");
    EXPECT_LT(diff(features.to(at::kDouble).sum({1, 2}), golden(g, s + "vision.features.sum")).rel, kSlimeRelTol);
    if (g.find(s + "vision.features") != nullptr) {
      EXPECT_LT(diff(features, golden(g, s + "vision.features")).rel, kFp16StoredRelTol);
    }
    EXPECT_LT(diff(dumped(dump, "adapters.out"), golden(g, s + "adapters.out")).rel, kFp16StoredRelTol);
    EXPECT_LT(diff(dumped(dump, "local.tokens"), golden(g, s + "local.tokens")).rel, kSlimeRelTol);
    EXPECT_LT(diff(dumped(dump, "selector.scores"), golden(g, s + "selector.scores")).rel, kSlimeRelTol);
    EXPECT_TRUE(torch::equal(dumped(dump, "selector.kept"), golden(g, s + "selector.kept")))
        << "kept set (the reference's top-p margin is " << sample.value("topp_margin", 0.0) << ")";
    EXPECT_EQ(p.visual.local_before, sample.at("local_tokens").get<int64_t>());
    EXPECT_EQ(p.visual.local_after, sample.at("kept").get<int64_t>());
    EXPECT_EQ(p.truncated_rows, sample.at("rows_cut").get<int64_t>());
    EXPECT_LT(diff(p.inputs_embeds, golden(g, s + "splice.inputs_embeds")).rel, kFp16StoredRelTol);
    const at::Tensor logits = all_logits(vlm, p.inputs_embeds);
    const double logits_rel = diff(logits[logits.size(0) - 1], golden(g, s + "llm.logits.0")).rel;
    EXPECT_LT(logits_rel, kSlimeRelTol);
    fmt::print("slime sample {}: local tokens rel err {:.2e}, scores {:.2e}, last logits {:.2e}\n", k,
               diff(dumped(dump, "local.tokens"), golden(g, s + "local.tokens")).rel,
               diff(dumped(dump, "selector.scores"), golden(g, s + "selector.scores")).rel, logits_rel);
    const at::Tensor expected = golden(g, s + "greedy");
    EXPECT_EQ(greedy8(vlm, p), std::vector<int64_t>(expected.data_ptr<int64_t>(), expected.data_ptr<int64_t>() + 8));
  }
}

// --- contracts of prepare_prompt / load_vlm ---

TEST(Vlm, PlaceholderAndImageMustAgree) {
  Vlm vlm = load_vlm((kData / "llava_hf").string(), ids_only());
  const image::RgbImage img = image::read_image((kData / "image/inputs/synth_64x48.png").string());
  auto code = [&](const std::vector<int32_t>& ids, const image::RgbImage* im) {
    try {
      prepare_prompt(vlm, ids, im);
    } catch (const Error& e) {
      return e.code();
    }
    return ErrorCode::kInternal;  // no error
  };
  EXPECT_EQ(code({1, 5, 9}, &img), ErrorCode::kInvalidArgument);                     // image, no placeholder
  EXPECT_EQ(code({1, text::kImageTokenId, 9}, nullptr), ErrorCode::kInvalidArgument);  // placeholder, no image
  EXPECT_EQ(code({1, text::kImageTokenId, 9, text::kImageTokenId}, &img), ErrorCode::kInvalidArgument);
  EXPECT_EQ(code({1, 600, 9}, nullptr), ErrorCode::kInvalidArgument);  // outside the 512-row vocabulary
  const PreparedPrompt text_only = prepare_prompt(vlm, {1, 5, 9}, nullptr);
  EXPECT_EQ(text_only.inputs_embeds.size(0), 3);
  EXPECT_EQ(text_only.visual.global, 0);
}

TEST(Vlm, TruncationFollowsTheConfigKey) {
  // The flat layout carries tokenizer_model_max_length (upstream cuts even at inference); HF's has
  // no such key and is never cut.
  VlmLoadOptions o = ids_only();
  o.overrides = {"tokenizer_model_max_length=20"};
  Vlm slime = load_vlm((kData / "slime_model").string(), o);
  const image::RgbImage img = image::read_image((kData / "image/inputs/synth_64x48.png").string());
  const PreparedPrompt p = prepare_prompt(slime, {1, 30, text::kImageTokenId, 13}, &img);
  EXPECT_EQ(p.inputs_embeds.size(0), 20);
  EXPECT_EQ(p.truncated_rows, 3 + p.image_rows - 20);

  Vlm hf = load_vlm((kData / "llava_hf").string(), ids_only());
  std::vector<int32_t> long_ids(3000, 7);
  EXPECT_EQ(prepare_prompt(hf, long_ids, nullptr).truncated_rows, 0);
}

TEST(Vlm, MissingTokenizerIsNamed) {
  try {
    load_vlm((kData / "llava_hf").string());
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kNotFound);
    EXPECT_NE(std::string(e.what()).find("tokenizer.json"), std::string::npos) << e.what();
  }
}

TEST(Vlm, BatchedMultimodalPromptsEqualSingleRuns) {
  // Left padding with correct masks and positions: a prompt's greedy tokens do not depend on what
  // it is batched with (prompts of 76, 60, 47 rows here).
  Vlm vlm = load_vlm((kData / "llava_next_hf").string(), ids_only());
  const nlohmann::json meta = read_json(kData / "llava_next_hf/golden.json");
  const io::Checkpoint g = io::Checkpoint::open((kData / "llava_next_hf/golden.safetensors").string());
  std::vector<PreparedPrompt> prompts;
  for (size_t k = 0; k < 3; ++k) {
    const image::RgbImage img =
        image::read_image((fs::path(SLIME_SOURCE_DIR) / meta["samples"][k].at("image").get<std::string>()).string());
    prompts.push_back(prepare_prompt(vlm, ids_with_placeholder(golden(g, fmt::format("sample{}.input_ids", k)), 511), &img));
  }
  runtime::GenerateOptions o;
  o.max_new_tokens = 8;
  const runtime::GenerateResult batch = generate_prepared(vlm, prompts, o);
  ASSERT_EQ(batch.sequences.size(), 3u);
  for (size_t k = 0; k < 3; ++k) EXPECT_EQ(batch.sequences[k].tokens, greedy8(vlm, prompts[k])) << "prompt " << k;
}

TEST(Vlm, Bf16FollowsFp32) {
  // bf16 keeps 8 significant bits (relative rounding 2^-9 per op); through CLIP, two resamplers,
  // the selector and 2 LLM layers the last logits stay within a few percent of fp32. 0.1 of the
  // logits' scale catches a broken bf16 path (garbage or a wrong cast) without flaking on rounding.
  constexpr double kBf16RelTol = 0.1;
  const image::RgbImage img = image::read_image((kData / "image/inputs/synth_800x600.png").string());
  const std::vector<int32_t> ids = {1, 30, 40, 50, text::kImageTokenId, 13, 77, 88, 99, 120};
  Vlm fp32 = load_vlm((kData / "slime_model").string(), ids_only());
  VlmLoadOptions o = ids_only();
  o.dtype = at::kBFloat16;
  Vlm bf16 = load_vlm((kData / "slime_model").string(), o);
  EXPECT_EQ(bf16.vision_dtype, at::kBFloat16);
  const PreparedPrompt a = prepare_prompt(fp32, ids, &img), b = prepare_prompt(bf16, ids, &img);
  EXPECT_EQ(b.inputs_embeds.scalar_type(), at::kBFloat16);
  EXPECT_EQ(a.visual.local_before, b.visual.local_before);
  const at::Tensor la = all_logits(fp32, a.inputs_embeds), lb = all_logits(bf16, b.inputs_embeds);
  if (a.inputs_embeds.size(0) == b.inputs_embeds.size(0)) {  // the selector may keep another count in bf16
    const double rel = diff(lb[lb.size(0) - 1].to(at::kFloat), la[la.size(0) - 1]).rel;
    EXPECT_LT(rel, kBf16RelTol);
    fmt::print("bf16 vs fp32: last logits rel err {:.3f}, kept {} vs {}\n", rel, b.visual.local_after, a.visual.local_after);
  }
  EXPECT_TRUE(torch::isfinite(lb).all().item<bool>());
}
