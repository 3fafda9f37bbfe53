// config.json -> typed configs: released-style configs of the four model families, defaults,
// invalid values (one per rule) and --set overrides.
#include "engine/io/model_config.h"
#include "tests/unit/io/io_test_util.h"

namespace slime::io::test {
namespace {

const std::string kConfigs = SLIME_SOURCE_DIR "/tests/data/io/configs/";

TEST(ModelConfig, SlimeVicuna7B) {
  ModelConfig c = load_model_config(kConfigs + "slime_vicuna_7b.json");
  EXPECT_EQ(c.kind, ModelKind::kSlime);
  EXPECT_EQ(c.layout, "llava");
  EXPECT_EQ(c.model_type, "llava_llama");
  EXPECT_EQ(c.llm.hidden_size, 4096);
  EXPECT_EQ(c.llm.num_key_value_heads, 32);
  EXPECT_EQ(c.llm.vocab_size, 32000);
  EXPECT_EQ(c.llm.rms_norm_eps, 1e-5);
  EXPECT_EQ(c.llm.max_position_embeddings, 4096);
  EXPECT_EQ(c.llm.torch_dtype, "bfloat16");
  EXPECT_EQ(c.llm.eos_token_ids, std::vector<int64_t>{2});
  EXPECT_EQ(c.vision.name, "openai/clip-vit-large-patch14-336");
  EXPECT_EQ(c.vision.select_layer, -2);
  EXPECT_EQ(c.vision.select_feature, "patch");
  ASSERT_TRUE(c.vision.clip.has_value());
  EXPECT_EQ(c.vision.clip_source, "builtin");
  EXPECT_EQ(c.vision.clip->num_patches(), 576);
  EXPECT_EQ(c.vision.clip->num_hidden_layers, 24);
  EXPECT_EQ(c.projector.kind, ProjectorKind::kGated);
  EXPECT_EQ(c.projector.learnable_gated, -1);
  EXPECT_EQ(c.resampler.type, "cosine");
  EXPECT_EQ(c.resampler.dim, 144);
  EXPECT_EQ(c.resampler.grid(), 12);
  EXPECT_EQ(c.resampler.topp, 0.95);
  EXPECT_EQ(c.resampler.temp, 1.0);
  EXPECT_EQ(c.selector.mode, "topp");
  EXPECT_EQ(c.selector.softmax, "double");
  EXPECT_EQ(c.selector.impl, "exact");
  EXPECT_EQ(c.image_aspect_ratio, "anyres");
  EXPECT_EQ(c.image_grid_pinpoints.size(), 7u);
  EXPECT_EQ(c.image_grid_pinpoints[1], (std::array<int64_t, 2>{336, 672}));
  EXPECT_EQ(c.mm_patch_merge_type, "spatial");
  EXPECT_EQ(c.seperator, 1919);
  EXPECT_EQ(c.tokenizer_model_max_length, 2048);
  EXPECT_FALSE(c.mm_use_im_patch_token);
  EXPECT_EQ(c.image_token_index, -200);
}

TEST(ModelConfig, SlimeLlama3_8B) {
  ModelConfig c = load_model_config(kConfigs + "slime_llama3_8b.json");
  EXPECT_EQ(c.kind, ModelKind::kSlime);
  EXPECT_EQ(c.llm.num_key_value_heads, 8);
  EXPECT_EQ(c.llm.intermediate_size, 14336);
  EXPECT_EQ(c.llm.vocab_size, 128256);
  EXPECT_EQ(c.llm.rope_theta, 500000.0);
  EXPECT_EQ(c.llm.head_dim(), 128);
  EXPECT_EQ(c.llm.bos_token_id, 128000);
  EXPECT_EQ(c.llm.pad_token_id, 128001);
  EXPECT_EQ(c.seperator, 11);
}

TEST(ModelConfig, Llava15) {
  ModelConfig c = load_model_config(kConfigs + "llava_v1_5_7b.json");
  EXPECT_EQ(c.kind, ModelKind::kLlava);
  EXPECT_EQ(c.projector.kind, ProjectorKind::kMlpGelu);
  EXPECT_EQ(c.projector.mlp_depth, 2);
  EXPECT_EQ(c.resampler.type, "none");
  EXPECT_EQ(c.image_aspect_ratio, "pad");
  EXPECT_EQ(c.mm_patch_merge_type, "flat");
  EXPECT_EQ(c.llm.rope_theta, 10000.0);
  EXPECT_FALSE(c.llm.rope_scaling.has_value());
}

TEST(ModelConfig, LlavaNextHfLayout) {
  ModelConfig c = load_model_config(kConfigs + "llava_v1_6_vicuna_7b_hf.json");
  EXPECT_EQ(c.kind, ModelKind::kLlavaNext);
  EXPECT_EQ(c.layout, "hf");
  EXPECT_EQ(c.llm.vocab_size, 32064);
  EXPECT_EQ(c.llm.hidden_size, 4096);  // absent from text_config: LlamaConfig default
  EXPECT_EQ(c.llm.max_position_embeddings, 4096);
  EXPECT_EQ(c.llm.pad_token_id, 32001);  // top level, text_config has null
  EXPECT_EQ(c.vision.clip_source, "vision_config");
  EXPECT_EQ(c.vision.clip->image_size, 336);
  EXPECT_EQ(c.vision.mm_hidden_size, 1024);
  EXPECT_EQ(c.vision.select_feature, "patch");
  EXPECT_EQ(c.projector.type, "mlp2x_gelu");
  EXPECT_EQ(c.image_aspect_ratio, "anyres");
  EXPECT_EQ(c.mm_patch_merge_type, "spatial_unpad");
  EXPECT_EQ(c.image_grid_pinpoints.size(), 5u);
  EXPECT_EQ(c.image_token_index, 32000);
}

TEST(ModelConfig, UpstreamDefaultsForAbsentKeys) {
  ModelConfig c = parse_model_config(
      {{"model_type", "llava"}, {"mm_vision_tower", "openai/clip-vit-large-patch14-336"}}, "min.json");
  EXPECT_EQ(c.kind, ModelKind::kLlava);
  // HF LlamaConfig
  EXPECT_EQ(c.llm.hidden_size, 4096);
  EXPECT_EQ(c.llm.num_key_value_heads, c.llm.num_attention_heads);
  EXPECT_EQ(c.llm.rms_norm_eps, 1e-6);
  EXPECT_EQ(c.llm.rope_theta, 10000.0);
  EXPECT_EQ(c.llm.max_position_embeddings, 2048);
  EXPECT_EQ(c.llm.bos_token_id, 1);
  EXPECT_FALSE(c.llm.pad_token_id.has_value());
  EXPECT_EQ(c.llm.hidden_act, "silu");
  // LLaVA / SliME code defaults
  EXPECT_EQ(c.vision.select_layer, -2);
  EXPECT_EQ(c.vision.select_feature, "patch");
  EXPECT_EQ(c.vision.mm_hidden_size, 1024);  // from the known tower
  EXPECT_EQ(c.projector.type, "linear");
  EXPECT_EQ(c.projector.learnable_gated, -1);
  EXPECT_EQ(c.resampler.type, "none");
  EXPECT_EQ(c.resampler.dim, 64);
  EXPECT_EQ(c.resampler.topp, 0.9);
  EXPECT_EQ(c.resampler.temp, 0.5);
  EXPECT_EQ(c.seperator, 1919);
  EXPECT_EQ(c.tokenizer_model_max_length, 2048);
  EXPECT_TRUE(c.mm_use_im_patch_token);
  EXPECT_FALSE(c.mm_use_im_start_end);
  EXPECT_EQ(c.mm_patch_merge_type, "flat");
  EXPECT_EQ(c.image_aspect_ratio, "square");
  EXPECT_FALSE(c.use_global_only || c.use_local_only);
}

TEST(ModelConfig, FlatLayoutTowerArchitectureFromMmVisionConfig) {
  // A tower that is no known openai CLIP (e.g. `slime init-model`'s, stored inside the checkpoint)
  // carries its architecture under "mm_vision_config"; it is validated like a CLIP config.json.
  nlohmann::json j = {{"model_type", "llava_llama"},
                      {"mm_vision_tower", "model.vision_tower.vision_tower.vision_model."},
                      {"mm_hidden_size", 128},
                      {"mm_vision_config", {{"hidden_size", 128}, {"intermediate_size", 512}, {"num_hidden_layers", 2},
                                            {"num_attention_heads", 2}, {"image_size", 336}, {"patch_size", 14}}}};
  ModelConfig c = parse_model_config(j, "tiny.json");
  ASSERT_TRUE(c.vision.clip.has_value());
  EXPECT_EQ(c.vision.clip_source, "mm_vision_config");
  EXPECT_EQ(c.vision.clip->num_hidden_layers, 2);
  EXPECT_EQ(c.vision.clip->hidden_size, 128);
  j["mm_vision_config"]["patch_size"] = 15;  // 336 is not a multiple of 15
  EXPECT_THROW(parse_model_config(j, "tiny.json"), slime::Error);
  j["mm_vision_config"]["patch_size"] = 14;
  j["mm_hidden_size"] = 64;  // disagrees with the tower's width
  EXPECT_THROW(parse_model_config(j, "tiny.json"), slime::Error);
}

TEST(ModelConfig, KindRule) {
  auto kind = [](nlohmann::json extra) {
    nlohmann::json j = {{"model_type", "llava_llama"}, {"mm_vision_tower", "openai/clip-vit-large-patch14-336"}};
    j.update(extra);
    return parse_model_config(j, "k.json").kind;
  };
  EXPECT_EQ(kind({{"mm_projector_type", "gated"}}), ModelKind::kSlime);
  EXPECT_EQ(kind({{"mm_projector_type", "mlp2x_gelu"}, {"mm_resampler_type", "cosine"}}), ModelKind::kSlime);
  EXPECT_EQ(kind({{"mm_projector_type", "mlp2x_gelu"}, {"image_aspect_ratio", "anyres"}}), ModelKind::kLlavaNext);
  EXPECT_EQ(kind({{"mm_projector_type", "mlp2x_gelu"}, {"mm_resampler_type", "identity"}}), ModelKind::kLlava);
  EXPECT_EQ(kind({{"mm_projector_type", "gated"}, {"model_kind", "llava"}}), ModelKind::kLlava);
}

class ModelConfigInvalid : public TempDirTest {
 protected:
  // The SliME-7B config with KEY set to VALUE, written to a temp file and loaded.
  void expect_invalid(const std::string& key, const nlohmann::json& value, ErrorCode code) {
    SCOPED_TRACE(key + "=" + value.dump());
    nlohmann::json j = load_model_config(kConfigs + "slime_vicuna_7b.json").raw;
    j[key] = value;
    const std::string file = path("config.json");
    write_bytes(file, j.dump());
    expect_error([&] { load_model_config(dir_.string()); }, code, {file, key});
  }
};

TEST_F(ModelConfigInvalid, ValuesAreRejectedNamingFileAndKey) {
  const auto kInvalid = ErrorCode::kInvalidArgument;
  const auto kUnsupported = ErrorCode::kUnsupported;
  expect_invalid("hidden_size", "4096", kInvalid);
  expect_invalid("hidden_size", 0, kInvalid);
  expect_invalid("num_key_value_heads", 5, kInvalid);
  expect_invalid("num_attention_heads", 3, kInvalid);
  expect_invalid("rms_norm_eps", 0, kInvalid);
  expect_invalid("rope_scaling", {{"type", "yarn"}, {"factor", 2.0}}, kUnsupported);
  expect_invalid("rope_scaling", {{"type", "linear"}, {"factor", 0.5}}, kInvalid);
  expect_invalid("hidden_act", "gelu", kUnsupported);
  expect_invalid("attention_bias", true, kUnsupported);
  expect_invalid("torch_dtype", "float8", kUnsupported);
  expect_invalid("model_type", "llava_mistral", kUnsupported);
  expect_invalid("mm_vision_select_layer", -26, kInvalid);
  expect_invalid("mm_vision_select_feature", "cls", kUnsupported);
  expect_invalid("mm_hidden_size", 768, kInvalid);
  expect_invalid("mm_projector_type", "qformer", kUnsupported);
  expect_invalid("mm_projector_type", "mlp0x_gelu", kUnsupported);
  expect_invalid("mm_learnable_gated", 2, kInvalid);
  expect_invalid("mm_resampler_type", "qformer", kUnsupported);
  expect_invalid("mm_resampler_type", "perceiver", kUnsupported);
  expect_invalid("mm_resampler_dim", 150, kInvalid);
  expect_invalid("mm_resampler_topp", 0.0, kInvalid);
  expect_invalid("mm_resampler_topp", 1.5, kInvalid);
  expect_invalid("mm_resampler_temp", 0, kInvalid);
  expect_invalid("selector_mode", "random", kUnsupported);
  expect_invalid("selector_mode", "topk", kInvalid);  // without selector_topk
  expect_invalid("selector_topk", 0, kInvalid);
  expect_invalid("selector_softmax", "triple", kUnsupported);
  expect_invalid("selector_impl", "fast", kUnsupported);
  expect_invalid("use_local_only", "yes", kInvalid);
  expect_invalid("mm_patch_merge_type", "spatial_unpad_anyres_max_9", kUnsupported);
  expect_invalid("image_aspect_ratio", "anyres_max_9", kUnsupported);
  expect_invalid("image_grid_pinpoints", nlohmann::json::array({nlohmann::json::array({336})}), kInvalid);
  expect_invalid("seperator", 32000, kInvalid);
  expect_invalid("tokenizer_model_max_length", -1, kInvalid);
  expect_invalid("mm_vision_tower", nullptr, kUnsupported);
  expect_invalid("model_kind", "qwen", kUnsupported);
}

TEST_F(ModelConfigInvalid, FileErrors) {
  expect_error([&] { load_model_config(path("absent.json")); }, ErrorCode::kNotFound, {"absent.json"});
  write_bytes(path("config.json"), "{oops");
  expect_error([&] { load_model_config(dir_.string()); }, ErrorCode::kFormat, {path("config.json")});
}

TEST(ModelConfigOverride, SetsValidatesAndRejects) {
  ModelConfig c = load_model_config(kConfigs + "slime_vicuna_7b.json");
  apply_override(c, "selector_topk=300");
  apply_override(c, "selector_mode=topk");
  apply_override(c, "mm_resampler_topp=0.5");
  apply_override(c, "use_global_only=true");
  apply_override(c, "mm_patch_merge_type=\"flat\"");
  EXPECT_EQ(c.selector.mode, "topk");
  EXPECT_EQ(c.selector.topk, 300);
  EXPECT_EQ(c.resampler.topp, 0.5);
  EXPECT_TRUE(c.use_global_only);
  EXPECT_EQ(c.mm_patch_merge_type, "flat");
  apply_override(c, "seperator=null");  // null restores the default
  EXPECT_EQ(c.seperator, 1919);
  apply_override(c, "model_kind=llava");
  EXPECT_EQ(c.kind, ModelKind::kLlava);

  const ModelConfig before = c;
  expect_error([&] { apply_override(c, "mm_resampler_topp=2"); }, ErrorCode::kInvalidArgument,
               {"--set mm_resampler_topp=2", "slime_vicuna_7b.json", "mm_resampler_topp"});
  expect_error([&] { apply_override(c, "use_local_only=true"); }, ErrorCode::kInvalidArgument,
               {"use_global_only and use_local_only"});
  expect_error([&] { apply_override(c, "selector_mode=fastest"); }, ErrorCode::kUnsupported, {"selector_mode"});
  expect_error([&] { apply_override(c, "selecter_mode=topk"); }, ErrorCode::kInvalidArgument,
               {"unknown config key 'selecter_mode'"});
  expect_error([&] { apply_override(c, "text_config.rope_theta=1"); }, ErrorCode::kInvalidArgument, {"text_config"});
  expect_error([&] { apply_override(c, "no_equals_sign"); }, ErrorCode::kInvalidArgument, {"key=value"});
  EXPECT_EQ(c.raw, before.raw) << "a failed override leaves the config unchanged";
}

TEST(ModelConfigOverride, SeveralAreValidatedTogether) {
  // One at a time, selector_mode=topk before selector_topk fails (topk needs k); together, in
  // either order, they are one consistent change.
  ModelConfig one = load_model_config(kConfigs + "slime_vicuna_7b.json");
  expect_error([&] { apply_override(one, "selector_mode=topk"); }, ErrorCode::kInvalidArgument, {"selector_topk"});
  ModelConfig c = load_model_config(kConfigs + "slime_vicuna_7b.json");
  apply_overrides(c, {"selector_mode=topk", "selector_topk=8", "mm_resampler_topp=0.5"});
  EXPECT_EQ(c.selector.mode, "topk");
  EXPECT_EQ(c.selector.topk, 8);
  EXPECT_EQ(c.resampler.topp, 0.5);
  const ModelConfig before = c;
  expect_error([&] { apply_overrides(c, {"selector_topk=4", "selecter_mode=all"}); }, ErrorCode::kInvalidArgument,
               {"unknown config key 'selecter_mode'"});
  EXPECT_EQ(c.raw, before.raw) << "nothing of a failed set is kept";
}

TEST(ModelConfigOverride, NestedKeyInHfLayout) {
  ModelConfig c = load_model_config(kConfigs + "llava_v1_6_vicuna_7b_hf.json");
  apply_override(c, "text_config.rope_theta=20000");
  EXPECT_EQ(c.llm.rope_theta, 20000.0);
  expect_error([&] { apply_override(c, "text_config.num_key_value_heads=7"); }, ErrorCode::kInvalidArgument,
               {"text_config.num_key_value_heads"});
}

TEST(ModelConfig, ToJsonRecordsResolvedValues) {
  ModelConfig c = load_model_config(kConfigs + "slime_vicuna_7b.json");
  apply_override(c, "selector_softmax=single");
  nlohmann::json j = to_json(c);
  EXPECT_EQ(j["kind"], "slime");
  EXPECT_EQ(j["selector"]["selector_softmax"], "single");
  EXPECT_EQ(j["selector"]["selector_topk"], nullptr);
  EXPECT_EQ(j["resampler"]["mm_resampler_dim"], 144);
  EXPECT_EQ(j["vision"]["clip"]["image_size"], 336);
  EXPECT_EQ(j["llm"]["eos_token_id"], nlohmann::json::array({2}));
  EXPECT_EQ(j["seperator"], 1919);
}

TEST(ClipVisionConfig, LoadsClipModelAndVisionModelConfigs) {
  ClipVisionConfig clip = load_clip_vision_config(kConfigs + "clip-vit-large-patch14-336");
  EXPECT_EQ(clip.hidden_size, 1024);
  EXPECT_EQ(clip.num_hidden_layers, 24);
  EXPECT_EQ(clip.image_size, 336);
  EXPECT_EQ(clip.patch_size, 14);
  EXPECT_EQ(clip.hidden_act, "quick_gelu");
  EXPECT_EQ(clip.layer_norm_eps, 1e-5);
  EXPECT_EQ(clip.num_patches(), 576);
}

}  // namespace
}  // namespace slime::io::test
