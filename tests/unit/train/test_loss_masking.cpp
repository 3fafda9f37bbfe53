// Loss masking: labels -100 exactly on prompt and image rows; a hand-computed loss on a 3-token
// answer; the spliced sample of the tiny model has one label per input row.
#include <gtest/gtest.h>

#include <cmath>

#include <torch/torch.h>

#include "datasets/registry.h"
#include "engine/text/image_tokens.h"
#include "engine/train/batch.h"
#include "engine/train/features.h"
#include "engine/train/forward.h"
#include "engine/train/loss.h"
#include "engine/train/stages.h"
#include "tests/unit/train/fixture.h"

namespace slime::train {

// fp32 log-softmax over 4 logits against a double reference: a few ulps of the sum.
constexpr double kLossTol = 1e-5;

TEST(TrainLoss, LabelsMaskPrefix) {
  EXPECT_EQ(make_labels(3, {7, 8, 2}, -1), (std::vector<int64_t>{-100, -100, -100, 7, 8, 2}));
  EXPECT_EQ(make_labels(3, {7, 8, 2}, 5), (std::vector<int64_t>{-100, -100, -100, 7, 8}));
  EXPECT_EQ(answer_tokens(make_labels(3, {7, 8, 2}, -1)), 3);
  EXPECT_EQ(answer_tokens(make_labels(0, {7, 8}, -1)), 1);  // row 0 is predicted by nothing
}

TEST(TrainLoss, HandComputedThreeTokenAnswer) {
  // 5 rows (2 prompt rows, 3 answer rows), vocabulary 4. Row t predicts label t+1.
  const std::vector<std::vector<double>> rows = {
      {0.1, 0.2, 0.3, 0.4}, {1.0, -1.0, 0.5, 0.0}, {0.0, 2.0, -0.5, 0.3}, {-1.2, 0.4, 0.4, 1.5}, {9, 9, 9, 9}};
  const std::vector<int64_t> labels = {-100, -100, 2, 1, 3};
  at::Tensor logits = torch::zeros({5, 4});
  for (int r = 0; r < 5; ++r)
    for (int v = 0; v < 4; ++v) logits[r][v] = rows[r][v];
  double expected = 0;
  for (int t = 1; t <= 3; ++t) {  // rows 1, 2, 3 predict labels 2, 3, 4
    double z = 0;
    for (double x : rows[t]) z += std::exp(x);
    expected += std::log(z) - rows[t][static_cast<size_t>(labels[static_cast<size_t>(t + 1)])];
  }
  const LossSum l = masked_next_token_loss(logits, labels);
  EXPECT_EQ(l.tokens, 3);
  EXPECT_NEAR(l.sum.item<double>() / 3.0, expected / 3.0, kLossTol);
  // A fully masked sequence counts nothing and still gives a (zero) differentiable loss.
  const LossSum none = masked_next_token_loss(logits, {-100, -100, -100, -100, -100});
  EXPECT_EQ(none.tokens, 0);
  EXPECT_EQ(none.sum.item<double>(), 0.0);
}

TEST(TrainLoss, SplicedSampleMasksPromptAndImageRows) {
  const auto& fx = test::train_fixture();
  model::Vlm vlm = model::load_vlm(fx.model_dir);
  const text::Template tmpl = text::default_template(*vlm.tokenizer);
  const TrainItem item = test::fixture_train_item(vlm, 0);  // made with tmpl
  ASSERT_GE(item.answer_ids.size(), 2u);
  EXPECT_EQ(item.answer_ids.back(), text::stop_tokens(tmpl, *vlm.tokenizer).ids.front());  // </s>
  FeatureCache cache(true);
  const ImageFeatures f = cache.get(vlm, item);
  torch::NoGradGuard no_grad;
  for (const char* stage : {"1a", "2", "3"}) {
    const SplicedSample s = splice_sample(vlm, stage_spec(stage, true, false), item, &f, ForwardOptions{}, nullptr);
    const int64_t text_rows = static_cast<int64_t>(item.prompt_ids.size()) - 1;  // without the image id
    const int64_t prefix = text_rows + s.image_rows;
    ASSERT_EQ(static_cast<int64_t>(s.labels.size()), s.embeds.size(0)) << stage;
    ASSERT_EQ(s.embeds.size(0), prefix + static_cast<int64_t>(item.answer_ids.size())) << stage;
    for (int64_t i = 0; i < prefix; ++i) EXPECT_EQ(s.labels[static_cast<size_t>(i)], kIgnoreIndex) << stage << " row " << i;
    for (size_t j = 0; j < item.answer_ids.size(); ++j)
      EXPECT_EQ(s.labels[static_cast<size_t>(prefix) + j], item.answer_ids[j]) << stage;
    if (std::string(stage) == "1a") {
      EXPECT_EQ(s.image_rows, 576);  // global tokens only
    }
  }
}

}  // namespace slime::train
