// Freezing per stage: after one sample's backward exactly the stage's parameters hold gradients,
// and every one of them a non-zero one.
#include <gtest/gtest.h>

#include <ATen/CPUGeneratorImpl.h>

#include <set>

#include <torch/torch.h>

#include "datasets/registry.h"
#include "engine/train/batch.h"
#include "engine/train/features.h"
#include "engine/train/forward.h"
#include "engine/train/stages.h"
#include "tests/unit/train/fixture.h"

namespace slime::train {

namespace {

bool starts_with(const std::string& s, const std::string& p) { return s.compare(0, p.size(), p) == 0; }

// Whether stage STAGE (LLM full, CLIP frozen) should train checkpoint key NAME.
bool expected_trainable(const std::string& stage, const std::string& name) {
  if (name.find("pos_embed") != std::string::npos || starts_with(name, "model.vision_tower.")) return false;
  const bool attn = starts_with(name, "model.mm_projector.attn."), gate = name == "model.mm_projector.w_gate";
  const bool mlp = starts_with(name, "model.mm_projector.projection.");
  const bool comp = starts_with(name, "model.sampler.");
  if (stage == "1a") return mlp;
  if (stage == "1b") return attn;
  if (stage == "2") return comp;
  return mlp || attn || gate || comp || !starts_with(name, "model.mm_projector.");  // 3: all but CLIP
}

}  // namespace

TEST(TrainFreezing, ExactlyTheStageParametersGetGradients) {
  const auto& fx = test::train_fixture();
  model::Vlm vlm = model::load_vlm(fx.model_dir);
  const TrainItem item = test::fixture_train_item(vlm, 0);
  FeatureCache cache(true);
  const ImageFeatures f = cache.get(vlm, item);
  for (const char* stage : {"1a", "1b", "2", "3"}) {
    const StageSpec spec = stage_spec(stage, true, false);
    const std::vector<TrainableParam> trainable = apply_freezing(vlm, spec);
    std::set<std::string> names;
    for (const auto& p : trainable) names.insert(p.name);
    at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(7);
    sample_loss(vlm, spec, item, &f, ForwardOptions{}, &gen).sum.backward();
    for (const TrainableParam& p : named_model_parameters(vlm)) {
      const bool want = expected_trainable(stage, p.name);
      EXPECT_EQ(names.count(p.name) == 1, want) << stage << " " << p.name;
      const at::Tensor g = p.tensor.grad();
      if (want) {
        ASSERT_TRUE(g.defined()) << stage << " " << p.name;
        EXPECT_GT(g.abs().sum().item<double>(), 0.0) << stage << " " << p.name;
      } else {
        EXPECT_FALSE(g.defined() && g.abs().sum().item<double>() > 0) << stage << " " << p.name;
      }
    }
  }
  // The LLM frozen: stage 3 trains the projector and the compressor only.
  const std::vector<TrainableParam> frozen_llm = apply_freezing(vlm, stage_spec("3", false, false));
  for (const auto& p : frozen_llm) EXPECT_FALSE(p.llm) << p.name;
}

}  // namespace slime::train
