// The image block of model.md §8.1 and the branch ablations of §6.
#include <gtest/gtest.h>

#include <torch/torch.h>

#include "engine/common/error.h"
#include "engine/io/model_config.h"
#include "engine/model/image_block.h"

namespace {

using slime::model::assemble_image_block;
using slime::model::ImageBranches;

TEST(ImageBlock, BothBranchesAreGlobalSeparatorSelectedInOrder) {
  const auto global = torch::arange(12, torch::kFloat).reshape({3, 4});      // [3, 4]
  const auto separator = torch::full({4}, -1.0f);                             // [4]
  const auto selected = torch::arange(100, 108, torch::kFloat).reshape({2, 4});  // [2, 4]
  const auto block = assemble_image_block(ImageBranches::kBoth, global, separator, selected);
  ASSERT_EQ(block.sizes(), (std::vector<int64_t>{6, 4}));
  EXPECT_TRUE(torch::equal(block.slice(0, 0, 3), global));
  EXPECT_TRUE(torch::equal(block[3], separator));
  EXPECT_TRUE(torch::equal(block.slice(0, 4, 6), selected));
}

TEST(ImageBlock, SingleBranchAblationsAddNoSeparator) {
  const auto global = torch::randn({5, 8});
  const auto selected = torch::randn({3, 8});
  EXPECT_TRUE(torch::equal(assemble_image_block(ImageBranches::kGlobalOnly, global, {}, {}), global));
  EXPECT_TRUE(torch::equal(assemble_image_block(ImageBranches::kLocalOnly, {}, {}, selected), selected));
  // An empty selection (K = 0) is legal in the combined block: G and the separator remain.
  const auto none = torch::empty({0, 8});
  EXPECT_EQ(assemble_image_block(ImageBranches::kBoth, global, torch::zeros({1, 8}), none).size(0), 6);
}

TEST(ImageBlock, MissingOrMisshapedInputsAreClearErrors) {
  const auto global = torch::randn({5, 8});
  const auto selected = torch::randn({3, 8});
  try {
    assemble_image_block(ImageBranches::kBoth, global, {}, selected);
    FAIL();
  } catch (const slime::Error& e) {
    EXPECT_EQ(e.code(), slime::ErrorCode::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("separator"), std::string::npos);
  }
  try {
    assemble_image_block(ImageBranches::kBoth, global, torch::zeros({7}), selected);
    FAIL();
  } catch (const slime::Error& e) {
    EXPECT_EQ(e.code(), slime::ErrorCode::kShape);
  }
  try {
    assemble_image_block(ImageBranches::kLocalOnly, global, {}, {});
    FAIL();
  } catch (const slime::Error& e) {
    EXPECT_NE(std::string(e.what()).find("selected local tokens"), std::string::npos);
  }
}

TEST(ImageBlock, BranchesFollowTheConfigKnobs) {
  slime::io::ModelConfig config;
  EXPECT_EQ(slime::model::image_branches_from(config), ImageBranches::kBoth);
  config.use_global_only = true;
  EXPECT_EQ(slime::model::image_branches_from(config), ImageBranches::kGlobalOnly);
  config.use_global_only = false;
  config.use_local_only = true;
  EXPECT_EQ(slime::model::image_branches_from(config), ImageBranches::kLocalOnly);
  config.use_global_only = true;
  EXPECT_THROW(slime::model::image_branches_from(config), slime::Error);
}

}  // namespace
